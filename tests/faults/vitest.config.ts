import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own PostgreSQL (the restart test must own its server) and some spawn
    // worker processes: one file at a time keeps a 2-core machine responsive.
    fileParallelism: false,
    // Hang guards, not timing claims: tests wait on conditions.
    testTimeout: 150_000,
    hookTimeout: 90_000,
  },
});
