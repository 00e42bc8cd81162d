import { defineConfig } from 'tsup';

// The jobtrail packages, drivers and CLI libraries are dependencies, installed beside the CLI:
// bundling them would give a second copy of core's error classes next to the stores'.
const external = ['@jobtrail/core', '@jobtrail/store-postgres', '@jobtrail/store-mongo', 'typeorm', 'pg', 'mongodb', 'commander', 'cli-table3'];

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // Not the bin's files: the second build writes them, perhaps before this one cleans.
    clean: ['!cli.js', '!cli.js.map'],
    target: 'es2022',
    external,
  },
  {
    // The bin: ESM only (the package is "type": "module"); tsup keeps the shebang and marks it executable.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'es2022',
    external: [...external, './index.js'],
  },
]);
