import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticFiles } from '../src/server/static-files.js';

describe('createStaticFiles', () => {
  let root: string;
  let outside: string;

  beforeAll(() => {
    const base = mkdtempSync(join(tmpdir(), 'jobtrail-demo-static-'));
    root = join(base, 'client');
    outside = join(base, 'secret.txt');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>page</title>');
    writeFileSync(join(root, 'assets', 'app-1234.js'), 'console.log(1)');
    writeFileSync(outside, 'do not serve');
  });

  afterAll(() => rmSync(join(root, '..'), { recursive: true, force: true }));

  it('serves built assets with their type, cached for good', async () => {
    const response = await createStaticFiles(root)('/assets/app-1234.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(await response.text()).toBe('console.log(1)');
  });

  it('answers index.html, never cached, for the page and for unknown paths', async () => {
    for (const path of ['/', '/jobs/123', '/assets/missing.js']) {
      const response = await createStaticFiles(root)(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toContain('<title>page</title>');
    }
  });

  it('never serves a file outside its folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2F..%2Fsecret.txt']) {
      const body = await (await createStaticFiles(root)(path)).text();
      expect(body).not.toContain('do not serve');
    }
  });

  it('answers 400 for a path that is not valid percent-encoding', async () => {
    expect((await createStaticFiles(root)('/%E0%A4%A')).status).toBe(400);
  });

  it('says how to build the page when it is not built', async () => {
    const response = await createStaticFiles(join(root, 'nope'))('/');
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build');
  });
});
