import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // The user's driver must be the one we use (sessions and Db objects are tied to it), and core
  // stays a shared import so its error classes are the ones callers check against.
  external: ['@jobtrail/core', 'mongodb'],
});
