import path from 'node:path';
import { defineConfig } from 'vitest/config';
// @ts-expect-error: a plain .mjs build script without declarations.
import { UI_ASSETS_MODULE, uiAssetsModuleSource } from './scripts/ui-assets-module.mjs';

const RESOLVED = `\0${UI_ASSETS_MODULE as string}`;

export default defineConfig({
  plugins: [
    {
      name: 'jobtrail-dashboard-ui',
      resolveId: (id) => (id === UI_ASSETS_MODULE ? RESOLVED : null),
      load: (id) => (id === RESOLVED ? (uiAssetsModuleSource(path.resolve('ui-dist')) as string) : null),
    },
  ],
  test: {
    include: ['test/**/*.test.ts', 'e2e/**/*.e2e.test.ts'],
    // Chromium and servers start per file; two CPUs.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
