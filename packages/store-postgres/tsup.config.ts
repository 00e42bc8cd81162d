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
  // Peers and core stay imports: the user's TypeORM (and the pg it loaded) must be the one we use.
  external: ['@jobtrail/core', 'typeorm', 'pg'],
});
