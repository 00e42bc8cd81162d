import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import type { ClaimRequest, JobStore } from '../store/job-store.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, ids, sortedIds, type StoreContractOptions } from './store-contract-options.js';

/**
 * Claiming: only due, claimable jobs of the requested types, in priority/runAt/id order, within
 * per-type and total limits — and never the same job to two claimers, however many race.
 */
export function claimingSuite(options: StoreContractOptions): void {
  describeWithStore('claiming and concurrency', options, (store) => {
    function request(base: number, limits: Record<string, number>, limit: number, owner = uniqueName('worker')): ClaimRequest {
      return { owner, now: at(base), leaseExpiresAt: at(base, 30_000), limits, limit };
    }

    async function insertAll(target: JobStore, jobs: Job[]): Promise<void> {
      for (const job of jobs) await target.insert(job);
    }

    /** Claims one job at a time, recording the order in which the store hands them out. */
    async function claimOneByOne(target: JobStore, base: number, limits: Record<string, number>): Promise<string[]> {
      const order: string[] = [];
      for (;;) {
        const claimed = await target.claim(request(base, limits, 1));
        expect(claimed.length).toBeLessThanOrEqual(1);
        if (claimed.length === 0) return order;
        order.push(claimed[0]!.id);
      }
    }

    it('claims only jobs whose runAt is due', async () => {
      const base = Date.now();
      const type = uniqueName('claim.due');
      const past = makeJob({ type, runAt: at(base, -60_000) });
      const exactlyNow = makeJob({ type, runAt: at(base) });
      const future = makeJob({ type, runAt: at(base, 1) });
      await insertAll(store(), [past, exactlyNow, future]);
      const claimed = await store().claim(request(base, { [type]: 10 }, 10));
      expect(sortedIds(claimed)).toEqual([past.id, exactlyNow.id].sort());
      expect(await store().get(future.id)).toMatchObject({ status: 'queued', attempt: 0, lease: null });
      const later = await store().claim(request(base + 1, { [type]: 10 }, 10));
      expect(ids(later)).toEqual([future.id]);
    });

    it('claims only queued and retrying jobs', async () => {
      const base = Date.now();
      const type = uniqueName('claim.status');
      const due = at(base, -1000);
      const queued = makeJob({ type, runAt: due });
      const retrying = makeJob({ type, status: 'retrying', attempt: 1, runAt: due });
      const others = [
        makeJob({ type, status: 'running', attempt: 1, runAt: due, lease: { owner: 'someone', expiresAt: at(base, -500) } }),
        makeJob({ type, status: 'running', attempt: 1, runAt: due }),
        makeJob({ type, status: 'completed', attempt: 1, runAt: due, finishedAt: due }),
        makeJob({ type, status: 'failed', attempt: 3, runAt: due, finishedAt: due }),
        makeJob({ type, status: 'skipped', attempt: 1, runAt: due, finishedAt: due }),
        makeJob({ type, status: 'cancelled', attempt: 0, runAt: due, finishedAt: due }),
      ];
      await insertAll(store(), [queued, retrying, ...others]);
      const claimed = await store().claim(request(base, { [type]: 100 }, 100));
      expect(sortedIds(claimed)).toEqual([queued.id, retrying.id].sort());
      for (const other of others) expect(await store().get(other.id)).toEqual(other);
    });

    it('leases a claimed job: running, attempt + 1, lease, startedAt and updatedAt = now', async () => {
      const base = Date.now();
      const type = uniqueName('claim.fields');
      const fresh = makeJob({ type, runAt: at(base, -10) });
      const again = makeJob({ type, status: 'retrying', attempt: 2, runAt: at(base, -5), startedAt: at(base, -900) });
      await insertAll(store(), [fresh, again]);
      const owner = uniqueName('worker');
      const claimed = await store().claim({ owner, now: at(base), leaseExpiresAt: at(base, 45_000), limits: { [type]: 5 }, limit: 5 });
      const leased = (job: Job): Job => ({
        ...job,
        status: 'running',
        attempt: job.attempt + 1,
        lease: { owner, expiresAt: at(base, 45_000) },
        startedAt: at(base),
        updatedAt: at(base),
      });
      const expectFresh = leased(fresh);
      const expectAgain = leased(again);
      expect([expectFresh.attempt, expectAgain.attempt]).toEqual([1, 3]);
      expect([...claimed].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual([expectFresh, expectAgain]);
      expect(await store().get(fresh.id)).toEqual(expectFresh);
      expect(await store().get(again.id)).toEqual(expectAgain);
    });

    it('hands jobs out by priority desc, then runAt asc, then id asc', async () => {
      const base = Date.now();
      const type = uniqueName('claim.order');
      // Created in id order: where priority and runAt tie, the earlier-created job goes first.
      const lowOld = makeJob({ type, priority: 0, runAt: at(base, -3000) });
      const highNew = makeJob({ type, priority: 10, runAt: at(base, -1000) });
      const highOld = makeJob({ type, priority: 10, runAt: at(base, -2000) });
      const tieA = makeJob({ type, priority: 5, runAt: at(base, -1500) });
      const tieB = makeJob({ type, priority: 5, runAt: at(base, -1500) });
      const negative = makeJob({ type, priority: -1, runAt: at(base, -9000) });
      const futureHigh = makeJob({ type, priority: 100, runAt: at(base, 5000) });
      // Inserted in shuffled order: insertion order must not matter.
      await insertAll(store(), [tieB, negative, highNew, futureHigh, lowOld, tieA, highOld]);
      expect(await claimOneByOne(store(), base, { [type]: 10 })).toEqual([
        highOld.id,
        highNew.id,
        tieA.id,
        tieB.id,
        lowOld.id,
        negative.id,
      ]);
    });

    it('orders across types and respects per-type and total limits', async () => {
      const base = Date.now();
      const a = uniqueName('claim.limits-a');
      const b = uniqueName('claim.limits-b');
      const aJobs = Array.from({ length: 5 }, (_, i) => makeJob({ type: a, priority: 0, runAt: at(base, -100 + i) }));
      const bJobs = Array.from({ length: 5 }, (_, i) => makeJob({ type: b, priority: 5, runAt: at(base, -100 + i) }));
      await insertAll(store(), [...aJobs, ...bJobs]);

      const first = await store().claim(request(base, { [a]: 10, [b]: 2 }, 3));
      expect(sortedIds(first)).toEqual([bJobs[0]!.id, bJobs[1]!.id, aJobs[0]!.id].sort());

      const second = await store().claim(request(base, { [a]: 2, [b]: 1 }, 100));
      expect(sortedIds(second)).toEqual([bJobs[2]!.id, aJobs[1]!.id, aJobs[2]!.id].sort());

      const rest = await store().claim(request(base, { [a]: 100, [b]: 100 }, 100));
      expect(sortedIds(rest)).toEqual([aJobs[3]!.id, aJobs[4]!.id, bJobs[3]!.id, bJobs[4]!.id].sort());
    });

    it('never claims types that are absent or limited to 0, and claims nothing with limit 0', async () => {
      const base = Date.now();
      const wanted = uniqueName('claim.wanted');
      const absent = uniqueName('claim.absent');
      const zero = uniqueName('claim.zero');
      const jobs = [makeJob({ type: wanted, runAt: at(base, -1) }), makeJob({ type: absent, runAt: at(base, -1) }), makeJob({ type: zero, runAt: at(base, -1) })];
      await insertAll(store(), jobs);
      expect(await store().claim(request(base, { [wanted]: 5, [zero]: 0 }, 0))).toEqual([]);
      expect(ids(await store().claim(request(base, { [wanted]: 5, [zero]: 0 }, 10)))).toEqual([jobs[0]!.id]);
      expect(await store().claim(request(base, {}, 10))).toEqual([]);
      expect(await store().get(jobs[1]!.id)).toMatchObject({ status: 'queued' });
      expect(await store().get(jobs[2]!.id)).toMatchObject({ status: 'queued' });
    });

    it('answers an empty list when nothing is due', async () => {
      const base = Date.now();
      const type = uniqueName('claim.empty');
      expect(await store().claim(request(base, { [type]: 10 }, 10))).toEqual([]);
    });

    it('never leases one job twice when 20 claimers race over 200 jobs, and together they claim all', async () => {
      const base = Date.now();
      const type = uniqueName('claim.race');
      const other = uniqueName('claim.race-other');
      const jobs = Array.from({ length: 200 }, (_, i) => makeJob({ type: i % 2 === 0 ? type : other, priority: i % 3, runAt: at(base, -i) }));
      await Promise.all(jobs.map((job) => store().insert(job)));
      const owners = Array.from({ length: 20 }, (_, i) => uniqueName(`worker${i}`));
      const claimedBy = await Promise.all(
        owners.map(async (owner) => {
          const mine: Job[] = [];
          for (;;) {
            const batch = await store().claim({ owner, now: at(base), leaseExpiresAt: at(base, 60_000), limits: { [type]: 4, [other]: 3 }, limit: 5 });
            if (batch.length === 0) return mine;
            for (const job of batch) expect(job.lease?.owner).toBe(owner);
            mine.push(...batch);
          }
        }),
      );
      const all = claimedBy.flat();
      expect(new Set(ids(all)).size).toBe(all.length);
      expect(sortedIds(all)).toEqual(sortedIds(jobs));
      for (const [index, owner] of owners.entries()) {
        for (const job of claimedBy[index]!) {
          const stored = await store().get(job.id);
          expect(stored).toMatchObject({ status: 'running', attempt: 1, lease: { owner } });
        }
      }
    });

    it('wakes subscribers when a job becomes claimable (if the store supports subscribe)', async () => {
      const target = store();
      if (target.subscribe === undefined) return;
      const type = uniqueName('claim.wake');
      const events: Array<string | undefined> = [];
      let notify: () => void = () => {};
      const woken = new Promise<void>((resolve) => {
        notify = resolve;
      });
      const unsubscribe = target.subscribe((event) => {
        if (event.type === type || event.type === undefined) {
          events.push(event.type);
          notify();
        }
      });
      try {
        await target.insert(makeJob({ type }));
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), 5000);
        });
        const outcome = await Promise.race([woken.then(() => 'woken' as const), timeout]);
        clearTimeout(timer);
        expect(outcome).toBe('woken');
        expect(events.length).toBeGreaterThan(0);
      } finally {
        unsubscribe();
      }
    });
  });
}
