import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClientFixture, type ClientFixture } from '../../test/client-fixture.js';
import type { Job } from '../model/job.js';
import { JobsHttpError, JobsNetworkError } from './client-errors.js';
import { createJobsClient, toQueryString } from './jobs-client.js';

describe('JobsClient requests', () => {
  let f: ClientFixture;
  let job: Job;
  beforeAll(async () => {
    f = await startClientFixture();
    job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a', metadata: { file: 'a.csv' } });
    await f.tracker.create('places.deepScan', { tenantId: 'tenant-a' });
    await f.tracker.create('places.deepScan', { tenantId: 'tenant-b' });
  });
  afterAll(() => f.close());

  it('reads one job, lists, active jobs and stats', async () => {
    expect(await f.client.getJob(job.id)).toMatchObject({ id: job.id, status: 'queued', metadata: { file: 'a.csv' } });
    const page = await f.client.listJobs({ type: ['places.deepScan'], limit: 5 });
    expect(page.jobs).toHaveLength(1);
    expect(page.nextCursor).toBeNull();
    expect((await f.client.listJobs({ status: 'queued', createdAfter: new Date(0) })).jobs).toHaveLength(2);
    expect((await f.client.activeJobs({ withinMs: 1000 })).jobs).toHaveLength(2);
    expect(await f.client.stats()).toMatchObject({ total: 2, byStatus: { queued: 2 } });
  });

  it("lists the caller's schedules, a page at a time", async () => {
    await f.tracker.schedule('a.daily', { type: 'reports.daily', cron: '0 6 * * *', timezone: 'America/New_York', tenantId: 'tenant-a' });
    await f.tracker.schedule('a.hourly', { type: 'reports.hourly', every: '1h', tenantId: 'tenant-a' });
    await f.tracker.schedule('b.daily', { type: 'reports.daily', every: '1h', tenantId: 'tenant-b' });
    const first = await f.client.listSchedules({ limit: 1 });
    expect(first.schedules.map((schedule) => schedule.name)).toEqual(['a.daily']);
    expect(first.schedules[0]).toMatchObject({ cron: '0 6 * * *', timezone: 'America/New_York', every: null, paused: false });
    expect(Date.parse(first.schedules[0]!.nextRunAt!)).toBeGreaterThan(Date.now() - 1000);
    expect(first.nextCursor).toBe('a.daily');
    const second = await f.client.listSchedules({ after: first.nextCursor, limit: 1 });
    expect(second).toMatchObject({ schedules: [{ name: 'a.hourly', every: 3_600_000 }], nextCursor: null });
    expect((await f.client.listSchedules()).schedules.map((schedule) => schedule.name)).toEqual(['a.daily', 'a.hourly']);
    await expect(f.client.listSchedules({ limit: 0 })).rejects.toMatchObject({ status: 400, code: 'invalid_input' });
  });

  it('cancels and retries', async () => {
    const other = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    expect((await f.client.cancel(other.id)).status).toBe('cancelled');
    expect((await f.client.retry(other.id)).status).toBe('queued');
  });

  it('runs a delayed job now', async () => {
    const later = await f.tracker.create('imports.upload', { tenantId: 'tenant-a', delayMs: 3_600_000 });
    const ran = await f.client.runNow(later.id);
    expect(ran).toMatchObject({ id: later.id, status: 'queued' });
    expect(Date.parse(ran.runAt)).toBeLessThan(later.runAt.getTime());
  });

  it('throws JobsHttpError with the server’s status and code', async () => {
    const foreign = (await f.tracker.list({ tenantId: 'tenant-b' })).jobs[0]!;
    const notFound = await f.client.getJob(foreign.id).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(JobsHttpError);
    expect(notFound).toMatchObject({ status: 404, code: 'job_not_found', message: 'Job not found.' });
    const bad = await f.client.listJobs({ limit: 5000 }).catch((error: unknown) => error);
    expect(bad).toMatchObject({ status: 400, code: 'invalid_input' });
    const conflict = await f.client.retry(job.id).catch((error: unknown) => error);
    expect(conflict).toMatchObject({ status: 409, code: 'invalid_transition' });
    const anonymous = createJobsClient({ baseUrl: `${f.server.url}/api` });
    expect(await anonymous.stats().catch((error: unknown) => error)).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('calls a headers function per request', async () => {
    let calls = 0;
    const client = createJobsClient({
      baseUrl: `${f.server.url}/api/`,
      headers: async () => {
        calls++;
        return { 'x-tenant': 'tenant-b' };
      },
    });
    expect((await client.stats()).total).toBe(1);
    expect((await client.listJobs()).jobs[0]!.tenantId).toBe('tenant-b');
    expect(calls).toBe(2);
  });

  it('throws JobsNetworkError when nothing answers', async () => {
    const closed = await startClientFixture();
    const url = closed.server.url;
    await closed.close();
    const client = createJobsClient({ baseUrl: `${url}/api` });
    const error = await client.stats().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobsNetworkError);
    expect(error).toMatchObject({ code: 'network_error' });
  });

  it('validates its options and arguments', async () => {
    expect(() => createJobsClient({} as never)).toThrow(/baseUrl/);
    await expect(f.client.getJob('')).rejects.toThrow(/job id/);
  });

  it('builds stable query strings', () => {
    expect(toQueryString({ type: ['a', 'b'], limit: 5, cursor: null, status: undefined })).toBe('?limit=5&type=a%2Cb');
    expect(toQueryString({ limit: 5, type: 'a' })).toBe(toQueryString({ type: 'a', limit: 5 }));
    // Metadata goes as JSON with its fields sorted, so equal filters share one query string.
    expect(toQueryString({ metadata: { tier: 2, customer: 'acme' } })).toBe(`?metadata=${encodeURIComponent('{"customer":"acme","tier":2}')}`);
    expect(toQueryString({ metadata: { b: true, a: 'x' } })).toBe(toQueryString({ metadata: { a: 'x', b: true } }));
    // Undefined fields are left out like undefined params; nothing left means no metadata filter.
    expect(toQueryString({ metadata: { a: 'x', b: undefined } })).toBe(toQueryString({ metadata: { a: 'x' } }));
    expect(toQueryString({ metadata: { b: undefined }, limit: 5 })).toBe('?limit=5');
    expect(toQueryString({})).toBe('');
  });

  it('escapes commas and backslashes in types, so the server reads them back as they are', () => {
    const search = (query: string) => new URLSearchParams(query.slice(1));
    expect(search(toQueryString({ type: 'csv,export' })).get('type')).toBe('csv\\,export');
    expect(search(toQueryString({ type: ['a\\b', ' c '] })).get('type')).toBe('a\\\\b, c ');
    expect(toQueryString({ status: ['queued', 'failed'] })).toBe('?status=queued%2Cfailed');
  });
});
