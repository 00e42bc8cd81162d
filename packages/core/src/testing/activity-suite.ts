import { expect, it } from 'vitest';
import type { Job, JobError } from '../model/job.js';
import type { ActivityBucket, StoreFilter } from '../store/job-store.js';
import { makeJob, uniqueName } from './make-job.js';
import { describeWithStore, expectJobtrailError, type StoreContractOptions } from './store-contract-options.js';

const MINUTE = 60_000;

/**
 * `JobStore.activity`: jobs started, completed and failed per time bucket, with the wait from due
 * to start, over exactly the jobs a filter matches — scope included, so one tenant's activity
 * never counts another's jobs.
 */
export function activitySuite(options: StoreContractOptions): void {
  describeWithStore('activity over time', options, (store) => {
    // A minute boundary far from every other suite's dates.
    const base = Date.UTC(2041, 4, 6, 7, 0, 0, 0);

    async function insertAll(jobs: Job[]): Promise<void> {
      for (const job of jobs) await store().insert(job);
    }

    /** A job that started `startMs` after base, `waitMs` after it was due, and finished (or not). */
    function ran(type: string, startMs: number, waitMs: number, end?: { status: 'completed' | 'failed' | 'cancelled' | 'skipped'; atMs: number; error?: JobError }, overrides: Partial<Job> = {}): Job {
      const startedAt = new Date(base + startMs);
      return makeJob({
        type,
        status: end?.status ?? 'running',
        attempt: 1,
        runAt: new Date(base + startMs - waitMs),
        startedAt,
        finishedAt: end === undefined ? null : new Date(base + end.atMs),
        error: end?.error ?? null,
        createdAt: new Date(base + startMs - waitMs),
        ...overrides,
      });
    }

    function failure(code: string, atMs: number): JobError {
      return { message: `failed with ${code}`, code, name: 'Error', retryable: false, attempt: 1, at: new Date(base + atMs) };
    }

    /** The store's buckets, oldest first, as plain values (start in ms). */
    async function activity(filter: StoreFilter, sinceMs = 0, untilMs = 10 * MINUTE, bucketMs = MINUTE) {
      const buckets = await store().activity!({ filter, since: new Date(base + sinceMs), until: new Date(base + untilMs), bucketMs });
      return [...buckets]
        .sort((a, b) => a.start.getTime() - b.start.getTime())
        .filter((bucket) => bucket.started + bucket.completed + bucket.failed > 0)
        .map((bucket: ActivityBucket) => ({
          at: bucket.start.getTime() - base,
          started: bucket.started,
          completed: bucket.completed,
          failed: bucket.failed,
          waitMsAvg: bucket.waitMsAvg === null ? null : Math.round(bucket.waitMsAvg),
          waitMsMax: bucket.waitMsMax === null ? null : Math.round(bucket.waitMsMax),
        }));
    }

    it('is implemented', () => {
      expect(typeof store().activity, 'the store implements JobStore.activity').toBe('function');
    });

    it('counts starts by startedAt and completions and failures by finishedAt, with the waits of the started', async () => {
      const type = uniqueName('activity.counts');
      await insertAll([
        ran(type, 10_000, 1_000, { status: 'completed', atMs: 20_000 }),
        ran(type, 30_000, 3_000, { status: 'completed', atMs: MINUTE + 5_000 }),
        ran(type, 50_000, 8_000, { status: 'failed', atMs: MINUTE + 10_000, error: failure('boom', MINUTE + 10_000) }),
        ran(type, 2 * MINUTE + 1_000, 0),
        // Cancelled and skipped jobs count as started, never as completed or failed.
        ran(type, 3 * MINUTE, 500, { status: 'cancelled', atMs: 3 * MINUTE + 1_000 }),
        ran(type, 3 * MINUTE + 2_000, 1_500, { status: 'skipped', atMs: 3 * MINUTE + 3_000 }),
        // Queued, never started: counted nowhere.
        makeJob({ type, runAt: new Date(base + 4 * MINUTE), createdAt: new Date(base + 4 * MINUTE) }),
      ]);
      expect(await activity({ type: [type] })).toEqual([
        { at: 0, started: 3, completed: 1, failed: 0, waitMsAvg: 4_000, waitMsMax: 8_000 },
        { at: MINUTE, started: 0, completed: 1, failed: 1, waitMsAvg: null, waitMsMax: null },
        { at: 2 * MINUTE, started: 1, completed: 0, failed: 0, waitMsAvg: 0, waitMsMax: 0 },
        { at: 3 * MINUTE, started: 2, completed: 0, failed: 0, waitMsAvg: 1_000, waitMsMax: 1_500 },
      ]);
    });

    it('counts a wait of a job started before it was due as zero', async () => {
      const type = uniqueName('activity.early');
      await insertAll([ran(type, 10_000, -5_000), ran(type, 20_000, 2_000)]);
      expect(await activity({ type: [type] })).toEqual([{ at: 0, started: 2, completed: 0, failed: 0, waitMsAvg: 1_000, waitMsMax: 2_000 }]);
    });

    it('puts an instant on a bucket start in that bucket, and leaves out the end of the range', async () => {
      const type = uniqueName('activity.edges');
      await insertAll([
        ran(type, MINUTE - 1, 0, { status: 'completed', atMs: MINUTE }),
        ran(type, 2 * MINUTE, 0, { status: 'failed', atMs: 3 * MINUTE - 1 }),
        // On `until`: outside the range.
        ran(type, 4 * MINUTE, 0, { status: 'completed', atMs: 4 * MINUTE }),
        // Before `since`: outside the range.
        ran(type, -1, 0, { status: 'completed', atMs: -1 }),
      ]);
      expect(await activity({ type: [type] }, 0, 4 * MINUTE)).toEqual([
        { at: 0, started: 1, completed: 0, failed: 0, waitMsAvg: 0, waitMsMax: 0 },
        { at: MINUTE, started: 0, completed: 1, failed: 0, waitMsAvg: null, waitMsMax: null },
        { at: 2 * MINUTE, started: 1, completed: 0, failed: 1, waitMsAvg: 0, waitMsMax: 0 },
      ]);
    });

    it('starts buckets at since, not at a multiple of bucketMs', async () => {
      const type = uniqueName('activity.offset');
      await insertAll([ran(type, 29_999, 0), ran(type, 30_000, 0), ran(type, 89_999, 0), ran(type, 90_000, 0)]);
      expect(await activity({ type: [type] }, 30_000, 150_000)).toEqual([
        { at: 30_000, started: 2, completed: 0, failed: 0, waitMsAvg: 0, waitMsMax: 0 },
        { at: 90_000, started: 1, completed: 0, failed: 0, waitMsAvg: 0, waitMsMax: 0 },
      ]);
    });

    it("never counts another tenant's or owner's jobs", async () => {
      const type = uniqueName('activity.scope');
      const mine = uniqueName('tenant');
      const theirs = uniqueName('tenant');
      const owner = uniqueName('owner');
      await insertAll([
        ran(type, 1_000, 1_000, { status: 'completed', atMs: 2_000 }, { tenantId: mine, ownerId: owner }),
        ran(type, 1_000, 3_000, { status: 'completed', atMs: 2_000 }, { tenantId: mine }),
        ran(type, 1_000, 9_000, { status: 'failed', atMs: 2_000 }, { tenantId: theirs, ownerId: owner }),
        ran(type, 1_000, 9_000, { status: 'failed', atMs: 2_000 }),
      ]);
      expect(await activity({ type: [type], tenantId: mine })).toEqual([{ at: 0, started: 2, completed: 2, failed: 0, waitMsAvg: 2_000, waitMsMax: 3_000 }]);
      expect(await activity({ type: [type], tenantId: mine, ownerId: owner })).toEqual([{ at: 0, started: 1, completed: 1, failed: 0, waitMsAvg: 1_000, waitMsMax: 1_000 }]);
      expect(await activity({ type: [type], tenantId: null })).toEqual([{ at: 0, started: 1, completed: 0, failed: 1, waitMsAvg: 9_000, waitMsMax: 9_000 }]);
      expect(await activity({ type: [type], tenantId: uniqueName('tenant') })).toEqual([]);
    });

    it('honours the type, error code, metadata, group and status filters', async () => {
      const a = uniqueName('activity.filter-a');
      const b = uniqueName('activity.filter-b');
      await insertAll([
        ran(a, 1_000, 1_000, { status: 'failed', atMs: 2_000, error: failure('http_503', 2_000) }, { metadata: { region: 'eu', tier: 1 } }),
        ran(a, 1_000, 2_000, { status: 'failed', atMs: 2_000, error: failure('timeout', 2_000) }, { metadata: { region: 'us', tier: 1 }, group: 'g1' }),
        ran(a, 1_000, 4_000, { status: 'completed', atMs: 2_000 }, { metadata: { region: 'eu', tier: 2 }, group: 'g1' }),
        ran(b, 1_000, 8_000, { status: 'completed', atMs: 2_000 }, { metadata: { region: 'eu', tier: 1 } }),
      ]);
      expect(await activity({ type: [a, b] })).toEqual([{ at: 0, started: 4, completed: 2, failed: 2, waitMsAvg: 3_750, waitMsMax: 8_000 }]);
      expect(await activity({ type: [b] })).toEqual([{ at: 0, started: 1, completed: 1, failed: 0, waitMsAvg: 8_000, waitMsMax: 8_000 }]);
      expect(await activity({ type: [a], errorCode: 'http_503' })).toEqual([{ at: 0, started: 1, completed: 0, failed: 1, waitMsAvg: 1_000, waitMsMax: 1_000 }]);
      expect(await activity({ type: [a, b], metadata: { region: 'eu', tier: 1 } })).toEqual([
        { at: 0, started: 2, completed: 1, failed: 1, waitMsAvg: 4_500, waitMsMax: 8_000 },
      ]);
      expect(await activity({ type: [a], group: 'g1' })).toEqual([{ at: 0, started: 2, completed: 1, failed: 1, waitMsAvg: 3_000, waitMsMax: 4_000 }]);
      expect(await activity({ type: [a], status: ['completed'] })).toEqual([{ at: 0, started: 1, completed: 1, failed: 0, waitMsAvg: 4_000, waitMsMax: 4_000 }]);
      expect(await activity({ type: [] })).toEqual([]);
    });

    it('answers no buckets for a range without activity', async () => {
      const type = uniqueName('activity.empty');
      await insertAll([ran(type, 1_000, 0, { status: 'completed', atMs: 2_000 })]);
      expect(await activity({ type: [type] }, 5 * MINUTE, 10 * MINUTE)).toEqual([]);
      expect(await activity({ type: [uniqueName('activity.none')] })).toEqual([]);
    });

    it('answers each bucket once however many jobs fall in it, with wide buckets too', async () => {
      const type = uniqueName('activity.wide');
      const jobs: Job[] = [];
      for (let index = 0; index < 30; index++) jobs.push(ran(type, index * 7 * MINUTE, index * 10, { status: index % 3 === 0 ? 'failed' : 'completed', atMs: index * 7 * MINUTE + 1_000 }));
      await insertAll(jobs);
      const hour = 60 * MINUTE;
      const buckets = await activity({ type: [type] }, 0, 4 * hour, hour);
      expect(buckets.map((bucket) => bucket.at)).toEqual([0, hour, 2 * hour, 3 * hour]);
      expect(buckets.reduce((sum, bucket) => sum + bucket.started, 0)).toBe(30);
      expect(buckets.reduce((sum, bucket) => sum + bucket.failed, 0)).toBe(10);
      expect(buckets.reduce((sum, bucket) => sum + bucket.completed, 0)).toBe(20);
      // Jobs 0..8 start in the first hour (0..56 min): waits 0, 10, ..., 80 ms.
      expect(buckets[0]).toEqual({ at: 0, started: 9, completed: 6, failed: 3, waitMsAvg: 40, waitMsMax: 80 });
    });

    it('refuses a bad range or bucket width (invalid_input)', async () => {
      const since = new Date(base);
      const until = new Date(base + MINUTE);
      await expectJobtrailError(() => store().activity!({ filter: {}, since: until, until: since, bucketMs: 1_000 }), 'invalid_input');
      await expectJobtrailError(() => store().activity!({ filter: {}, since, until: since, bucketMs: 1_000 }), 'invalid_input');
      await expectJobtrailError(() => store().activity!({ filter: {}, since, until, bucketMs: 999 }), 'invalid_input');
      await expectJobtrailError(() => store().activity!({ filter: {}, since, until, bucketMs: 1_000.5 }), 'invalid_input');
      await expectJobtrailError(() => store().activity!({ filter: {}, since, until: new Date(base + 2_000 * 1_000), bucketMs: 1_000 }), 'invalid_input');
      await expectJobtrailError(() => store().activity!({ filter: {}, since: new Date(Number.NaN), until, bucketMs: 1_000 }), 'invalid_input');
      await expectJobtrailError(() => store().activity!({ filter: { tenantId: 7 as unknown as string }, since, until, bucketMs: 1_000 }), 'invalid_input');
    });
  });
}
