import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import { A, ADMIN, B, type Fixture, start, T0 } from './create-jobs-handler.test-support.js';
import type { JobListResponse, JobResponse } from './wire-types.js';

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

  it("answers a job's group, and why a due job waits (a new ETag when that changes)", async () => {
    const type = 'flow.http';
    const job = await f.tracker.create(type, { tenantId: 'tenant-a', group: 'account-7' });
    const first = await f.get(`/api/jobs/${job.id}`, A);
    const before = ((await first.json()) as JobResponse).job;
    expect(before).toMatchObject({ group: 'account-7', waitingFor: null });
    await f.tracker.pauseType(type);
    const paused = await f.get(`/api/jobs/${job.id}`, { ...A, 'if-none-match': first.headers.get('etag')! });
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as JobResponse).job).toMatchObject({ group: 'account-7', waitingFor: 'paused' });
    await f.tracker.resumeType(type);
    // Lists do not derive it: null, whatever holds the job.
    await f.tracker.pauseType(type);
    const list = (await (await f.get(`/api/jobs?type=${type}`, A)).json()) as JobListResponse;
    expect(list.jobs.map((listed) => [listed.group, listed.waitingFor])).toEqual([['account-7', null]]);
    await f.tracker.resumeType(type);
    // Filtered by group, in lists and stats.
    await f.tracker.create(type, { tenantId: 'tenant-a', group: 'account-8' });
    const inGroup = (await (await f.get(`/api/jobs?type=${type}&group=account-8`, A)).json()) as JobListResponse;
    expect(inGroup.jobs.map((listed) => listed.group)).toEqual(['account-8']);
    const stats = (await (await f.get(`/api/jobs/stats?type=${type}&group=account-7`, A)).json()) as { total: number };
    expect(stats.total).toBe(1);
    expect((await f.get(`/api/jobs?group=a&group=b`, A)).status).toBe(400);
    // By error code, key and schedule name.
    const failing = await f.tracker.create(type, { tenantId: 'tenant-a', key: 'order-9', maxAttempts: 1 });
    await f.tracker.start(failing.id);
    await f.tracker.fail(failing.id, Object.assign(new Error('upstream'), { code: 'http_503' }));
    const byCode = (await (await f.get(`/api/jobs?type=${type}&errorCode=http_503`, A)).json()) as JobListResponse;
    expect(byCode.jobs.map((listed) => listed.id)).toEqual([failing.id]);
    const byKey = (await (await f.get(`/api/jobs?key=order-9`, A)).json()) as JobListResponse;
    expect(byKey.jobs.map((listed) => listed.id)).toEqual([failing.id]);
    const bySchedule = (await (await f.get(`/api/jobs?type=${type}&scheduleName=nightly`, A)).json()) as JobListResponse;
    expect(bySchedule.jobs).toEqual([]);
    // By metadata (a JSON object; numbers and booleans keep their type).
    const tagged = await f.tracker.create(type, { tenantId: 'tenant-a', metadata: { customer: 'acme', tier: 2, vip: true } });
    await f.tracker.create(type, { tenantId: 'tenant-a', metadata: { customer: 'acme', tier: '2' } });
    const metadataQuery = encodeURIComponent(JSON.stringify({ customer: 'acme', tier: 2 }));
    const byMetadata = (await (await f.get(`/api/jobs?type=${type}&metadata=${metadataQuery}`, A)).json()) as JobListResponse;
    expect(byMetadata.jobs.map((listed) => listed.id)).toEqual([tagged.id]);
    const vipStats = (await (await f.get(`/api/jobs/stats?metadata=${encodeURIComponent('{"vip":true}')}`, A)).json()) as { total: number };
    expect(vipStats.total).toBe(1);
    for (const bad of ['customer=acme', '{}', '[1]', '{"a.b":1}', '{"c":null}', '{"c":{"$gt":""}}']) {
      const refused = await f.get(`/api/jobs?metadata=${encodeURIComponent(bad)}`, A);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toMatch(/metadata/);
    }
    // Oldest first.
    const oldest = (await (await f.get(`/api/jobs?type=${type}&order=oldest`, A)).json()) as JobListResponse;
    const newest = (await (await f.get(`/api/jobs?type=${type}`, A)).json()) as JobListResponse;
    expect(oldest.jobs.map((listed) => listed.id)).toEqual(newest.jobs.map((listed) => listed.id).reverse());
    expect((await f.get(`/api/jobs?order=sideways`, A)).status).toBe(400);
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
      ['?ownerId=u1', /Unknown query parameter "ownerId"/],
      ['?tenantId=', /tenantId: give a tenant id/],
      ['?tenantId=a&tenantId=b', /tenantId: give it once/],
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
