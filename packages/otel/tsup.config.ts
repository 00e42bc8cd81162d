import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Never bundle the peer: the application's copy must be the one that holds the global SDK.
  external: ['@opentelemetry/api', '@jobtrail/core'],
});
