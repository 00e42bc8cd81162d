import { expect, it } from 'vitest';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import { uniqueName } from './make-job.js';
import { describeWithStore, queryAll, type StoreContractOptions } from './store-contract-options.js';

/**
 * `tracker.enqueueMany` on the store under test (chunks without keys through `insertNewJobs`
 * where the store has it, others through `insertMany`, else one `insert` per job): results in
 * order, keys deduped against stored jobs and earlier items of the call, chunks past 1,000,
 * scopes kept apart, keyless jobs stored and answered exactly as single enqueues would be, and
 * bad items refused before anything is written.
 */
export function enqueueManySuite(options: StoreContractOptions): void {
  describeWithStore('enqueueMany', options, (store) => {
    const trackers: Tracker[] = [];
    const tracker = (): Tracker => {
      const made = createTracker({ store: store(), recoverIntervalMs: false });
      trackers.push(made);
      return made;
    };

    it('creates every job in order, across chunks, deduping keys against stored jobs and earlier items', async () => {
      const jobs = tracker();
      const type = uniqueName('many.chunks');
      const tenantId = uniqueName('tenant');
      const held = await jobs.enqueue(type, { n: -1 }, { key: 'k-5', tenantId });
      const items = Array.from({ length: 2_300 }, (_, n) => ({
        type,
        payload: { n },
        tenantId,
        // Items 0..99 repeat keys 0..49 twice (the second of each answers the first); item 5's key is held already.
        ...(n < 100 ? { key: `k-${n % 50}` } : {}),
        ...(n % 7 === 0 ? { group: 'g' } : {}),
      }));
      const answer = await jobs.enqueueMany(items);
      expect(answer.results).toHaveLength(2_300);
      expect(answer.existing).toBe(51);
      expect(answer.created).toBe(2_249);
      expect(answer.results[5]).toMatchObject({ created: false, job: { id: held.id } });
      expect(answer.results[55]).toMatchObject({ created: false, job: { id: held.id } });
      expect(answer.results[60]).toMatchObject({ created: false, job: { id: answer.results[10]!.job.id } });
      expect(answer.results[10]).toMatchObject({ created: true, job: { key: 'k-10', payload: { n: 10 }, tenantId, status: 'queued' } });
      expect(answer.results[2_299]).toMatchObject({ created: true, job: { payload: { n: 2_299 }, key: null } });
      expect(answer.results[7]!.job.group).toBe('g');
      const stored = await queryAll(store(), { type: [type] });
      expect(stored).toHaveLength(2_250);
      expect(new Set(stored.map((job) => job.id))).toEqual(new Set([held.id, ...answer.results.filter((r) => r.created).map((r) => r.job.id)]));
    });

    it("never merges with another tenant's key", async () => {
      const jobs = tracker();
      const type = uniqueName('many.tenants');
      const other = await jobs.enqueue(type, {}, { key: 'same', tenantId: 'tenant-a' });
      const answer = await jobs.enqueueMany([
        { type, key: 'same', tenantId: 'tenant-b' },
        { type, key: 'same', tenantId: 'tenant-b' },
      ]);
      expect(answer.results.map((r) => r.created)).toEqual([true, false]);
      expect(answer.results[0]!.job.id).not.toBe(other.id);
      expect(answer.results[1]!.job.id).toBe(answer.results[0]!.job.id);
    });

    it('refuses a bad item by its index and stores nothing', async () => {
      const jobs = tracker();
      const type = uniqueName('many.bad');
      const bad: [unknown, string][] = [
        [{ type, payload: () => 1 }, 'jobs[2].payload'],
        [{ type: '' }, 'jobs[2].type'],
        [{ type, priority: 1.5 }, 'jobs[2].priority'],
        [{ type, group: '' }, 'jobs[2].group'],
        [{ type, transaction: {} }, 'jobs[2].transaction'],
        [{ type, colour: 'red' }, 'jobs[2].colour'],
        [null, 'jobs[2]'],
      ];
      for (const [item, field] of bad) {
        await expect(jobs.enqueueMany([{ type }, { type }, item as never, { type }])).rejects.toMatchObject({ code: 'invalid_input', field });
      }
      await expect(jobs.enqueueMany('no' as never)).rejects.toMatchObject({ code: 'invalid_input', field: 'jobs' });
      await expect(jobs.enqueueMany([{ type }], { transaction: undefined, colour: 1 } as never)).rejects.toMatchObject({ code: 'invalid_input', field: 'colour' });
      expect(await queryAll(store(), { type: [type] })).toEqual([]);
      expect(await jobs.enqueueMany([])).toEqual({ results: [], created: 0, existing: 0 });
    });

    it('stores keyless jobs exactly as single enqueues would: ids in item order, defaults, due times, fields (the columnar path where the store has insertNewJobs)', async () => {
      const jobs = tracker();
      const type = uniqueName('many.columns');
      const other = uniqueName('many.columns.other');
      const parent = await jobs.enqueue(type, { parent: true });
      const runAt = new Date(Date.now() + 3_600_000);
      const items = Array.from({ length: 1_205 }, (_, n) => ({
        type: n % 3 === 0 ? other : type,
        ...(n % 4 === 0 ? {} : { payload: { n, nested: { list: [n, 'x', null] } } }),
        ...(n % 5 === 0 ? { metadata: { team: `t${n % 2}` } } : {}),
        ...(n % 6 === 0 ? { tenantId: 'tenant-a', ownerId: `owner-${n}` } : {}),
        ...(n % 7 === 0 ? { group: 'g' } : {}),
        ...(n % 11 === 0 ? { parentId: parent.id } : {}),
        ...(n % 13 === 0 ? { priority: 5, maxAttempts: 7 } : {}),
        ...(n % 17 === 0 ? { delayMs: 60_000 } : {}),
        ...(n === 19 ? { runAt } : {}),
      }));
      const single = await jobs.enqueue(type, { n: -1 });
      const answer = await jobs.enqueueMany(items);
      expect(answer.created).toBe(1_205);
      expect(answer.existing).toBe(0);
      const ids = answer.results.map((result) => result.job.id);
      // UUIDv7 drawn in item order: ascending, after any earlier job's.
      expect([...ids].sort()).toEqual(ids);
      expect(ids[0]! > single.id).toBe(true);
      const createdAt = answer.results[0]!.job.createdAt.getTime();
      for (const [n, result] of answer.results.entries()) {
        const job = result.job;
        expect(result.created).toBe(true);
        expect(job).toMatchObject({
          type: n % 3 === 0 ? other : type,
          key: null,
          status: 'queued',
          attempt: 0,
          maxAttempts: n % 13 === 0 ? 7 : single.maxAttempts,
          priority: n % 13 === 0 ? 5 : 0,
          payload: n % 4 === 0 ? null : { n, nested: { list: [n, 'x', null] } },
          metadata: n % 5 === 0 ? { team: `t${n % 2}` } : {},
          tenantId: n % 6 === 0 ? 'tenant-a' : null,
          ownerId: n % 6 === 0 ? `owner-${n}` : null,
          group: n % 7 === 0 ? 'g' : null,
          parentId: n % 11 === 0 ? parent.id : null,
          scheduleName: null,
          lease: null,
          progress: 0,
          result: null,
          metrics: {},
          errors: [],
          history: [],
          trace: null,
        });
        expect(job.metadata).toEqual(n % 5 === 0 ? { team: `t${n % 2}` } : {});
        expect(job.createdAt.getTime()).toBe(createdAt);
        expect(job.updatedAt.getTime()).toBe(createdAt);
        const due = n === 19 ? runAt.getTime() : n % 17 === 0 ? createdAt + 60_000 : createdAt;
        expect(job.runAt.getTime()).toBe(due);
      }
      // What was stored is what was answered.
      for (const n of [0, 1, 5, 6, 11, 13, 17, 19, 1_000, 1_204]) {
        expect(await store().get(ids[n]!)).toEqual(answer.results[n]!.job);
      }
      expect(await queryAll(store(), { type: [type, other] })).toHaveLength(1_207);
      // A claim finds them (due now, in priority order).
      const claimed = await store().claim({
        owner: uniqueName('owner'),
        now: new Date(createdAt + 1),
        leaseExpiresAt: new Date(createdAt + 60_000),
        limits: { [other]: 1 },
        limit: 1,
      });
      expect(claimed.map((job) => job.id)).toEqual([ids[39]]);
    });

    it('fires created once per new job, after it is stored', async () => {
      const jobs = tracker();
      const type = uniqueName('many.events');
      const seen: string[] = [];
      jobs.on('created', (job) => void seen.push(job.id));
      const answer = await jobs.enqueueMany([{ type, key: 'a' }, { type, key: 'a' }, { type }]);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(seen.sort()).toEqual(answer.results.filter((r) => r.created).map((r) => r.job.id).sort());
      for (const made of trackers) await made.close();
    });
  });
}
