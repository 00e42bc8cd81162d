import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serve, type TestServer } from '../../test/serve.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { Job } from '../model/job.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import { createJobsHandler } from './create-jobs-handler.js';
import type { CallerScope, JobsHandlerOptions } from './jobs-handler-options.js';
import { toNodeHandler } from './to-node-handler.js';
import type { JobListResponse, JobResponse } from './wire-types.js';

const T0 = Date.UTC(2026, 5, 1, 12);

/** The test's authentication: `x-tenant`, `x-owner`, `x-admin` headers; none → 401. */
function headerAuth(request: Request): CallerScope | null {
  const tenant = request.headers.get('x-tenant');
  const owner = request.headers.get('x-owner');
  const admin = request.headers.get('x-admin') === 'yes';
  if (!tenant && !owner && !admin) return null;
  return { ...(tenant ? { tenantId: tenant } : {}), ...(owner ? { ownerId: owner } : {}), ...(admin ? { admin } : {}) };
}

interface Fixture {
  server: TestServer;
  tracker: Tracker;
  clock: ReturnType<typeof createFakeClock>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, headers?: Record<string, string>): Promise<Response>;
}

async function start(options: Partial<JobsHandlerOptions> = {}): Promise<Fixture> {
  const clock = createFakeClock(T0);
  const tracker = createTracker({ store: new MemoryJobStore(), clock });
  const handler = createJobsHandler({ tracker, authorize: headerAuth, basePath: '/api', ...options });
  const server = await serve(toNodeHandler(handler));
  return {
    server,
    tracker,
    clock,
    get: (path, headers = {}) => fetch(server.url + path, { headers }),
    post: (path, headers = {}) => fetch(server.url + path, { method: 'POST', headers }),
  };
}

const A = { 'x-tenant': 'tenant-a' };
const B = { 'x-tenant': 'tenant-b' };
const ADMIN = { 'x-admin': 'yes' };

describe('GET /jobs/:id', () => {
  let f: Fixture;
  let jobA: Job;
  let jobB: Job;
  beforeAll(async () => {
    f = await start();
    jobA = await f.tracker.create('imports.upload', {
      tenantId: 'tenant-a',
      ownerId: 'user-1',
      payload: { secret: 'a-payload' },
      metadata: { file: 'leads.csv' },
    });
    jobB = await f.tracker.create('imports.upload', { tenantId: 'tenant-b', payload: { secret: 'b-payload' } });
  });
  afterAll(() => f.server.close());

  it('answers the job as JSON with ISO dates, an ETag, and without payload or result', async () => {
    const response = await f.get(`/api/jobs/${jobA.id}`, A);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('private, no-cache');
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{16}-[0-9a-z]+"$/);
    const { job } = (await response.json()) as JobResponse;
    expect(job).toMatchObject({
      id: jobA.id,
      type: 'imports.upload',
      status: 'queued',
      tenantId: 'tenant-a',
      progress: 0,
      metadata: { file: 'leads.csv' },
      createdAt: new Date(T0).toISOString(),
      lease: null,
      error: null,
    });
    expect(job).not.toHaveProperty('payload');
    expect(job).not.toHaveProperty('result');
  });

  it('answers 304 to a matching If-None-Match, and 200 with a new ETag once the job changed', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const first = await f.get(`/api/jobs/${job.id}`, A);
    const etag = first.headers.get('etag')!;
    const again = await f.get(`/api/jobs/${job.id}`, { ...A, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    expect((await f.get(`/api/jobs/${job.id}`, { ...A, 'if-none-match': `"other", W/${etag}` })).status).toBe(304);

    await f.tracker.start(job.id);
    const changed = await f.get(`/api/jobs/${job.id}`, { ...A, 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(((await changed.json()) as JobResponse).job.status).toBe('running');
  });

  it('answers a job of another tenant exactly like a missing one, even with its ETag', async () => {
    const etagB = (await f.get(`/api/jobs/${jobB.id}`, B)).headers.get('etag')!;
    const missing = await f.get('/api/jobs/01900000-0000-7000-8000-000000000000', A);
    const foreign = await f.get(`/api/jobs/${jobB.id}`, A);
    const foreignWithEtag = await f.get(`/api/jobs/${jobB.id}`, { ...A, 'if-none-match': etagB });
    const foreignWithStar = await f.get(`/api/jobs/${jobB.id}`, { ...A, 'if-none-match': '*' });
    const bodies = await Promise.all([missing, foreign, foreignWithEtag, foreignWithStar].map((r) => r.text()));
    for (const [i, response] of [missing, foreign, foreignWithEtag, foreignWithStar].entries()) {
      expect(response.status).toBe(404);
      expect(response.headers.get('etag')).toBeNull();
      expect(JSON.parse(bodies[i]!)).toEqual({ error: { code: 'job_not_found', message: 'Job not found.' } });
    }
    const headerNames = (r: Response) => [...r.headers.keys()].filter((name) => name !== 'date').sort();
    expect(headerNames(foreign)).toEqual(headerNames(missing));
    expect(bodies[1]).toBe(bodies[0]);
    expect(bodies.join()).not.toContain('b-payload');
  });

  it('scopes by owner too, and lets an admin see every tenant', async () => {
    expect((await f.get(`/api/jobs/${jobA.id}`, { 'x-owner': 'user-1' })).status).toBe(200);
    expect((await f.get(`/api/jobs/${jobA.id}`, { 'x-owner': 'user-2' })).status).toBe(404);
    expect((await f.get(`/api/jobs/${jobA.id}`, { ...A, 'x-owner': 'user-2' })).status).toBe(404);
    expect((await f.get(`/api/jobs/${jobB.id}`, ADMIN)).status).toBe(200);
    // An admin of one tenant is still narrowed to it.
    expect((await f.get(`/api/jobs/${jobB.id}`, { ...ADMIN, ...A })).status).toBe(404);
  });

  it('rejects malformed ids and query parameters with 400', async () => {
    for (const id of ['not-a-uuid', "1' OR '1'='1", jobA.id.toUpperCase(), '%00']) {
      const response = await f.get(`/api/jobs/${encodeURIComponent(id)}`, A);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_input' } });
    }
    expect((await f.get(`/api/jobs/${jobA.id}?x=1`, A)).status).toBe(400);
  });
});

describe('authorization', () => {
  let f: Fixture;
  let job: Job;
  beforeAll(async () => {
    f = await start();
    job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
  });
  afterAll(() => f.server.close());

  it('answers 401 on every route without credentials, before looking at the input', async () => {
    const requests = [
      f.get(`/api/jobs/${job.id}`),
      f.get('/api/jobs/not-an-id'),
      f.get('/api/jobs?limit=99999'),
      f.get('/api/jobs/active'),
      f.get('/api/jobs/stats'),
      f.post(`/api/jobs/${job.id}/retry`),
      f.post(`/api/jobs/${job.id}/cancel`),
    ];
    for (const response of await Promise.all(requests)) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: 'Sign in to see jobs.' } });
    }
    expect((await f.tracker.get(job.id))!.status).toBe('queued');
  });

  it('refuses a scope that narrows nothing unless it says admin', async () => {
    const f2 = await start({ authorize: () => ({}) });
    try {
      const response = await f2.get('/api/jobs');
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
    } finally {
      await f2.server.close();
    }
  });

  it('answers 500 without details when authorize throws, and reports the error', async () => {
    const onError = vi.fn();
    const f2 = await start({
      authorize: () => {
        throw new Error('session store down at 10.0.0.7');
      },
      onError,
    });
    try {
      const response = await f2.get('/api/jobs');
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        error: { code: 'internal_error', message: 'The jobs endpoint failed; the server log has the details.' },
      });
      expect(text).not.toContain('10.0.0.7');
      expect(text).not.toContain(' at ');
      expect(onError).toHaveBeenCalledOnce();
      expect((onError.mock.calls[0]![0] as Error).message).toBe('session store down at 10.0.0.7');
    } finally {
      await f2.server.close();
    }
  });

  it('answers 404 for unknown routes and 405 with Allow for a wrong method', async () => {
    const unknown = await f.get('/api/other', A);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'route_not_found' } });
    expect((await f.get(`/api/jobs/${job.id}/history`, A)).status).toBe(404);
    const wrong = await f.get(`/api/jobs/${job.id}/retry`, A);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS');
    expect((await f.post('/api/jobs', A)).status).toBe(405);
  });
});

describe('GET /jobs', () => {
  let f: Fixture;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    f = await start({ maxPageSize: 10 });
    const parent = await f.tracker.create('leads.scoreRun', { tenantId: 'tenant-a' });
    ids.parent = parent.id;
    for (let i = 0; i < 12; i++) {
      const job = await f.tracker.create(i % 2 ? 'places.deepScan' : 'imports.upload', {
        tenantId: 'tenant-a',
        ...(i < 3 ? { parentId: parent.id } : {}),
      });
      ids[`a${i}`] = job.id;
      await f.clock.advance(1000);
    }
    await f.tracker.cancel(ids.a0!);
    for (let i = 0; i < 3; i++) await f.tracker.create('imports.upload', { tenantId: 'tenant-b' });
  });
  afterAll(() => f.server.close());

  const list = async (query: string, headers: Record<string, string> = A) => {
    const response = await f.get(`/api/jobs${query}`, headers);
    expect(response.status).toBe(200);
    return (await response.json()) as JobListResponse;
  };

  it('pages newest first with cursor and limit, within the caller scope', async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const page: JobListResponse = await list(`?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.jobs.map((job) => job.id));
      cursor = page.nextCursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(13);
    expect(new Set(seen).size).toBe(13);
    expect(seen).toEqual([...seen].sort().reverse());
    const page = await list('', B);
    expect(page.jobs.map((job) => job.tenantId)).toEqual(['tenant-b', 'tenant-b', 'tenant-b']);
    expect((await list('?limit=10', ADMIN)).jobs).toHaveLength(10);
  });

  it('filters by status, type, parent and creation time', async () => {
    expect((await list('?status=cancelled')).jobs.map((job) => job.id)).toEqual([ids.a0]);
    expect((await list('?status=queued,cancelled&limit=10')).jobs).toHaveLength(10);
    expect((await list('?type=places.deepScan')).jobs).toHaveLength(6);
    expect((await list('?type=places.deepScan&type=leads.scoreRun')).jobs).toHaveLength(7);
    expect((await list(`?parentId=${ids.parent}`)).jobs.map((job) => job.id).sort()).toEqual([ids.a0, ids.a1, ids.a2].sort());
    const after = new Date(T0 + 10_000).toISOString();
    expect((await list(`?createdAfter=${after}`)).jobs).toHaveLength(2);
    const before = new Date(T0 + 2_000).toISOString();
    expect((await list(`?createdBefore=${encodeURIComponent(before)}`)).jobs).toHaveLength(3);
  });

  it('answers 400 with a clear message for bad filters and over-limit pages', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?limit=11', /limit: must be an integer from 1 to 10/],
      ['?limit=0', /limit/],
      ['?limit=-1', /limit/],
      ['?limit=1e3', /limit/],
      ['?limit=5&limit=6', /limit: give it once/],
      ['?status=done', /status: "done" is not a status/],
      ['?status=', /status: empty value/],
      ['?cursor=abc', /cursor/],
      ['?parentId=42', /parentId: must be a job id/],
      ['?createdAfter=yesterday', /createdAfter: must be an ISO 8601 date/],
      ['?createdAfter=2026-13-45', /createdAfter/],
      [`?createdAfter=${new Date(T0 + 5000).toISOString()}&createdBefore=${new Date(T0).toISOString()}`, /createdAfter must not be later/],
      ['?staus=failed', /Unknown query parameter "staus"/],
      ['?tenantId=tenant-b', /Unknown query parameter "tenantId"/],
    ];
    for (const [query, message] of cases) {
      const response = await f.get(`/api/jobs${query}`, A);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_input');
      expect(body.error.message, query).toMatch(message);
    }
  });

  it('treats injection-like filter values as plain, inert values', async () => {
    const inert = [
      `?type=${encodeURIComponent("imports.upload' OR '1'='1")}`,
      `?type=${encodeURIComponent('{"$ne":null}')}`,
      `?type=${encodeURIComponent('imports.upload; DROP TABLE jobs; --')}`,
      `?type=${encodeURIComponent('.*')}`,
      `?type=${encodeURIComponent('imports.upload\u0000')}`,
    ];
    for (const query of inert) expect((await list(query)).jobs, query).toEqual([]);
    const rejected = [
      `?status=${encodeURIComponent("queued' OR 1=1 --")}`,
      `?parentId=${encodeURIComponent("' OR ''='")}`,
      `?cursor=${encodeURIComponent('zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz')}`,
      `?createdAfter=${encodeURIComponent('2026-01-01; DROP TABLE jobs')}`,
    ];
    for (const query of rejected) expect((await f.get(`/api/jobs${query}`, A)).status, query).toBe(400);
    // Nothing leaked or changed: tenant A still sees its own 13 jobs, tenant B its 3.
    expect((await list('?limit=10&type=imports.upload,places.deepScan,leads.scoreRun')).jobs).toHaveLength(10);
    expect((await list('', B)).jobs).toHaveLength(3);
  });

  it('sends an ETag on lists and answers 304 while the page is unchanged', async () => {
    const first = await f.get('/api/jobs?status=cancelled', A);
    const etag = first.headers.get('etag')!;
    expect((await f.get('/api/jobs?status=cancelled', { ...A, 'if-none-match': etag })).status).toBe(304);
    // The same page seen by another tenant is a different body: B's If-None-Match never matches A's.
    expect((await f.get('/api/jobs?status=cancelled', { ...B, 'if-none-match': etag })).status).toBe(200);
  });
});

describe('GET /jobs/active and /jobs/stats', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await start();
    const old = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(old.id);
    await f.tracker.complete(old.id);
    await f.clock.advance(10 * 60_000);
    const recent = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(recent.id);
    await f.tracker.fail(recent.id, new Error('boom'));
    await f.tracker.create('places.deepScan', { tenantId: 'tenant-a' });
    const running = await f.tracker.create('places.deepScan', { tenantId: 'tenant-a' });
    await f.tracker.start(running.id);
    await f.tracker.create('places.deepScan', { tenantId: 'tenant-b' });
    await f.clock.advance(60_000);
  });
  afterAll(() => f.server.close());

  it('lists unfinished jobs plus those finished within the window (default 5 minutes)', async () => {
    const response = await f.get('/api/jobs/active', A);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { jobs: Array<{ status: string }>; withinMs: number };
    expect(body.withinMs).toBe(300_000);
    expect(body.jobs.map((job) => job.status).sort()).toEqual(['queued', 'retrying', 'running']);
    const wide = (await (await f.get('/api/jobs/active?withinMs=3600000', A)).json()) as typeof body;
    expect(wide.jobs.map((job) => job.status).sort()).toEqual(['completed', 'queued', 'retrying', 'running']);
    const typed = (await (await f.get('/api/jobs/active?type=places.deepScan', A)).json()) as typeof body;
    expect(typed.jobs).toHaveLength(2);
    const other = (await (await f.get('/api/jobs/active', B)).json()) as typeof body;
    expect(other.jobs).toHaveLength(1);
  });

  it('rejects a bad window', async () => {
    for (const query of ['?withinMs=-5', '?withinMs=soon', `?withinMs=${32 * 86_400_000}`, '?status=running']) {
      expect((await f.get(`/api/jobs/active${query}`, A)).status, query).toBe(400);
    }
  });

  it('counts by status and type within the scope only', async () => {
    const a = await (await f.get('/api/jobs/stats', A)).json();
    expect(a).toMatchObject({ total: 4, byStatus: { completed: 1, retrying: 1, queued: 1, running: 1, failed: 0 } });
    expect(a.byType['places.deepScan']).toMatchObject({ total: 2 });
    const b = await (await f.get('/api/jobs/stats', B)).json();
    expect(b).toMatchObject({ total: 1, byStatus: { queued: 1 } });
    expect(Object.keys(b.byType)).toEqual(['places.deepScan']);
    const all = await (await f.get('/api/jobs/stats', ADMIN)).json();
    expect(all.total).toBe(5);
    const typed = await (await f.get('/api/jobs/stats?type=imports.upload', A)).json();
    expect(typed.total).toBe(2);
    expect((await f.get('/api/jobs/stats?limit=5', A)).status).toBe(400);
  });
});

describe('POST /jobs/:id/retry and /cancel', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await start({ canAct: (scope, action) => !(scope.ownerId === 'viewer' && action === 'cancel') });
  });
  afterAll(() => f.server.close());

  it('cancels and retries the caller’s job and answers it', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const cancelled = await f.post(`/api/jobs/${job.id}/cancel`, A);
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as JobResponse).job).toMatchObject({ id: job.id, status: 'cancelled' });
    const retried = await f.post(`/api/jobs/${job.id}/retry`, { ...A, 'content-type': 'application/json' });
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as JobResponse).job.status).toBe('queued');
  });

  it('answers 409 for a transition the job cannot make', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const response = await f.post(`/api/jobs/${job.id}/retry`, A);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_transition' } });
  });

  it('never lets one tenant retry or cancel another tenant’s job', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-b' });
    const missing = await f.post('/api/jobs/01900000-0000-7000-8000-000000000000/cancel', A);
    const missingBody = await missing.text();
    for (const action of ['cancel', 'retry']) {
      const response = await f.post(`/api/jobs/${job.id}/${action}`, A);
      expect(response.status).toBe(404);
      expect(await response.text()).toBe(missingBody);
    }
    expect((await f.tracker.get(job.id))!.status).toBe('queued');
  });

  it('answers 403 only for jobs the caller may see but not change', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a', ownerId: 'viewer' });
    const other = await f.tracker.create('imports.upload', { tenantId: 'tenant-a', ownerId: 'someone' });
    const viewer = { ...A, 'x-owner': 'viewer' };
    const refused = await f.post(`/api/jobs/${job.id}/cancel`, viewer);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { code: 'forbidden', message: 'You may see this job but not cancel it.' } });
    expect((await f.post(`/api/jobs/${other.id}/cancel`, viewer)).status).toBe(404);
    expect((await f.tracker.get(job.id))!.status).toBe('queued');
  });

  it('refuses form posts and cross-site requests', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain;charset=UTF-8']) {
      const response = await f.post(`/api/jobs/${job.id}/cancel`, { ...A, 'content-type': type });
      expect(response.status).toBe(415);
    }
    expect((await f.post(`/api/jobs/${job.id}/cancel`, { ...A, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await f.tracker.get(job.id))!.status).toBe('queued');
    expect((await f.post(`/api/jobs/${job.id}/cancel`, { ...A, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });
});

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
