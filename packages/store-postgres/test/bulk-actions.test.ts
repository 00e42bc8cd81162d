import { createTracker, type Job } from '@jobtrail/core';
import type { JobStore, StoreQuery } from '@jobtrail/core/store';
import { makeJob, startJobsServer, uniqueName } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from './support/test-database.js';

let db: TestStore;

beforeAll(async () => {
  db = await createTestStore('bulk_actions');
});

afterAll(async () => {
  await db.drop();
});

function failedJob(type: string, tenantId: string, code = 'http_503'): Job {
  const at = new Date(Date.now() - 60_000);
  return makeJob({
    type,
    tenantId,
    status: 'failed',
    attempt: 1,
    maxAttempts: 1,
    startedAt: at,
    finishedAt: at,
    error: { message: `upstream said ${code}`, code, name: 'Error', retryable: true, attempt: 1, at },
  });
}

async function insertAll(jobs: Job[]): Promise<void> {
  for (let start = 0; start < jobs.length; start += 1000) await db.store.insertMany(jobs.slice(start, start + 1000));
}

async function countBy(type: string): Promise<Record<string, number>> {
  const rows = (await db.dataSource.query(
    `SELECT coalesce(tenant_id, '-') || ':' || status || ':' || coalesce(error ->> 'code', '-') AS k, count(*)::int AS n
     FROM ${db.store.names.qualified} WHERE type = $1 GROUP BY 1`,
    [type],
  )) as Array<{ k: string; n: number }>;
  return Object.fromEntries(rows.map((row) => [row.k, row.n]));
}

/** The store, recording the largest page any read asked for and got: what a bulk action holds at once. */
function pageRecorder(store: JobStore): { store: JobStore; largestPage: () => number } {
  let largest = 0;
  const recorded = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'query' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (query: StoreQuery) => {
        const page = await (value as JobStore['query']).call(target, query);
        largest = Math.max(largest, query.limit, page.jobs.length);
        return page;
      };
    },
  });
  return { store: recorded, largestPage: () => largest };
}

describe('retryMany / cancelMany on PostgreSQL', () => {
  it('retryMany({ type, status, errorCode }) requeues 50,000 failed jobs in pages of at most 500; other types, codes and tenants are untouched', async () => {
    const type = uniqueName('bulk.redrive');
    const other = uniqueName('bulk.other');
    await insertAll([
      ...Array.from({ length: 50_000 }, () => failedJob(type, 'tenant-a')),
      ...Array.from({ length: 300 }, () => failedJob(type, 'tenant-a', 'job_timeout')),
      ...Array.from({ length: 300 }, () => failedJob(type, 'tenant-b')),
      ...Array.from({ length: 300 }, () => failedJob(other, 'tenant-a')),
    ]);
    const recorder = pageRecorder(db.store);
    const tracker = createTracker({ store: recorder.store, recoverIntervalMs: false });
    const result = await tracker.retryMany({ type, status: 'failed', errorCode: 'http_503', scope: { tenantId: 'tenant-a' } });
    expect(result).toEqual({ matched: 50_000, changed: 50_000 });
    expect(recorder.largestPage()).toBeLessThanOrEqual(500);
    expect(await countBy(type)).toEqual({ 'tenant-a:queued:-': 50_000, 'tenant-a:failed:job_timeout': 300, 'tenant-b:failed:http_503': 300 });
    expect(await countBy(other)).toEqual({ 'tenant-a:failed:http_503': 300 });
    const [sample] = (await tracker.list({ type, status: 'queued', limit: 1 })).jobs;
    expect(sample!.history.at(-1)).toMatchObject({ kind: 'retry', afterAttempt: 1 });
    // Nothing left to do: a second run matches none.
    expect(await tracker.retryMany({ type, status: 'failed', errorCode: 'http_503', scope: { tenantId: 'tenant-a' } })).toEqual({ matched: 0, changed: 0 });
    await tracker.close();
  }, 600_000);

  it("over HTTP: POST /jobs/retry and /jobs/cancel act only within the caller's tenant", async () => {
    const type = uniqueName('bulk.http');
    await insertAll([
      ...Array.from({ length: 1_200 }, () => failedJob(type, 'tenant-a')),
      ...Array.from({ length: 200 }, () => failedJob(type, 'tenant-b')),
      ...Array.from({ length: 100 }, () => failedJob(type, 'tenant-a', 'job_timeout')),
    ]);
    const server = await startJobsServer(db.store, { canActOnMany: () => true });
    try {
      const post = async (path: string, tenant: string, body: unknown) => {
        const response = await server.request(path, {
          scope: { tenantId: tenant },
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: response.body as unknown };
      };
      // Tenant a, even naming tenant b in the body, reaches only its own jobs.
      expect(await post('/jobs/retry', 'tenant-a', { type, status: 'failed', errorCode: 'http_503', tenantId: 'tenant-b' })).toEqual({
        status: 200,
        body: { matched: 0, changed: 0 },
      });
      expect(await post('/jobs/retry', 'tenant-a', { type, status: 'failed', errorCode: 'http_503' })).toEqual({ status: 200, body: { matched: 1_200, changed: 1_200 } });
      expect(await countBy(type)).toEqual({ 'tenant-a:queued:-': 1_200, 'tenant-a:failed:job_timeout': 100, 'tenant-b:failed:http_503': 200 });
      expect(await post('/jobs/cancel', 'tenant-b', { type, status: 'failed' })).toEqual({ status: 200, body: { matched: 200, changed: 0 } });
      expect(await post('/jobs/cancel', 'tenant-a', { type, status: 'queued' })).toEqual({ status: 200, body: { matched: 1_200, changed: 1_200 } });
      expect(await countBy(type)).toEqual({ 'tenant-a:cancelled:-': 1_200, 'tenant-a:failed:job_timeout': 100, 'tenant-b:failed:http_503': 200 });
      expect((await post('/jobs/retry', 'tenant-a', { type: 'x', bogus: 1 })).status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
