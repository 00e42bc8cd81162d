import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTracker } from '../tracker/tracker.js';
import { createJobsHandler } from './create-jobs-handler.js';
import { A, ADMIN, B, type Fixture, start, T0 } from './create-jobs-handler.test-support.js';
import type { CallerScope } from './jobs-handler-options.js';
import type { ErrorResponse, JobListResponse, JobResponse, ScheduleJson, ScheduleListResponse } from './wire-types.js';

/** Tenant a's schedule names, tenant b's in between them (names are ordered across tenants). */
const A_NAMES = ['a1.digest', 'a3.digest', 'a5.digest', 'a7.digest', 'a9.digest'];
const B_NAMES = ['a2.secret', 'a4.secret', 'a6.secret'];

describe('GET /schedules', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await start({ maxPageSize: 10 });
    for (const name of A_NAMES) {
      await f.tracker.schedule(name, { type: 'reports.digest', every: '30s', tenantId: 'tenant-a', payload: { to: 'ops@a.example' }, metadata: { team: 'ops' } });
    }
    for (const name of B_NAMES) {
      await f.tracker.schedule(name, { type: 'reports.secret', cron: '0 2 * * *', timezone: 'Europe/Berlin', tenantId: 'tenant-b', payload: { to: 'b-secret@b.example' } });
    }
    await f.tracker.schedule('z.global', { type: 'maintenance.vacuum', every: '1h' });
  });
  afterAll(() => f.server.close());

  const list = async (query: string, headers: Record<string, string> = A): Promise<ScheduleListResponse> => {
    const response = await f.get(`/api/schedules${query}`, headers);
    expect(response.status, query).toBe(200);
    return (await response.json()) as ScheduleListResponse;
  };
  const names = (page: ScheduleListResponse) => page.schedules.map((schedule) => schedule.name);

  /** Every page of the list for `headers`, following `nextCursor` to the end. */
  const allPages = async (limit: number, headers: Record<string, string>): Promise<ScheduleListResponse[]> => {
    const pages: ScheduleListResponse[] = [];
    let after: string | null = '';
    while (after !== null) {
      const page: ScheduleListResponse = await list(`?limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`, headers);
      pages.push(page);
      after = page.nextCursor;
      expect(pages.length).toBeLessThan(20);
    }
    return pages;
  };

  it("answers the caller's tenant's schedules, name ascending, as JSON with ISO dates and an ETag", async () => {
    const response = await f.get('/api/schedules', A);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('private, no-cache');
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{16}-[0-9a-z]+"$/);
    const body = (await response.json()) as ScheduleListResponse;
    expect(names(body)).toEqual(A_NAMES);
    expect(body.nextCursor).toBeNull();
    const stored = (await f.tracker.getSchedule('a1.digest'))!;
    expect(body.schedules[0]).toEqual({
      name: 'a1.digest',
      type: 'reports.digest',
      metadata: { team: 'ops' },
      tenantId: 'tenant-a',
      cron: null,
      timezone: null,
      every: 30_000,
      startAt: null,
      endAt: null,
      overlap: 'skip',
      catchUp: 'latest',
      maxCatchUp: 1,
      enabled: true,
      paused: false,
      nextRunAt: stored.nextRunAt!.toISOString(),
      lastRunAt: null,
      lastJobId: null,
      createdAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0).toISOString(),
    } satisfies ScheduleJson);
    // Payload, like a job's, stays on the server unless `expose.payload` says otherwise.
    expect(body.schedules[0]).not.toHaveProperty('payload');
    const b = await list('', B);
    expect(names(b)).toEqual(B_NAMES);
    expect(b.schedules[0]).toMatchObject({ cron: '0 2 * * *', timezone: 'Europe/Berlin', every: null });
  });

  it("never shows another tenant's schedules, however the query is crafted", async () => {
    const seen = (await allPages(2, A)).flatMap(names);
    expect(seen).toEqual(A_NAMES);
    // Starting after one of b's names pages through a's names after it, and tells nothing of b's.
    expect(names(await list('?after=a2.secret'))).toEqual(A_NAMES.slice(1));
    expect(names(await list('?after=a6.secret&limit=1'))).toEqual(['a7.digest']);
    // The scope is not a query parameter.
    for (const query of ['?tenantId=tenant-b', '?tenantId=', '?scope=admin', '?admin=true', '?ownerId=x']) {
      const response = await f.get(`/api/schedules${query}`, A);
      expect(response.status, query).toBe(400);
      expect(await response.text(), query).not.toContain('secret');
    }
    // Injection-like cursors are plain names.
    for (const after of ["a' OR '1'='1", '{"$gt":""}', '.*']) {
      const page = await list(`?after=${encodeURIComponent(after)}`);
      expect(page.schedules.every((schedule) => schedule.tenantId === 'tenant-a'), after).toBe(true);
    }
    const text = JSON.stringify(await Promise.all([list(''), list('?limit=10'), list('?after=a')]));
    expect(text).not.toContain('secret');
    expect(text).not.toContain('z.global');
  });

  it('pages to the end with after and limit, for a tenant and for an admin', async () => {
    const pagesA = await allPages(2, A);
    expect(pagesA.map(names)).toEqual([A_NAMES.slice(0, 2), A_NAMES.slice(2, 4), A_NAMES.slice(4)]);
    expect(pagesA.map((page) => page.nextCursor)).toEqual(['a3.digest', 'a7.digest', null]);
    // A page that ends exactly at the last schedule says so.
    const exact = await list('?limit=5');
    expect(names(exact)).toEqual(A_NAMES);
    expect(exact.nextCursor).toBeNull();
    expect((await list('?after=a9.digest')).schedules).toEqual([]);

    const everything = (await allPages(3, ADMIN)).flatMap(names);
    expect(everything).toEqual([...A_NAMES, ...B_NAMES, 'z.global'].sort());
    // An admin narrowed to a tenant sees that tenant only.
    expect(names(await list('', { ...ADMIN, ...B }))).toEqual(B_NAMES);
  });

  it('answers an empty list to a tenant without schedules', async () => {
    const response = await f.get('/api/schedules', { 'x-tenant': 'tenant-c' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ schedules: [], nextCursor: null });
  });

  it('shows a caller narrowed to an owner no schedule: schedules belong to no owner', async () => {
    expect(await list('', { 'x-owner': 'user-1' })).toEqual({ schedules: [], nextCursor: null });
    expect(await list('?limit=10', { ...A, 'x-owner': 'user-1' })).toEqual({ schedules: [], nextCursor: null });
    expect(await list('', { ...ADMIN, 'x-owner': 'user-1' })).toEqual({ schedules: [], nextCursor: null });
    // A scope that sees unowned records (`ownerId: null`) sees its tenant's schedules.
    const handler = (scope: CallerScope) => createJobsHandler({ tracker: f.tracker, authorize: () => scope });
    const unowned = await handler({ tenantId: 'tenant-a', ownerId: null })(new Request('http://local/schedules'));
    expect(names((await unowned.json()) as ScheduleListResponse)).toEqual(A_NAMES);
  });

  it('answers 400 with the usual error body for bad parameters', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?limit=11', /limit: must be an integer from 1 to 10/],
      ['?limit=0', /limit: must be an integer from 1 to 10; got "0"/],
      ['?limit=-1', /limit/],
      ['?limit=1e3', /limit/],
      ['?limit=two', /limit/],
      ['?limit=', /limit/],
      ['?limit=2&limit=3', /limit: give it once/],
      ['?after=a1.digest&after=a3.digest', /after: give it once/],
      [`?after=${'x'.repeat(256)}`, /after: is not a nextCursor/],
      ['?after=%20%20', /after: is not a nextCursor/],
      ['?after=a%00b', /after: is not a nextCursor/],
      ['?cursor=a1.digest', /Unknown query parameter "cursor"; this route accepts after, limit/],
      ['?status=queued', /Unknown query parameter "status"/],
    ];
    for (const [query, message] of cases) {
      const response = await f.get(`/api/schedules${query}`, A);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as ErrorResponse;
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
      expect(body.error.code, query).toBe('invalid_input');
      expect(body.error.message, query).toMatch(message);
    }
    // An empty `after` is the first page, as `cursor=` is for jobs.
    expect(names(await list('?after='))).toEqual(A_NAMES);
  });

  it('answers 304 while the page is unchanged, and 200 with a new ETag once a schedule changed', async () => {
    const first = await f.get('/api/schedules?limit=2', A);
    const etag = first.headers.get('etag')!;
    const again = await f.get('/api/schedules?limit=2', { ...A, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('private, no-cache');
    expect(await again.text()).toBe('');
    // The same query by another tenant is another body: a's ETag never matches b's page.
    expect((await f.get('/api/schedules?limit=2', { ...B, 'if-none-match': etag })).status).toBe(200);

    await f.clock.advance(1000);
    await f.tracker.pauseSchedule('a1.digest');
    try {
      const changed = await f.get('/api/schedules?limit=2', { ...A, 'if-none-match': etag });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
      const body = (await changed.json()) as ScheduleListResponse;
      expect(body.schedules[0]).toMatchObject({ name: 'a1.digest', paused: true, updatedAt: new Date(T0 + 1000).toISOString() });
    } finally {
      await f.tracker.resumeSchedule('a1.digest');
    }
  });

  it('follows the routes rules: HEAD, OPTIONS, 405, exact paths, 401 and 403', async () => {
    const head = await fetch(`${f.server.url}/api/schedules`, { method: 'HEAD', headers: A });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toMatch(/^"/);
    expect(await head.text()).toBe('');
    const options = await fetch(`${f.server.url}/api/schedules`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    const post = await f.post('/api/schedules', A);
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    for (const path of ['/api/schedules/', '/api/schedules/a1.digest', '/api//schedules', '/api/%73chedules', '/schedules']) {
      const response = await f.get(path, A);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as ErrorResponse).error.code, path).toBe('route_not_found');
    }
    expect((await f.get('/api/schedules')).status).toBe(401);
    const unscoped = createJobsHandler({ tracker: f.tracker, authorize: () => ({}) });
    expect((await unscoped(new Request('http://local/schedules'))).status).toBe(403);
  });
});

describe('schedules and jobs on the wire', () => {
  it("sends a schedule's payload and metadata as the expose rules for jobs allow, capped by maxExposedBytes", async () => {
    const tracker = createTracker({ store: new MemoryJobStore(), clock: createFakeClock(T0) });
    await tracker.schedule('small', { type: 'x.y', every: '1m', payload: { to: 'a' }, metadata: { team: 'ops' } });
    await tracker.schedule('large', { type: 'x.y', every: '1m', payload: { blob: 'x'.repeat(200) }, metadata: { note: 'y'.repeat(200) } });
    const read = async (expose: Parameters<typeof createJobsHandler>[0]['expose'], maxExposedBytes?: number) => {
      const handler = createJobsHandler({ tracker, authorize: () => ({ admin: true }), expose, ...(maxExposedBytes !== undefined ? { maxExposedBytes } : {}) });
      const body = (await (await handler(new Request('http://local/schedules'))).json()) as ScheduleListResponse;
      return Object.fromEntries(body.schedules.map((schedule) => [schedule.name, schedule]));
    };

    const defaults = await read(undefined);
    expect(defaults.small).not.toHaveProperty('payload');
    expect(defaults.small!.metadata).toEqual({ team: 'ops' });
    const all = await read({ payload: true }, 100);
    expect(all.small).toMatchObject({ payload: { to: 'a' }, metadata: { team: 'ops' } });
    expect(all.small).not.toHaveProperty('tooLarge');
    expect(all.large).not.toHaveProperty('payload');
    expect(all.large).not.toHaveProperty('metadata');
    // `{"blob":"x…x"}` and `{"note":"y…y"}`: 211 bytes of JSON each.
    expect(all.large!.tooLarge).toEqual({ payload: 211, metadata: 211 });
    // A rule function decides per job: with no job to decide on, the field stays on the server.
    const perJob = await read({ payload: () => true, metadata: () => true });
    expect(perJob.small).not.toHaveProperty('payload');
    expect(perJob.small).not.toHaveProperty('metadata');
    expect((await read({ metadata: false })).small).not.toHaveProperty('metadata');
  });

  it('gives jobs scheduleName and scheduledFor (ISO), null for jobs enqueued otherwise', async () => {
    const f = await start();
    try {
      const schedule = await f.tracker.schedule('a.heartbeat', { type: 'demo.heartbeat', every: '30s', tenantId: 'tenant-a' });
      const plain = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
      const tick = schedule.nextRunAt!;
      await f.clock.advance(tick.getTime() - T0);
      const pass = await f.tracker.fireDueSchedules();
      expect(pass).toBeDefined();
      const fired = (await f.tracker.getSchedule('a.heartbeat'))!;
      expect(fired.lastJobId).not.toBeNull();

      const { jobs } = (await (await f.get('/api/jobs', A)).json()) as JobListResponse;
      const byId = Object.fromEntries(jobs.map((job) => [job.id, job]));
      expect(byId[fired.lastJobId!]).toMatchObject({ type: 'demo.heartbeat', scheduleName: 'a.heartbeat', scheduledFor: tick.toISOString() });
      expect(byId[plain.id]).toMatchObject({ scheduleName: null, scheduledFor: null });
      const one = (await (await f.get(`/api/jobs/${fired.lastJobId}`, A)).json()) as JobResponse;
      expect(one.job).toMatchObject({ scheduleName: 'a.heartbeat', scheduledFor: tick.toISOString() });

      const listed = ((await (await f.get('/api/schedules', A)).json()) as ScheduleListResponse).schedules[0]!;
      expect(listed).toMatchObject({ lastRunAt: tick.toISOString(), lastJobId: fired.lastJobId, nextRunAt: fired.nextRunAt!.toISOString() });
      // The schedule's job is its tenant's: another tenant cannot read it.
      expect((await f.get(`/api/jobs/${fired.lastJobId}`, B)).status).toBe(404);
    } finally {
      await f.server.close();
    }
  });
});
