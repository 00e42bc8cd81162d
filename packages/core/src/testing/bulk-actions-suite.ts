import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import { createTracker } from '../tracker/tracker.js';
import { makeJob, uniqueName } from './make-job.js';
import { describeWithStore, queryAll, type StoreContractOptions } from './store-contract-options.js';

/**
 * `tracker.retryMany` and `cancelMany` on the store under test: every match changed across
 * pages, nothing outside the filter or the scope touched, jobs that cannot make the transition
 * counted but left alone, and bad filters refused.
 */
export function bulkActionsSuite(options: StoreContractOptions): void {
  describeWithStore('retryMany and cancelMany', options, (store) => {
    async function insertAll(jobs: Job[]): Promise<void> {
      const target = store();
      if (target.insertMany !== undefined) {
        for (let start = 0; start < jobs.length; start += 1000) await target.insertMany(jobs.slice(start, start + 1000));
      } else {
        for (const job of jobs) await target.insert(job);
      }
    }

    const failedJob = (type: string, tenantId: string): Job => {
      const at = new Date(Date.now() - 60_000);
      return makeJob({
        type,
        tenantId,
        status: 'failed',
        attempt: 1,
        maxAttempts: 1,
        startedAt: at,
        finishedAt: at,
        error: { message: 'HTTP 503', code: 'http_503', name: 'Error', retryable: true, attempt: 1, at },
      });
    };

    it('retries every failed job of a type in scope, across pages, and cancels them again; nothing else is touched', async () => {
      const tracker = createTracker({ store: store(), recoverIntervalMs: false });
      const type = uniqueName('bulk.sync');
      const other = uniqueName('bulk.other');
      const now = new Date();
      await insertAll([
        ...Array.from({ length: 1_100 }, () => failedJob(type, 'tenant-a')),
        ...Array.from({ length: 3 }, () => failedJob(type, 'tenant-b')),
        ...Array.from({ length: 2 }, () => failedJob(other, 'tenant-a')),
        ...Array.from({ length: 2 }, () =>
          makeJob({ type, tenantId: 'tenant-a', status: 'running', attempt: 1, startedAt: now, lease: { owner: 'w', expiresAt: new Date(now.getTime() + 60_000) } }),
        ),
      ]);
      const retried = await tracker.retryMany({ type, scope: { tenantId: 'tenant-a' } });
      expect(retried).toEqual({ matched: 1_102, changed: 1_100 });
      const mine = await queryAll(store(), { type: [type], tenantId: 'tenant-a' });
      expect(mine.filter((job) => job.status === 'queued')).toHaveLength(1_100);
      expect(mine.filter((job) => job.status === 'running')).toHaveLength(2);
      const sample = mine.find((job) => job.status === 'queued')!;
      expect(sample.history.at(-1)).toMatchObject({ kind: 'retry', afterAttempt: 1 });
      expect((await queryAll(store(), { type: [type], tenantId: 'tenant-b' })).map((job) => job.status)).toEqual(['failed', 'failed', 'failed']);
      expect((await queryAll(store(), { type: [other] })).map((job) => job.status)).toEqual(['failed', 'failed']);

      const cancelled = await tracker.cancelMany({ type, tenantId: 'tenant-a', status: 'queued' });
      expect(cancelled).toEqual({ matched: 1_100, changed: 1_100 });
      expect((await queryAll(store(), { type: [type], tenantId: 'tenant-a', status: ['cancelled'] }))).toHaveLength(1_100);
      expect(await tracker.retryMany({ type: uniqueName('bulk.none'), status: 'failed' })).toEqual({ matched: 0, changed: 0 });
      await tracker.close();
    });

    it('filters by error code, key and schedule name; retryMany({ errorCode }) retries only those', async () => {
      const tracker = createTracker({ store: store(), recoverIntervalMs: false });
      const type = uniqueName('bulk.codes');
      const timedOut = { ...failedJob(type, 'tenant-c'), key: 'k-1' };
      timedOut.error = { ...timedOut.error!, code: 'job_timeout' };
      const plain = { ...failedJob(type, 'tenant-c'), error: null };
      const scheduled = { ...failedJob(type, 'tenant-c'), scheduleName: 'nightly', scheduledFor: new Date(Date.UTC(2026, 0, 1)) };
      await insertAll([failedJob(type, 'tenant-c'), failedJob(type, 'tenant-c'), timedOut, plain, scheduled]);
      const ids = async (filter: Parameters<typeof tracker.list>[0]) => (await tracker.list({ type, ...filter })).jobs.map((job) => job.id).sort();
      expect(await ids({ errorCode: 'job_timeout' })).toEqual([timedOut.id]);
      expect((await ids({ errorCode: 'http_503' })).length).toBe(3);
      expect(await ids({ key: 'k-1' })).toEqual([timedOut.id]);
      expect((await ids({ key: null })).length).toBe(4);
      expect(await ids({ scheduleName: 'nightly' })).toEqual([scheduled.id]);
      expect((await ids({ scheduleName: null })).length).toBe(4);
      expect(await ids({ errorCode: 'no-such-code' })).toEqual([]);
      expect(await tracker.retryMany({ type, status: 'failed', errorCode: 'http_503' })).toEqual({ matched: 3, changed: 3 });
      expect((await ids({ status: 'failed' })).sort()).toEqual([timedOut.id, plain.id].sort());
      await expect(tracker.list({ errorCode: '' })).rejects.toMatchObject({ code: 'invalid_input', field: 'errorCode' });
      await expect(tracker.list({ key: 5 as never })).rejects.toMatchObject({ code: 'invalid_input', field: 'key' });
      await tracker.close();
    });

    it('filters by metadata fields (whole-value equality, AND), counts and retries by them, refuses bad filters', async () => {
      const tracker = createTracker({ store: store(), recoverIntervalMs: false });
      const type = uniqueName('bulk.metadata');
      const withMeta = (metadata: Record<string, unknown>) => ({ ...failedJob(type, 'tenant-m'), metadata });
      const acme = withMeta({ customer: 'acme', tier: 2, dryRun: false, region: 'eu' });
      const acmeUs = withMeta({ customer: 'acme', tier: 2.0, dryRun: true });
      const globex = withMeta({ customer: 'globex', tier: 1 });
      const lookalikes = [withMeta({ customer: ['acme'], tier: '2' }), withMeta({ tier: 2 }), withMeta({ customer: 'ACME' }), withMeta({ customer: { name: 'acme' } }), withMeta({})];
      await insertAll([acme, acmeUs, globex, ...lookalikes]);
      const ids = async (metadata: Record<string, string | number | boolean>) =>
        (await tracker.list({ type, metadata })).jobs.map((job) => job.id).sort();
      expect(await ids({ customer: 'acme' })).toEqual([acme.id, acmeUs.id].sort());
      expect(await ids({ customer: 'acme', tier: 2 })).toEqual([acme.id, acmeUs.id].sort());
      expect(await ids({ customer: 'acme', dryRun: false })).toEqual([acme.id]);
      expect(await ids({ tier: 1 })).toEqual([globex.id]);
      expect(await ids({ tier: '2' })).toEqual([lookalikes[0]!.id]);
      expect(await ids({ customer: 'nobody' })).toEqual([]);
      expect(await tracker.stats({ type, metadata: { customer: 'acme' } })).toMatchObject({ total: 2 });
      expect(await tracker.retryMany({ type, metadata: { customer: 'acme', dryRun: true } })).toEqual({ matched: 1, changed: 1 });
      expect((await tracker.get(acmeUs.id))?.status).toBe('queued');
      expect((await tracker.get(acme.id))?.status).toBe('failed');
      for (const bad of [{}, [], 'customer=acme', { 'a.b': 1 }, { $where: 1 }, { c: null }, { c: { $gt: '' } }, { c: Number.NaN }, { c: [1] }]) {
        await expect(tracker.list({ type, metadata: bad as never })).rejects.toMatchObject({ code: 'invalid_input' });
      }
      await tracker.close();
    });

    it("lists oldest first with order: 'oldest', paging by cursor both ways", async () => {
      const tracker = createTracker({ store: store(), recoverIntervalMs: false });
      const type = uniqueName('list.order');
      const jobs: Job[] = [];
      for (let i = 0; i < 7; i++) {
        const job = makeJob({ type, payload: { i } });
        await store().insert(job);
        jobs.push(job);
      }
      const pages = async (order: 'newest' | 'oldest') => {
        const seen: string[][] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await tracker.list({ type, order, limit: 3, ...(cursor === undefined ? {} : { cursor }) });
          seen.push(page.jobs.map((job) => job.id));
          if (page.nextCursor === null) return seen;
          cursor = page.nextCursor;
        }
      };
      const ids = jobs.map((job) => job.id);
      expect(await pages('oldest')).toEqual([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);
      const reversed = [...ids].reverse();
      expect(await pages('newest')).toEqual([reversed.slice(0, 3), reversed.slice(3, 6), reversed.slice(6)]);
      await expect(tracker.list({ type, order: 'sideways' as never })).rejects.toMatchObject({ code: 'invalid_input', field: 'order' });
      await tracker.close();
    });

    it('refuses an empty, scope-only or unknown filter', async () => {
      const tracker = createTracker({ store: store(), recoverIntervalMs: false });
      await expect(tracker.retryMany({})).rejects.toMatchObject({ code: 'invalid_input', field: 'filter' });
      await expect(tracker.cancelMany({ scope: { tenantId: 'a' } })).rejects.toMatchObject({ code: 'invalid_input', field: 'filter' });
      await expect(tracker.retryMany({ type: 't', colour: 'red' } as never)).rejects.toMatchObject({ code: 'invalid_input', field: 'colour' });
      await expect(tracker.retryMany(null as never)).rejects.toMatchObject({ code: 'invalid_input', field: 'filter' });
      await expect(tracker.retryMany({ status: 'nope' as never })).rejects.toMatchObject({ code: 'invalid_input', field: 'status' });
      await tracker.close();
    });
  });
}
