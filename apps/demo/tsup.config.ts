import { defineConfig } from 'tsup';

// The server and the worker process. The page is built by Vite into dist/client.
export default defineConfig({
  entry: {
    main: 'src/server/main.ts',
    'worker-process': 'src/server/worker-process.ts',
  },
  outDir: 'dist/server',
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  splitting: true,
  sourcemap: true,
  clean: true,
  // A private workspace package shipped as TypeScript source: bundle it.
  noExternal: ['@jobtrail/testkit-postgres'],
});
