import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { Job } from '../model/job.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { makeJob } from '../testing/make-job.js';
import { createTracker } from '../tracker/tracker.js';
import { createJobsHandler } from './create-jobs-handler.js';
import { A, ADMIN, B, type Fixture, start, T0 } from './create-jobs-handler.test-support.js';
import type {
  ActivityJson,
  ErrorResponse,
  JobListResponse,
  JobStatsResponse,
  ScheduleResponse,
  TypeJson,
  TypeListResponse,
  TypeResponse,
} from './wire-types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A job of `tenantId` that started at `startMs` (from T0), `waitMs` after due, and ended as told. */
function ran(type: string, tenantId: string | null, startMs: number, waitMs: number, end: 'completed' | 'failed' | null, extra: Partial<Job> = {}): Job {
  return makeJob({
    type,
    tenantId,
    status: end ?? 'running',
    attempt: 1,
    runAt: new Date(T0 + startMs - waitMs),
    startedAt: new Date(T0 + startMs),
    finishedAt: end === null ? null : new Date(T0 + startMs + 1_000),
    error: end === 'failed' ? { message: 'no', code: 'http_503', name: 'Error', retryable: false, attempt: 1, at: new Date(T0 + startMs + 1_000) } : null,
    createdAt: new Date(T0 + startMs - waitMs),
    ...extra,
  });
}

async function errorOf(response: Response): Promise<ErrorResponse['error']> {
  return ((await response.json()) as ErrorResponse).error;
}

describe('GET /jobs/activity', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await start();
    for (const job of [
      ran('mail.send', 'tenant-a', -2 * HOUR + 5 * MINUTE, 2_000, 'completed', { metadata: { region: 'eu' } }),
      ran('mail.send', 'tenant-a', -2 * HOUR + 6 * MINUTE, 4_000, 'failed'),
      ran('report.build', 'tenant-a', -30 * MINUTE, 10_000, null),
      ran('mail.send', 'tenant-b', -2 * HOUR + 5 * MINUTE, 60_000, 'failed'),
    ]) {
      await f.tracker.store.insert(job);
    }
  });
  afterAll(() => f.server.close());

  const activity = async (query: string, headers: Record<string, string> = A): Promise<ActivityJson> => {
    const response = await f.get(`/api/jobs/activity${query}`, headers);
    expect(response.status, query).toBe(200);
    return (await response.json()) as ActivityJson;
  };
  const nonEmpty = (body: ActivityJson) => body.buckets.filter((bucket) => bucket.started + bucket.completed + bucket.failed > 0);

  it('answers the last 24 hours in hourly buckets by default, zero-filled, with an ETag', async () => {
    const response = await f.get('/api/jobs/activity', A);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBeTruthy();
    const body = (await response.json()) as ActivityJson;
    expect(body.bucketMs).toBe(HOUR);
    expect(body.since).toBe(new Date(T0 - 24 * HOUR).toISOString());
    expect(body.until).toBe(new Date(T0).toISOString());
    expect(body.buckets).toHaveLength(24);
    expect(body.buckets[0]).toEqual({ start: body.since, started: 0, completed: 0, failed: 0, waitMsAvg: null, waitMsMax: null });
    expect(body.buckets.map((bucket) => Date.parse(bucket.start) - Date.parse(body.since))).toEqual(Array.from({ length: 24 }, (_, k) => k * HOUR));
    expect(nonEmpty(body)).toEqual([
      { start: new Date(T0 - 2 * HOUR).toISOString(), started: 2, completed: 1, failed: 1, waitMsAvg: 3_000, waitMsMax: 4_000 },
      { start: new Date(T0 - HOUR).toISOString(), started: 1, completed: 0, failed: 0, waitMsAvg: 10_000, waitMsMax: 10_000 },
    ]);
  });

  it("never counts another tenant's jobs; tenantId narrows inside the scope only", async () => {
    const b = await activity('', B);
    expect(nonEmpty(b)).toEqual([{ start: new Date(T0 - 2 * HOUR).toISOString(), started: 1, completed: 0, failed: 1, waitMsAvg: 60_000, waitMsMax: 60_000 }]);
    const admin = await activity('', ADMIN);
    expect(nonEmpty(admin)[0]).toMatchObject({ started: 3, completed: 1, failed: 2, waitMsMax: 60_000 });
    expect(nonEmpty(await activity('?tenantId=tenant-b', ADMIN))).toEqual(nonEmpty(b));
    // Tenant a asking for tenant b's jobs gets none of them.
    expect(nonEmpty(await activity('?tenantId=tenant-b', A))).toEqual([]);
  });

  it('takes since, until, bucketMs and the stats filters', async () => {
    const since = new Date(T0 - 2 * HOUR + 90_000).toISOString();
    const until = new Date(T0 - HOUR).toISOString();
    const body = await activity(`?since=${since}&until=${until}&bucketMs=300000&type=mail.send`);
    // since floored to a multiple of 5 minutes.
    expect(body.since).toBe(new Date(T0 - 2 * HOUR).toISOString());
    expect(body.buckets).toHaveLength(12);
    expect(nonEmpty(body)).toEqual([{ start: new Date(T0 - 2 * HOUR + 5 * MINUTE).toISOString(), started: 2, completed: 1, failed: 1, waitMsAvg: 3_000, waitMsMax: 4_000 }]);
    expect(nonEmpty(await activity('?errorCode=http_503'))[0]).toMatchObject({ started: 1, failed: 1, completed: 0 });
    expect(nonEmpty(await activity(`?metadata=${encodeURIComponent('{"region":"eu"}')}`))[0]).toMatchObject({ started: 1, completed: 1, failed: 0 });
    expect(nonEmpty(await activity('?type=nothing.here'))).toEqual([]);
  });

  it('answers 400 with a clear message for bad input', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?bucketMs=999', /bucketMs: must be an integer from 1000/],
      ['?bucketMs=1.5', /bucketMs/],
      ['?bucketMs=abc', /bucketMs/],
      ['?since=yesterday', /since: must be an ISO 8601 date/],
      ['?until=2026-02-30T00:00:00Z', /until/],
      [`?since=${new Date(T0).toISOString()}&until=${new Date(T0 - HOUR).toISOString()}`, /since.*before until/],
      [`?since=${new Date(T0).toISOString()}&until=${new Date(T0).toISOString()}`, /since.*before until/],
      ['?bucketMs=1000', /1440/],
      ['?sinse=2026-01-01T00:00:00Z', /Unknown query parameter "sinse"/],
      ['?tenantId=', /tenantId/],
      ['?status=failed', /Unknown query parameter "status"/],
      ['?bucketMs=1000&bucketMs=2000', /bucketMs: give it once/],
    ];
    for (const [query, message] of cases) {
      const response = await f.get(`/api/jobs/activity${query}`, A);
      expect(response.status, query).toBe(400);
      const error = await errorOf(response);
      expect(error.code, query).toBe('invalid_input');
      expect(error.message, query).toMatch(message);
    }
  });

  it('answers 501 activity_unavailable for a store without activity', async () => {
    const store = new MemoryJobStore();
    Object.defineProperty(store, 'activity', { value: undefined });
    const tracker = createTracker({ store, clock: createFakeClock(T0) });
    const handler = createJobsHandler({ tracker, authorize: () => ({ admin: true }) });
    const response = await handler(new Request('http://jobs.test/jobs/activity'));
    expect(response.status).toBe(501);
    expect(await errorOf(response)).toMatchObject({ code: 'activity_unavailable' });
    // Bad input is still bad input.
    const bad = await handler(new Request('http://jobs.test/jobs/activity?bucketMs=5'));
    expect(bad.status).toBe(400);
  });

  it('is a read route: HEAD and OPTIONS work, POST answers 405', async () => {
    expect((await fetch(`${f.server.url}/api/jobs/activity`, { method: 'HEAD', headers: A })).status).toBe(200);
    const post = await f.post('/api/jobs/activity', A);
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });
});

describe('tenantId on GET /jobs and GET /jobs/stats', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await start();
    await f.tracker.enqueue('mail.send', {}, { tenantId: 'tenant-a' });
    await f.tracker.enqueue('mail.send', {}, { tenantId: 'tenant-a' });
    await f.tracker.enqueue('mail.send', {}, { tenantId: 'tenant-b' });
  });
  afterAll(() => f.server.close());

  it('narrows an unscoped caller to the tenant, and matches nothing for a caller of another tenant', async () => {
    const list = async (query: string, headers: Record<string, string>) => ((await (await f.get(`/api/jobs${query}`, headers)).json()) as JobListResponse).jobs;
    const stats = async (query: string, headers: Record<string, string>) => (await (await f.get(`/api/jobs/stats${query}`, headers)).json()) as JobStatsResponse;
    expect((await list('?tenantId=tenant-a', ADMIN)).map((job) => job.tenantId)).toEqual(['tenant-a', 'tenant-a']);
    expect(await list('?tenantId=tenant-b', A)).toEqual([]);
    expect((await list('?tenantId=tenant-a', A)).length).toBe(2);
    expect((await stats('?tenantId=tenant-b', ADMIN)).total).toBe(1);
    expect((await stats('', ADMIN)).total).toBe(3);
    expect((await stats('?tenantId=tenant-a', B)).total).toBe(0);
    const empty = await f.get('/api/jobs/stats?tenantId=', ADMIN);
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).message).toMatch(/tenantId/);
  });
});

describe('GET /types and POST /types/:type/pause|resume', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await start();
    await f.tracker.enqueue('mail.send', {}, { tenantId: 'tenant-a' });
    await f.tracker.enqueue('mail.send', {}, { tenantId: 'tenant-b' });
    await f.tracker.enqueue('mail.send', {}, { tenantId: 'tenant-b' });
    await f.tracker.enqueue('b.secret', {}, { tenantId: 'tenant-b' });
    await f.tracker.setTypeLimits('limited.type', { maxRunning: 2, rateLimit: { limit: 10, intervalMs: 60_000 } });
  });
  afterAll(() => f.server.close());

  const types = async (headers: Record<string, string>): Promise<TypeJson[]> => {
    const response = await f.get('/api/types', headers);
    expect(response.status).toBe(200);
    return ((await response.json()) as TypeListResponse).types;
  };

  it("lists the caller's types with its own counts, plus limited or paused types; never another tenant's", async () => {
    const mine = await types(A);
    expect(mine.map((type) => type.type)).toEqual(['limited.type', 'mail.send']);
    expect(mine[1]).toMatchObject({ type: 'mail.send', paused: false, counts: { total: 1, byStatus: { queued: 1 } }, updatedAt: null });
    expect(mine[0]).toMatchObject({
      limits: { maxRunning: 2, maxRunningPerGroup: null, rateLimit: { limit: 10, intervalMs: 60_000, perGroup: false } },
      counts: { total: 0 },
      updatedAt: new Date(T0).toISOString(),
    });
    const all = await types(ADMIN);
    expect(all.map((type) => type.type)).toEqual(['b.secret', 'limited.type', 'mail.send']);
    expect(all.find((type) => type.type === 'mail.send')!.counts.total).toBe(3);
  });

  it('lets only an unscoped admin pause and resume a type by default (403 for a tenant)', async () => {
    const refused = await f.post('/api/types/mail.send/pause', A);
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ code: 'forbidden' });
    // An admin narrowed to a tenant is that tenant's admin: a pause would reach other tenants.
    expect((await f.post('/api/types/mail.send/pause', { ...ADMIN, ...A })).status).toBe(403);
    expect((await f.tracker.getType('mail.send')).paused).toBe(false);

    const paused = await f.post('/api/types/mail.send/pause', ADMIN);
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as TypeResponse).type).toMatchObject({ type: 'mail.send', paused: true, counts: { total: 3 } });
    expect((await f.tracker.getType('mail.send')).paused).toBe(true);
    // A paused type shows to every tenant, with its own counts only.
    expect((await types(B)).find((type) => type.type === 'mail.send')).toMatchObject({ paused: true, counts: { total: 2 } });

    const resumed = await f.post('/api/types/mail.send/resume', ADMIN);
    expect(((await resumed.json()) as TypeResponse).type.paused).toBe(false);
  });

  it('decodes the type from the path, and refuses a malformed one (400)', async () => {
    const response = await f.post(`/api/types/${encodeURIComponent('reports/daily, eu')}/pause`, ADMIN);
    expect(response.status).toBe(200);
    expect(((await response.json()) as TypeResponse).type).toMatchObject({ type: 'reports/daily, eu', paused: true });
    expect((await f.post('/api/types/%E0%A4%A/pause', ADMIN)).status).toBe(400);
    expect((await f.post(`/api/types/${'x'.repeat(300)}/pause`, ADMIN)).status).toBe(400);
    expect((await f.post('/api/types/a/stop', ADMIN)).status).toBe(404);
    expect((await f.post('/api/types//pause', ADMIN)).status).toBe(404);
    expect((await f.get('/api/types/a/pause', ADMIN)).status).toBe(405);
    expect((await f.get('/api/types?x=1', ADMIN)).status).toBe(400);
  });

  it('passes the same action guard as job actions', async () => {
    const foreign = await f.post('/api/types/mail.send/pause', { ...ADMIN, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const form = await f.post('/api/types/mail.send/pause', { ...ADMIN, 'content-type': 'text/plain' });
    expect(form.status).toBe(415);
    expect((await f.tracker.getType('mail.send')).paused).toBe(false);
  });

  it('lets canManageTypes decide, and answers the caller its own counts', async () => {
    const g = await start({ canManageTypes: (scope, action, type) => scope.tenantId === 'tenant-a' && action === 'pause' && type === 'mail.send' });
    try {
      await g.tracker.enqueue('mail.send', {}, { tenantId: 'tenant-a' });
      await g.tracker.enqueue('mail.send', {}, { tenantId: 'tenant-b' });
      const paused = await g.post('/api/types/mail.send/pause', A);
      expect(paused.status).toBe(200);
      expect(((await paused.json()) as TypeResponse).type).toMatchObject({ paused: true, counts: { total: 1 } });
      expect((await g.post('/api/types/mail.send/resume', A)).status).toBe(403);
      expect((await g.post('/api/types/mail.send/pause', ADMIN)).status).toBe(403);
    } finally {
      await g.server.close();
    }
  });

  it('refuses a canManageTypes or canActOnSchedule that is not a function', () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    expect(() => createJobsHandler({ tracker, authorize: () => null, canManageTypes: true as never })).toThrow(/canManageTypes/);
    expect(() => createJobsHandler({ tracker, authorize: () => null, canActOnSchedule: 'yes' as never })).toThrow(/canActOnSchedule/);
  });
});

describe('POST /schedules/:name/pause|resume', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await start();
    await f.tracker.schedule('a/daily digest', { type: 'reports.digest', every: '1h', tenantId: 'tenant-a' });
    await f.tracker.schedule('b.secret', { type: 'reports.secret', every: '1h', tenantId: 'tenant-b' });
  });
  afterAll(() => f.server.close());

  const path = (name: string, action: string) => `/api/schedules/${encodeURIComponent(name)}/${action}`;

  it('pauses and resumes a schedule the caller can see', async () => {
    const paused = await f.post(path('a/daily digest', 'pause'), A);
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as ScheduleResponse).schedule).toMatchObject({ name: 'a/daily digest', tenantId: 'tenant-a', paused: true });
    expect((await f.tracker.getSchedule('a/daily digest'))!.paused).toBe(true);
    const resumed = await f.post(path('a/daily digest', 'resume'), A);
    expect(((await resumed.json()) as ScheduleResponse).schedule.paused).toBe(false);
    expect((await f.post(path('b.secret', 'pause'), ADMIN)).status).toBe(200);
    expect((await f.post(path('b.secret', 'resume'), ADMIN)).status).toBe(200);
  });

  it("answers another tenant's schedule exactly like a missing one (404), and changes nothing", async () => {
    const foreign = await f.post(path('b.secret', 'pause'), A);
    const missing = await f.post(path('no.such', 'pause'), A);
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).toBe(await missing.text());
    expect((await f.tracker.getSchedule('b.secret'))!.paused).toBe(false);
    // A caller narrowed to an owner sees no schedules at all.
    expect((await f.post(path('a/daily digest', 'pause'), { ...A, 'x-owner': 'u1' })).status).toBe(404);
    expect((await f.post(path('x'.repeat(300), 'pause'), A)).status).toBe(400);
  });

  it('passes the action guard before looking the schedule up', async () => {
    const foreign = await f.post(path('no.such', 'pause'), { ...A, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await f.post(path('a/daily digest', 'pause'), { ...A, 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
  });

  it('lets canActOnSchedule refuse (403), asked only for visible schedules', async () => {
    const asked: string[] = [];
    const g = await start({
      canActOnSchedule: (_scope, action, schedule) => {
        asked.push(`${action}:${schedule.name}`);
        return action === 'resume';
      },
    });
    try {
      await g.tracker.schedule('a.one', { type: 'reports.digest', every: '1h', tenantId: 'tenant-a' });
      await g.tracker.schedule('b.one', { type: 'reports.digest', every: '1h', tenantId: 'tenant-b' });
      const refused = await g.post(path('a.one', 'pause'), A);
      expect(refused.status).toBe(403);
      expect((await g.tracker.getSchedule('a.one'))!.paused).toBe(false);
      expect((await g.post(path('a.one', 'resume'), A)).status).toBe(200);
      expect((await g.post(path('b.one', 'resume'), A)).status).toBe(404);
      expect(asked).toEqual(['pause:a.one', 'resume:a.one']);
    } finally {
      await g.server.close();
    }
  });
});
