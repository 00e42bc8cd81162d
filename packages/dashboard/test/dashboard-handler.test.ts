import { gunzipSync } from 'node:zlib';
import { createTracker, MemoryJobStore, type CallerScope, type Tracker } from '@jobtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDashboardHandler, type DashboardOptions } from '../src/index.js';

const ORIGIN = 'http://dash.test';

/** The scope from `x-tenant` / `x-admin` headers; neither → null (signed out). */
function authorizeFromHeaders(request: Request): CallerScope | null {
  const tenantId = request.headers.get('x-tenant');
  if (tenantId) return { tenantId };
  if (request.headers.get('x-admin') === 'true') return { admin: true };
  return null;
}

let tracker: Tracker;
beforeEach(() => {
  tracker = createTracker({ store: new MemoryJobStore() });
});
afterEach(async () => {
  await tracker.close();
});

function dashboard(options: Partial<DashboardOptions> = {}) {
  const handler = createDashboardHandler({ tracker, authorize: authorizeFromHeaders, basePath: '/admin/jobs', ...options });
  return (path: string, init: RequestInit = {}) => handler(new Request(`${ORIGIN}${path}`, init));
}

const admin = { 'x-admin': 'true' };

describe('createDashboardHandler options', () => {
  const make = (options: Record<string, unknown>) => () => createDashboardHandler({ tracker, authorize: authorizeFromHeaders, basePath: '/x', ...options } as DashboardOptions);

  it.each([['admin/jobs'], ['/admin/jobs/'], ['/admin/../jobs'], ['/admin//jobs'], ['/admin jobs'], ['/admin/%6Aobs'], [42], [undefined]])('refuses basePath %j', (basePath) => {
    expect(make({ basePath })).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'basePath' }));
  });

  it('accepts the site root and nested paths', () => {
    expect(make({ basePath: '' })).not.toThrow();
    expect(make({ basePath: '/ops/queues/jobs' })).not.toThrow();
  });

  it.each([[''], ['   '], ['x'.repeat(101)], [7]])('refuses title %j', (title) => {
    expect(make({ title })).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'title' }));
  });

  it.each([[[]], [['https://a.example/path']], [['*']], ["'self'"], [['javascript:alert(1)']]])('refuses frameAncestors %j', (frameAncestors) => {
    expect(make({ frameAncestors })).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'frameAncestors' }));
  });

  it('refuses a non-boolean readOnly and passes the jobs handler options on for checking', () => {
    expect(make({ readOnly: 'yes' })).toThrow(expect.objectContaining({ field: 'readOnly' }));
    expect(make({ maxPageSize: -1 })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    expect(make({ authorize: undefined })).toThrow(expect.objectContaining({ field: 'authorize' }));
  });
});

describe('the page', () => {
  it('serves the page at the bare mount path too, with a <base> so its relative URLs resolve under the mount', async () => {
    const request = dashboard();
    const bare = await request('/admin/jobs?x=1', { headers: admin });
    expect(bare.status).toBe(200);
    const html = await bare.text();
    expect(html).toContain('<base href="/admin/jobs/" />');
    expect(html).toBe(await (await request('/admin/jobs/', { headers: admin })).text());
  });

  it('serves the page with a strict CSP, the title escaped, gzipped when accepted', async () => {
    const response = await dashboard({ title: 'Ops <script>' })('/admin/jobs/', { headers: { ...admin, 'accept-encoding': 'gzip, br' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = gunzipSync(new Uint8Array(await response.arrayBuffer())).toString('utf8');
    expect(html).toContain('<title>Ops &lt;script&gt;</title>');
    expect(html).not.toMatch(/<script>(?!<)/);
    // Every asset is referenced relative to the <base>, so any mount path works.
    for (const [, src] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(src).toMatch(/^(?:\.\/assets\/|\/admin\/jobs\/$|data:,$)/);
  });

  it('serves plain bytes to a client that refuses gzip, and 304 for a current copy', async () => {
    const request = dashboard();
    const plain = await request('/admin/jobs/', { headers: { ...admin, 'accept-encoding': 'gzip;q=0, identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toContain('<div id="root">');
    const etag = plain.headers.get('etag')!;
    const again = await request('/admin/jobs/', { headers: { ...admin, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('answers 401 to a signed-out visitor, and 405 to a POST', async () => {
    const request = dashboard();
    expect((await request('/admin/jobs/')).status).toBe(401);
    const post = await request('/admin/jobs/', { method: 'POST', headers: admin });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('serves hashed assets for a year without sign-in, and 404 for unknown files', async () => {
    const request = dashboard();
    const html = await (await request('/admin/jobs/', { headers: admin })).text();
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await request(`/admin/jobs/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-security-policy')).toContain("default-src 'none'");
    const head = await request(`/admin/jobs/${script}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await request('/admin/jobs/assets/nope.js')).status).toBe(404);
    expect((await request('/admin/jobs/../secret')).status).toBe(404);
  });

  it('allows framing only by the origins given', async () => {
    const response = await dashboard({ frameAncestors: ["'self'", 'https://admin.example.com'] })('/admin/jobs/', { headers: admin });
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://admin.example.com");
    expect(response.headers.get('x-frame-options')).toBeNull();
  });

  it('works at the site root', async () => {
    const handler = createDashboardHandler({ tracker, authorize: authorizeFromHeaders, basePath: '' });
    const page = await handler(new Request(`${ORIGIN}/`, { headers: admin }));
    expect(page.status).toBe(200);
    const info = await handler(new Request(`${ORIGIN}/api/dashboard`, { headers: admin }));
    expect(info.status).toBe(200);
  });
});

describe('the API', () => {
  it('describes the caller and the store at api/dashboard', async () => {
    const request = dashboard({ title: 'Ops' });
    const info = await (await request('/admin/jobs/api/dashboard', { headers: { 'x-tenant': 'acme' } })).json();
    expect(info).toEqual({
      title: 'Ops',
      readOnly: false,
      scope: { tenantId: 'acme', admin: false },
      features: { streams: true, schedules: true, types: true, activity: true, bulkActions: true, typeActions: false },
    });
    const admin = await (await request('/admin/jobs/api/dashboard', { headers: { 'x-admin': 'true' } })).json();
    expect(admin.features.typeActions).toBe(true);
    expect((await request('/admin/jobs/api/dashboard')).status).toBe(401);
    expect((await request('/admin/jobs/api/dashboard', { method: 'POST', headers: admin })).status).toBe(405);
  });

  it('answers 403 at api/dashboard for a scope that narrows nothing', async () => {
    const handler = createDashboardHandler({ tracker, authorize: () => ({ tenantId: undefined }), basePath: '/d' });
    const response = await handler(new Request(`${ORIGIN}/d/api/dashboard`));
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe('forbidden');
  });

  it('narrows every read to the caller: a tenant never sees another tenant’s jobs', async () => {
    await tracker.create('mail', { tenantId: 'acme' });
    await tracker.create('mail', { tenantId: 'globex' });
    const request = dashboard();
    const acme = await (await request('/admin/jobs/api/jobs', { headers: { 'x-tenant': 'acme' } })).json();
    expect(acme.jobs.map((job: { tenantId: string }) => job.tenantId)).toEqual(['acme']);
    const all = await (await request('/admin/jobs/api/jobs', { headers: admin })).json();
    expect(all.jobs).toHaveLength(2);
  });

  it('allows bulk actions by default, within the caller’s scope', async () => {
    const mine = await tracker.create('mail', { tenantId: 'acme' });
    const theirs = await tracker.create('mail', { tenantId: 'globex' });
    const response = await dashboard()('/admin/jobs/api/jobs/cancel', {
      method: 'POST',
      headers: { 'x-tenant': 'acme', 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify({ type: 'mail' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ matched: 1, changed: 1 });
    expect((await tracker.get(mine.id))?.status).toBe('cancelled');
    expect((await tracker.get(theirs.id))?.status).toBe('queued');
  });

  it('refuses every action when read-only, and says so in api/dashboard', async () => {
    const job = await tracker.create('mail', { tenantId: 'acme' });
    const request = dashboard({ readOnly: true, canActOnMany: () => true });
    const headers = { ...admin, 'content-type': 'application/json', origin: ORIGIN };
    for (const path of [`/admin/jobs/api/jobs/${job.id}/cancel`, '/admin/jobs/api/jobs/cancel', '/admin/jobs/api/types/mail/pause']) {
      const response = await request(path, { method: 'POST', headers, body: '{}' });
      expect(response.status).toBe(403);
      expect((await response.json()).error.code).toBe('read_only');
    }
    expect((await tracker.get(job.id))?.status).toBe('queued');
    const info = await (await request('/admin/jobs/api/dashboard', { headers: admin })).json();
    expect(info.readOnly).toBe(true);
    expect(info.features.bulkActions).toBe(false);
    expect(info.features.typeActions).toBe(false);
    expect((await request('/admin/jobs/api/jobs', { headers: admin })).status).toBe(200);
  });

  it('answers a marked route miss outside its base path, so Express can call next()', async () => {
    const response = await dashboard()('/elsewhere', { headers: admin });
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('route_not_found');
  });
});

describe('mounted in Hono', () => {
  it('serves the page and the scoped API through app.all()', async () => {
    const { Hono } = await import('hono');
    await tracker.create('mail', { tenantId: 'acme' });
    const dashboardHandler = createDashboardHandler({ tracker, authorize: authorizeFromHeaders, basePath: '/admin/jobs' });
    const app = new Hono();
    app.get('/', (c) => c.text('host'));
    app.all('/admin/jobs', (c) => dashboardHandler(c.req.raw));
    app.all('/admin/jobs/*', (c) => dashboardHandler(c.req.raw));
    const page = await app.request('/admin/jobs', { headers: { 'x-tenant': 'acme' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<base href="/admin/jobs/" />');
    const list = await (await app.request('/admin/jobs/api/jobs', { headers: { 'x-tenant': 'acme' } })).json();
    expect(list.jobs).toHaveLength(1);
    expect(await (await app.request('/')).text()).toBe('host');
  });
});

describe('authorize, as the jobs API reads it', () => {
  const handlerWith = (authorize: DashboardOptions['authorize'], onError?: (error: unknown) => void) =>
    createDashboardHandler({ tracker, authorize, basePath: '/d', ...(onError ? { onError } : {}) });
  const get = (handler: ReturnType<typeof handlerWith>, path: string) => handler(new Request(`${ORIGIN}${path}`));

  it('reads a session class’s getters like own fields, and never a polluted Object.prototype', async () => {
    class AdminSession {
      get admin() {
        return true;
      }
    }
    const info = await (await get(handlerWith(() => new AdminSession() as never), '/d/api/dashboard')).json();
    expect(info.scope).toEqual({ admin: true });
    const inherited = await (await get(handlerWith(() => Object.create({ tenantId: 'acme' })), '/d/api/dashboard')).json();
    expect(inherited.scope).toEqual({ tenantId: 'acme', admin: false });
    try {
      (Object.prototype as Record<string, unknown>)['admin'] = true;
      const polluted = await get(handlerWith(() => ({})), '/d/api/dashboard');
      expect(polluted.status).toBe(403);
    } finally {
      delete (Object.prototype as Record<string, unknown>)['admin'];
    }
  });

  it('refuses the page to a scope the API refuses, and answers 500 (logged) for a throw or a malformed scope', async () => {
    expect((await get(handlerWith(() => ({})), '/d/')).status).toBe(403);
    const errors: unknown[] = [];
    for (const authorize of [
      () => {
        throw new Error('session store down');
      },
      () => ['admin'] as never,
      () => ({ tenantId: 5 }) as never,
      () => ({ admin: 'true' }) as never,
    ]) {
      const handler = handlerWith(authorize, (error) => errors.push(error));
      const page = await get(handler, '/d/');
      expect(page.status).toBe(500);
      expect(await page.text()).not.toContain('session store down');
      const info = await get(handler, '/d/api/dashboard');
      expect(info.status).toBe(500);
      expect((await info.json()).error.code).toBe('internal_error');
    }
    expect(errors).toHaveLength(8);
  });

  it('answers OPTIONS on the page and api/dashboard like the jobs routes', async () => {
    const handler = handlerWith(() => ({ admin: true }));
    for (const path of ['/d/', '/d/api/dashboard']) {
      const response = await handler(new Request(`${ORIGIN}${path}`, { method: 'OPTIONS' }));
      expect(response.status).toBe(204);
      expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    }
  });
});

describe('at the site root under Express', () => {
  it('leaves every path that is not the dashboard’s to the app’s later routes', async () => {
    const { default: express } = await import('express');
    const { createServer } = await import('node:http');
    const { toNodeHandler } = await import('../src/index.js');
    const app = express();
    app.use(toNodeHandler(createDashboardHandler({ tracker, authorize: authorizeFromHeaders, basePath: '' })));
    app.get('/hello', (_request, response) => {
      response.send('hello from the app');
    });
    app.get('/assets/app.css', (_request, response) => {
      response.type('css').send('body{}');
    });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect(await (await fetch(`${origin}/hello`)).text()).toBe('hello from the app');
      expect(await (await fetch(`${origin}/assets/app.css`)).text()).toBe('body{}');
      expect((await fetch(`${origin}/`, { headers: admin })).status).toBe(200);
      expect((await fetch(`${origin}/api/jobs`, { headers: admin })).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
