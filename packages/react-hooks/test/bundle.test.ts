// @vitest-environment node
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Options } from 'tsup';
import { afterAll, describe, expect, it } from 'vitest';
import config from '../tsup.config.js';

const outDir = mkdtempSync(path.join(tmpdir(), 'jobtrail-react-bundle-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the published bundle', () => {
  it('keeps the "use client" directive first in both formats and leaves react and core external', async () => {
    const entry = { index: fileURLToPath(new URL('../src/index.ts', import.meta.url)) };
    await build({ ...(config as Options), entry, config: false, dts: false, sourcemap: false, outDir, silent: true, clean: false });
    for (const file of ['index.js', 'index.cjs']) {
      const code = readFileSync(path.join(outDir, file), 'utf8');
      expect(code.split('\n')[0], file).toBe('"use client";');
      expect(code).not.toMatch(/function useSyncExternalStore|class PollingQuery/);
    }
  }, 60_000);
});
