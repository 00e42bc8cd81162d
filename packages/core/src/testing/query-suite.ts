import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import type { JobStatus } from '../model/job-status.js';
import type { StatusCount, StoreFilter } from '../store/job-store.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, ids, queryAll, type StoreContractOptions } from './store-contract-options.js';

/**
 * Reading: every filter, cursor pagination that returns each row exactly once newest first,
 * counts by type and status, and scoping — a tenant's filter never lets another tenant's rows
 * through.
 */
export function querySuite(options: StoreContractOptions): void {
  describeWithStore('querying and scoping', options, (store) => {
    const base = Date.UTC(2033, 2, 4, 5, 6, 7, 8);

    async function insertAll(jobs: Job[]): Promise<Job[]> {
      for (const job of jobs) await store().insert(job);
      return jobs;
    }

    /** Expected query answer: newest (highest id) first. */
    function newestFirst(jobs: readonly Job[]): string[] {
      return ids(jobs).sort().reverse();
    }

    async function queryIds(filter: StoreFilter): Promise<string[]> {
      return ids(await queryAll(store(), filter, 7));
    }

    function sortCounts(counts: StatusCount[]): StatusCount[] {
      return [...counts].sort((a, b) => (a.type + a.status < b.type + b.status ? -1 : 1));
    }

    it('filters by status list and type list', async () => {
      const a = uniqueName('query.a');
      const b = uniqueName('query.b');
      const c = uniqueName('query.c');
      const statuses: JobStatus[] = ['queued', 'running', 'retrying', 'completed', 'failed', 'skipped', 'cancelled'];
      const jobs = await insertAll(
        [a, b, c].flatMap((type) =>
          statuses.map((status) =>
            makeJob({ type, status, attempt: status === 'queued' ? 0 : 1, finishedAt: ['completed', 'failed', 'skipped', 'cancelled'].includes(status) ? at(base) : null }),
          ),
        ),
      );
      const pick = (pred: (job: Job) => boolean): string[] => newestFirst(jobs.filter(pred));

      expect(await queryIds({ type: [a] })).toEqual(pick((job) => job.type === a));
      expect(await queryIds({ type: [a, c] })).toEqual(pick((job) => job.type !== b));
      expect(await queryIds({ type: [a, b, c], status: ['failed'] })).toEqual(pick((job) => job.status === 'failed'));
      expect(await queryIds({ type: [b], status: ['queued', 'running', 'retrying'] })).toEqual(
        pick((job) => job.type === b && ['queued', 'running', 'retrying'].includes(job.status)),
      );
      expect(await queryIds({ type: [uniqueName('query.none')] })).toEqual([]);
    });

    it('filters by tenant and owner, where null means "none"', async () => {
      const type = uniqueName('query.scope');
      const t1 = uniqueName('tenant');
      const t2 = uniqueName('tenant');
      const o1 = uniqueName('owner');
      const jobs = await insertAll([
        makeJob({ type, tenantId: t1, ownerId: o1 }),
        makeJob({ type, tenantId: t1, ownerId: null }),
        makeJob({ type, tenantId: t2, ownerId: o1 }),
        makeJob({ type, tenantId: null, ownerId: o1 }),
        makeJob({ type, tenantId: null, ownerId: null }),
      ]);
      const pick = (pred: (job: Job) => boolean): string[] => newestFirst(jobs.filter(pred));
      expect(await queryIds({ type: [type], tenantId: t1 })).toEqual(pick((job) => job.tenantId === t1));
      expect(await queryIds({ type: [type], tenantId: null })).toEqual(pick((job) => job.tenantId === null));
      expect(await queryIds({ type: [type], ownerId: o1 })).toEqual(pick((job) => job.ownerId === o1));
      expect(await queryIds({ type: [type], ownerId: null })).toEqual(pick((job) => job.ownerId === null));
      expect(await queryIds({ type: [type], tenantId: t1, ownerId: o1 })).toEqual([jobs[0]!.id]);
      expect(await queryIds({ type: [type], tenantId: null, ownerId: null })).toEqual([jobs[4]!.id]);
      expect(await queryIds({ type: [type] })).toEqual(newestFirst(jobs));
    });

    it('filters by parent', async () => {
      const type = uniqueName('query.parent');
      const [parent, other] = await insertAll([makeJob({ type }), makeJob({ type })]);
      const children = await insertAll([
        makeJob({ type, parentId: parent!.id }),
        makeJob({ type: uniqueName('query.parent-other-type'), parentId: parent!.id }),
        makeJob({ type, parentId: other!.id }),
      ]);
      expect(await queryIds({ parentId: parent!.id })).toEqual(newestFirst(children.slice(0, 2)));
      expect(await queryIds({ parentId: parent!.id, type: [type] })).toEqual([children[0]!.id]);
    });

    it('filters by creation window: createdAfter inclusive, createdBefore exclusive', async () => {
      const type = uniqueName('query.window');
      const jobs = await insertAll([0, 1000, 2000, 3000].map((ms) => makeJob({ type, createdAt: at(base, ms) })));
      const between = (after?: number, before?: number): Promise<string[]> =>
        queryIds({
          type: [type],
          ...(after === undefined ? {} : { createdAfter: at(base, after) }),
          ...(before === undefined ? {} : { createdBefore: at(base, before) }),
        });
      expect(await between(1000)).toEqual(newestFirst(jobs.slice(1)));
      expect(await between(undefined, 2000)).toEqual(newestFirst(jobs.slice(0, 2)));
      expect(await between(1000, 3000)).toEqual(newestFirst(jobs.slice(1, 3)));
      expect(await between(1001, 1999)).toEqual([]);
    });

    it('keeps active jobs and jobs finished since the instant in the active view', async () => {
      const type = uniqueName('query.active');
      const since = at(base, 10_000);
      const jobs = await insertAll([
        makeJob({ type, status: 'queued' }),
        makeJob({ type, status: 'running', attempt: 1 }),
        makeJob({ type, status: 'retrying', attempt: 1, finishedAt: at(base, 1) }),
        makeJob({ type, status: 'completed', attempt: 1, finishedAt: at(base, 9_999) }),
        makeJob({ type, status: 'failed', attempt: 1, finishedAt: at(base, 10_000) }),
        makeJob({ type, status: 'cancelled', finishedAt: at(base, 20_000) }),
      ]);
      expect(await queryIds({ type: [type], activeSince: since })).toEqual(newestFirst([jobs[0]!, jobs[1]!, jobs[2]!, jobs[4]!, jobs[5]!]));
      expect(await queryIds({ type: [type], activeSince: since, status: ['failed', 'completed'] })).toEqual([jobs[4]!.id]);
    });

    it('pages through every row exactly once, newest first', async () => {
      const type = uniqueName('query.pages');
      const jobs = await insertAll(Array.from({ length: 25 }, (_, i) => makeJob({ type, payload: { i } })));
      const expected = newestFirst(jobs);

      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await store().query({ type: [type], limit: 10, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...ids(result.jobs));
        sizes.push(result.jobs.length);
        if (result.nextCursor === null) break;
        expect(result.nextCursor).toBe(result.jobs[result.jobs.length - 1]!.id);
        cursor = result.nextCursor;
      }
      expect(sizes).toEqual([10, 10, 5]);
      expect(seen).toEqual(expected);

      // An exact multiple of the page size: the last full page says there is no more.
      const twenty = await store().query({ type: [type], limit: 20 });
      expect(twenty.nextCursor).not.toBeNull();
      const rest = await store().query({ type: [type], limit: 5, cursor: twenty.nextCursor! });
      expect(ids(rest.jobs)).toEqual(expected.slice(20));
      expect(rest.nextCursor).toBeNull();
      const all = await store().query({ type: [type], limit: 25 });
      expect(all.nextCursor).toBeNull();
      expect(ids(all.jobs)).toEqual(expected);

      // A cursor that is not a stored id still means "ids below it".
      const newer = makeJob().id;
      expect(ids((await store().query({ type: [type], limit: 3, cursor: newer })).jobs)).toEqual(expected.slice(0, 3));
      const between = await store().query({ type: [type], limit: 3, cursor: expected[4]! });
      expect(ids(between.jobs)).toEqual(expected.slice(5, 8));
    });

    it('counts by type and status, with filters', async () => {
      const a = uniqueName('count.a');
      const b = uniqueName('count.b');
      const tenant = uniqueName('tenant');
      await insertAll([
        makeJob({ type: a, tenantId: tenant }),
        makeJob({ type: a, tenantId: tenant }),
        makeJob({ type: a, status: 'running', attempt: 1, tenantId: tenant }),
        makeJob({ type: a, status: 'failed', attempt: 1, finishedAt: at(base), tenantId: null }),
        makeJob({ type: b, status: 'completed', attempt: 1, finishedAt: at(base), tenantId: tenant }),
        makeJob({ type: b, status: 'completed', attempt: 1, finishedAt: at(base), tenantId: tenant }),
      ]);
      expect(sortCounts(await store().count({ type: [a, b] }))).toEqual(
        sortCounts([
          { type: a, status: 'queued', count: 2 },
          { type: a, status: 'running', count: 1 },
          { type: a, status: 'failed', count: 1 },
          { type: b, status: 'completed', count: 2 },
        ]),
      );
      expect(sortCounts(await store().count({ type: [a, b], tenantId: tenant, status: ['queued', 'completed', 'failed'] }))).toEqual(
        sortCounts([
          { type: a, status: 'queued', count: 2 },
          { type: b, status: 'completed', count: 2 },
        ]),
      );
      expect(await store().count({ type: [uniqueName('count.none')] })).toEqual([]);
    });

    it('never shows one tenant the rows of another', async () => {
      const mine = uniqueName('tenant-mine');
      const theirs = uniqueName('tenant-theirs');
      const type = uniqueName('scope.shared-type');
      const jobs = await insertAll([
        makeJob({ type, tenantId: mine, metrics: { rows: 1 } }),
        makeJob({ type, tenantId: theirs, metrics: { rows: 100 } }),
        makeJob({ type: uniqueName('scope.other-type'), tenantId: mine, metrics: { rows: 2 } }),
        makeJob({ type, tenantId: null, metrics: { rows: 1000 } }),
      ]);
      const visible = await queryAll(store(), { tenantId: mine }, 2);
      expect(visible.every((job) => job.tenantId === mine)).toBe(true);
      expect(ids(visible)).toEqual(newestFirst([jobs[0]!, jobs[2]!]));
      const counts = await store().count({ tenantId: mine });
      expect(counts.reduce((sum, entry) => sum + entry.count, 0)).toBe(2);
      expect(await store().sumMetrics({ tenantId: mine })).toEqual({ rows: 3 });
      expect(await store().get(jobs[1]!.id)).not.toBeNull(); // it exists; scoping hid it
    });
  });
}
