import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    client: 'src/client/index.ts',
  },
  format: ['esm', 'cjs'],
  // Shared chunks in CJS too: otherwise index.cjs and client.cjs each carry their own JobtrailError
  // and `instanceof` fails across the two entry points.
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['vitest'],
});
