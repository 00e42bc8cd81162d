import { describe, expect, it, vi } from 'vitest';
import { serve } from '../../test/serve.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTracker } from '../tracker/tracker.js';
import { createJobsHandler } from './create-jobs-handler.js';
import { A, start, T0 } from './create-jobs-handler.test-support.js';
import { toNodeHandler } from './to-node-handler.js';
import type { JobResponse } from './wire-types.js';

describe('exposing payload, result and errors', () => {
  it('sends payload and result only when expose allows it, and never a stack', async () => {
    const f = await start({
      expose: { payload: true, result: (job) => job.type === 'public.report', errors: false },
    });
    try {
      const pub = await f.tracker.create('public.report', { tenantId: 'tenant-a', payload: { q: 1 } });
      await f.tracker.start(pub.id);
      await f.tracker.complete(pub.id, { result: { rows: 3 } });
      const priv = await f.tracker.create('private.report', { tenantId: 'tenant-a', maxAttempts: 1 });
      await f.tracker.start(priv.id);
      await f.tracker.fail(priv.id, new Error('password=hunter2'));
      const pubJob = ((await (await f.get(`/api/jobs/${pub.id}`, A)).json()) as JobResponse).job;
      expect(pubJob).toMatchObject({ payload: { q: 1 }, result: { rows: 3 } });
      const text = await (await f.get(`/api/jobs/${priv.id}`, A)).text();
      const privJob = (JSON.parse(text) as JobResponse).job;
      expect(privJob.status).toBe('failed');
      expect(privJob).not.toHaveProperty('result');
      expect(privJob.error).toBeNull();
      expect(text).not.toContain('hunter2');
    } finally {
      await f.server.close();
    }
  });

  it('sends error messages by default, without stacks, even when the tracker keeps them', async () => {
    const clock = createFakeClock(T0);
    const tracker = createTracker({ store: new MemoryJobStore(), clock, keepStacks: true });
    const handler = createJobsHandler({ tracker, authorize: () => ({ admin: true }) });
    const job = await tracker.create('x.y', { maxAttempts: 1 });
    await tracker.start(job.id);
    await tracker.fail(job.id, new TypeError('bad row 7'));
    expect((await tracker.get(job.id))!.error!.stack).toContain('TypeError');
    const response = await handler(new Request(`http://local/jobs/${job.id}`));
    const text = await response.text();
    expect((JSON.parse(text) as JobResponse).job.error).toMatchObject({ message: 'bad row 7', name: 'TypeError', attempt: 1 });
    expect(text).not.toContain('stack');

    const leased = await tracker.create('x.y');
    await tracker.start(leased.id, { leaseMs: 30_000, owner: 'worker@db-host-3' });
    const leasedText = await (await handler(new Request(`http://local/jobs/${leased.id}`))).text();
    expect((JSON.parse(leasedText) as JobResponse).job.lease).toEqual({ expiresAt: new Date(T0 + 30_000).toISOString() });
    expect(leasedText).not.toContain('db-host-3');
  });
});

describe('createJobsHandler options and mounting', () => {
  it('validates its options', () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    expect(() => createJobsHandler({ tracker } as never)).toThrow(/authorize/);
    expect(() => createJobsHandler({ authorize: () => null } as never)).toThrow(/tracker/);
    expect(() => createJobsHandler({ tracker, authorize: () => null, basePath: 'api' })).toThrow(/basePath/);
    expect(() => createJobsHandler({ tracker, authorize: () => null, maxPageSize: 5000 })).toThrow(/maxPageSize/);
    for (const expose of [{ payload: 'yes' }, { payloads: true }, { result: 1 }, [], null, 'all']) {
      expect(() => createJobsHandler({ tracker, authorize: () => null, expose: expose as never }), JSON.stringify(expose)).toThrow(/expose/);
    }
    expect(() => createJobsHandler({ tracker, authorize: () => null, trustProxy: 'yes' as never })).toThrow(/trustProxy/);
    expect(() => createJobsHandler({ tracker, authorize: () => null, expose: { payload: true, errors: (job) => job.type === 'x' } })).not.toThrow();
  });

  it('answers 500 without details when the store fails', async () => {
    const store = new MemoryJobStore();
    const tracker = createTracker({ store });
    vi.spyOn(store, 'query').mockRejectedValue(new Error('connection to db.internal refused'));
    const onError = vi.fn();
    const handler = createJobsHandler({ tracker, authorize: () => ({ admin: true }), onError });
    const response = await handler(new Request('http://local/jobs'));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('db.internal');
    expect(onError).toHaveBeenCalledOnce();
  });

  it('passes requests that are not jobs routes to Express-style next()', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    const job = await tracker.create('a.b', { tenantId: 't' });
    const nodeHandler = toNodeHandler(createJobsHandler({ tracker, authorize: () => ({ tenantId: 't' }), basePath: '/api' }));
    const server = await serve((request, response) => {
      // What Express's app.use('/api', ...) does: strip the mount path from url, keep originalUrl.
      const req = Object.assign(request, { originalUrl: request.url, url: request.url!.replace(/^\/api/, '') || '/' });
      void nodeHandler(req, response, () => {
        response.statusCode = 418;
        response.end('next');
      });
    });
    try {
      expect((await fetch(`${server.url}/api/jobs/${job.id}`)).status).toBe(200);
      const miss = await fetch(`${server.url}/api/users`);
      expect(miss.status).toBe(418);
      expect(await miss.text()).toBe('next');
      expect((await fetch(`${server.url}/elsewhere/jobs/${job.id}`)).status).toBe(418);
    } finally {
      await server.close();
    }
  });

  it('hands authorize the node request, so Express middleware state (req.user) decides the scope', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    const mine = await tracker.create('a.b', { tenantId: 'acme' });
    const nodeHandler = toNodeHandler(
      createJobsHandler({
        tracker,
        authorize: (_request, context) => {
          const user = (context as { req: { user?: { org: string } } }).req.user;
          return user ? { tenantId: user.org } : null;
        },
      }),
    );
    const server = await serve((request, response) => {
      // A session middleware ran before us.
      if (request.headers.cookie === 'sid=1') Object.assign(request, { user: { org: 'acme' } });
      void nodeHandler(request, response);
    });
    try {
      expect((await fetch(`${server.url}/jobs/${mine.id}`, { headers: { cookie: 'sid=1' } })).status).toBe(200);
      expect((await fetch(`${server.url}/jobs/${mine.id}`)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('passes targets the URL parser would rewrite to next(), and validates allowedOrigins', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    const nodeHandler = toNodeHandler(createJobsHandler({ tracker, authorize: () => ({ admin: true }) }));
    const seen: string[] = [];
    for (const url of ['/jobs/./stats', '//jobs/jobs', 'http://evil.example/jobs', 'http://[', '/jobs#x', '*', '/jobs']) {
      let status = 0;
      await nodeHandler(
        { method: 'GET', url, headers: { host: 'localhost' } },
        { statusCode: 0, setHeader: () => undefined, end() { status = this.statusCode; } },
        () => seen.push(url),
      );
      if (url === '/jobs') expect(status).toBe(200);
    }
    expect(seen).toEqual(['/jobs/./stats', '//jobs/jobs', 'http://evil.example/jobs', 'http://[', '/jobs#x', '*']);
    for (const allowedOrigins of [['*'], ['https://app.example.com/path'], ['app.example.com'], ['null'], [42], 'https://a.example']) {
      expect(() => createJobsHandler({ tracker, authorize: () => null, allowedOrigins: allowedOrigins as never }), String(allowedOrigins)).toThrow(
        /allowedOrigins/,
      );
    }
    expect(() => createJobsHandler({ tracker, authorize: () => null, allowedOrigins: ['https://App.Example.com:443/'] })).not.toThrow();
  });

  it('answers 405 to methods the Fetch API cannot carry when a host hands them over, never 500', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    const onError = vi.fn();
    const nodeHandler = toNodeHandler(createJobsHandler({ tracker, authorize: () => ({ admin: true }), onError }));
    for (const method of ['TRACE', 'trace', 'CONNECT', 'TRACK', 'GE T', '']) {
      const headers: Record<string, string> = {};
      let status = 0;
      await nodeHandler(
        { method, url: '/jobs/stats', headers: { host: 'localhost' } },
        { statusCode: 0, setHeader: (name, value) => { headers[name] = String(value); }, end() { status = this.statusCode; } },
      );
      expect(status, method).toBe(405);
      expect(headers.allow, method).toBe('GET, HEAD, OPTIONS');
    }
    expect(onError).not.toHaveBeenCalled();
  });

  it('answers a Fetch request with a method it does not route, in any case, with 405', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    const handler = createJobsHandler({ tracker, authorize: () => ({ admin: true }) });
    for (const method of ['patch', 'PROPFIND', 'put', 'delete']) {
      const response = await handler(new Request('http://local/jobs', { method }));
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    }
    // Fetch upper-cases get/head/post/put/delete/options itself.
    expect((await handler(new Request('http://local/jobs', { method: 'get' }))).status).toBe(200);
  });

  it('survives a malformed Host header', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    const nodeHandler = toNodeHandler(createJobsHandler({ tracker, authorize: () => ({ admin: true }) }));
    let status = 0;
    let body = '';
    await nodeHandler(
      { method: 'GET', url: '/jobs/stats', headers: { host: 'exa mple:99999' } },
      {
        statusCode: 0,
        setHeader: () => undefined,
        end(chunk) {
          status = this.statusCode;
          body = new TextDecoder().decode(chunk as Uint8Array);
        },
      },
    );
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ total: 0 });
  });
});
