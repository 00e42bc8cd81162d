import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./index.ts', import.meta.url));

describe('@jobtrail/core/client bundle', () => {
  it('bundles for the browser from the client, the wire types and pure constants only', async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      minify: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((file) => file.replace(/^.*?src\//, 'src/'));
    // `util/dates.ts`: the one Date test of core (pure, imports nothing).
    // `eventsource-parser`: the Server-Sent Events parser the streaming transport reads with (no dependencies).
    const allowed = /^(src\/(client\/[a-z-]+\.ts|errors\/jobtrail-error\.ts|model\/job-(?:status|type)\.ts|http\/wire-types\.ts|util\/dates\.ts)|.*node_modules\/eventsource-parser\/.*)$/;
    expect(inputs.filter((file) => !allowed.test(file))).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:|require\(/);
    expect(code).not.toMatch(/MemoryJobStore|createTracker|eventemitter/i);
    // Small enough for a page that only draws progress bars (streaming and its parser included).
    expect(code.length).toBeLessThan(30_000);
  });
});
