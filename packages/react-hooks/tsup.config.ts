import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['react', '@jobtrail/core'],
  // Hooks only run on the client: mark the bundle for React Server Components (Next.js app router).
  // A banner, not a directive in the source, because bundling drops module-level directives.
  banner: { js: '"use client";' },
});
