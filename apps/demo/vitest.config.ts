import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts'],
    // The e2e test starts PostgreSQL, the demo and Chromium: slow machines need room.
    testTimeout: 240_000,
    hookTimeout: 180_000,
    // One demo and one browser at a time on a 2-core machine.
    fileParallelism: false,
  },
});
