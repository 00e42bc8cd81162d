import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    client: 'src/client/index.ts',
    store: 'src/store/index.ts',
  },
  format: ['esm', 'cjs'],
  // No shared chunks in CJS (tsup's default): index.cjs, client.cjs and store.cjs each carry their own
  // copy of the error classes, which `JobtrailError.isInstance` recognises across copies.
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['vitest'],
});
