import path from 'node:path';
import { defineConfig } from 'tsup';
// @ts-expect-error: a plain .mjs build script without declarations.
import { UI_ASSETS_MODULE, uiAssetsModuleSource } from './scripts/ui-assets-module.mjs';

const uiDist = path.resolve('ui-dist');

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['@jobtrail/core'],
  // The embedded page is base64 text: no use in a source map, and it would double the package.
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  esbuildPlugins: [
    {
      name: 'jobtrail-dashboard-ui',
      setup(build) {
        build.onResolve({ filter: /^virtual:jobtrail-dashboard-ui$/ }, (args) => ({ path: args.path, namespace: 'jobtrail-dashboard-ui' }));
        build.onLoad({ filter: /.*/, namespace: 'jobtrail-dashboard-ui' }, () => ({
          contents: uiAssetsModuleSource(uiDist) as string,
          loader: 'js',
        }));
      },
    },
  ],
});
void UI_ASSETS_MODULE;
