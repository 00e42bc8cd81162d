import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import type { JobStore } from '../store/job-store.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, ids, type StoreContractOptions } from './store-contract-options.js';

/**
 * `findExpired` is not scoped by type or owner, so its tests put leases in a window long before
 * any real data (1970s) and first fail whatever running job is left there from an interrupted
 * earlier run. Never run the contract suite against a database that holds real jobs.
 */
const EXPIRED_WINDOW_START = Date.UTC(1975, 0, 1);
const EXPIRED_WINDOW_END = Date.UTC(1980, 0, 1);

/**
 * Leases and recovery: heartbeats extend only the caller's own leases and reveal lost ones;
 * expired leases are found oldest first; and the compare-and-set on lease owner and attempt makes
 * a worker that comes back after its job was recovered lose, instead of overwriting the new run.
 */
export function leasesSuite(options: StoreContractOptions): void {
  describeWithStore('leases and recovery', options, (store) => {
    async function claimOne(target: JobStore, type: string, owner: string, base: number): Promise<Job> {
      const claimed = await target.claim({ owner, now: at(base), leaseExpiresAt: at(base, 30_000), limits: { [type]: 1 }, limit: 1 });
      expect(claimed).toHaveLength(1);
      return claimed[0]!;
    }

    /** Fails every running job whose lease expired in the test window (leftovers of earlier runs). */
    async function clearExpiredWindow(target: JobStore): Promise<void> {
      for (let round = 0; round < 100; round++) {
        const leftovers = (await target.findExpired(new Date(EXPIRED_WINDOW_END), 500)).filter(
          (job) => job.lease !== null && job.lease.expiresAt.getTime() < EXPIRED_WINDOW_END,
        );
        if (leftovers.length === 0) return;
        for (const job of leftovers) {
          await target.transition(
            job.id,
            { status: 'running', leaseOwner: job.lease?.owner ?? null, attempt: job.attempt },
            { status: 'failed', lease: null, finishedAt: new Date(EXPIRED_WINDOW_END), updatedAt: new Date(EXPIRED_WINDOW_END) },
          );
        }
      }
    }

    it('extends only the leases the owner holds and answers those ids', async () => {
      const base = Date.now();
      const type = uniqueName('lease.heartbeat');
      const mine = uniqueName('worker-a');
      const theirs = uniqueName('worker-b');
      for (let i = 0; i < 3; i++) await store().insert(makeJob({ type, runAt: at(base, -10) }));
      const a1 = await claimOne(store(), type, mine, base);
      const a2 = await claimOne(store(), type, mine, base);
      const b1 = await claimOne(store(), type, theirs, base);
      const unknown = makeJob().id;

      const held = await store().heartbeat(mine, [a1.id, b1.id, unknown, a2.id], at(base, 90_000));
      expect([...held].sort()).toEqual([a1.id, a2.id].sort());
      expect((await store().get(a1.id))?.lease).toEqual({ owner: mine, expiresAt: at(base, 90_000) });
      expect((await store().get(a2.id))?.lease).toEqual({ owner: mine, expiresAt: at(base, 90_000) });
      expect((await store().get(b1.id))?.lease).toEqual({ owner: theirs, expiresAt: at(base, 30_000) });
      expect(await store().heartbeat(mine, [], at(base, 90_000))).toEqual([]);
    });

    it('leaves a lost lease out of the heartbeat answer', async () => {
      const base = Date.now();
      const type = uniqueName('lease.lost');
      const owner = uniqueName('worker');
      await store().insert(makeJob({ type, runAt: at(base, -10) }));
      await store().insert(makeJob({ type, runAt: at(base, -5) }));
      const cancelled = await claimOne(store(), type, owner, base);
      const recovered = await claimOne(store(), type, owner, base);

      await store().transition(
        cancelled.id,
        { status: 'running', leaseOwner: owner },
        { status: 'cancelled', lease: null, finishedAt: at(base, 1), updatedAt: at(base, 1) },
      );
      await store().transition(
        recovered.id,
        { status: 'running', leaseOwner: owner, attempt: 1 },
        { status: 'retrying', lease: null, runAt: at(base, 2), updatedAt: at(base, 2) },
      );
      const thief = uniqueName('worker-new');
      const reclaimed = await store().claim({ owner: thief, now: at(base, 3), leaseExpiresAt: at(base, 60_000), limits: { [type]: 5 }, limit: 5 });
      expect(ids(reclaimed)).toEqual([recovered.id]);

      expect(await store().heartbeat(owner, [cancelled.id, recovered.id], at(base, 120_000))).toEqual([]);
      expect((await store().get(recovered.id))?.lease).toEqual({ owner: thief, expiresAt: at(base, 60_000) });
      expect((await store().get(cancelled.id))?.lease).toBeNull();
    });

    it('finds only running jobs whose lease expired, oldest lease first, up to the limit', async () => {
      await clearExpiredWindow(store());
      const w = EXPIRED_WINDOW_START + Math.floor(Math.random() * 1000) * 60_000;
      const type = uniqueName('lease.expired');
      const owner = uniqueName('worker');
      const running = (expiresAt: number): Job =>
        makeJob({ type, status: 'running', attempt: 1, runAt: at(w), startedAt: at(w), lease: { owner, expiresAt: at(w, expiresAt) } });
      const second = running(2000);
      const first = running(1000);
      const third = running(3000);
      const tie = running(3000); // same expiry as `third`, later id: after it
      const notYet = running(10_000);
      const exactlyNow = running(5000); // expiresAt == now is not expired yet
      const tracked = makeJob({ type, status: 'running', attempt: 1, runAt: at(w), startedAt: at(w) });
      const finished = makeJob({ type, status: 'completed', attempt: 1, runAt: at(w), finishedAt: at(w, 500) });
      // Started by a transition rather than by claim: its lease expires all the same.
      const viaTransition = makeJob({ type, runAt: at(w) });
      const mine = [second, first, third, tie, notYet, exactlyNow, tracked, finished, viaTransition];
      try {
        for (const job of mine) await store().insert(job);
        const started = await store().transition(
          viaTransition.id,
          { status: 'queued', leaseOwner: null },
          { status: 'running', attempt: 1, lease: { owner, expiresAt: at(w, 2500) }, startedAt: at(w), updatedAt: at(w) },
        );
        expect(started.ok).toBe(true);
        const now = at(w, 5000);

        const all = await store().findExpired(now, 1000);
        for (const job of all) {
          expect(job.status).toBe('running');
          expect(job.lease).not.toBeNull();
          expect(job.lease!.expiresAt.getTime()).toBeLessThan(now.getTime());
        }
        const expiries = all.map((job) => job.lease!.expiresAt.getTime());
        expect(expiries).toEqual([...expiries].sort((a, b) => a - b));
        const mineIds = new Set(ids(mine));
        expect(ids(all).filter((id) => mineIds.has(id))).toEqual([first.id, second.id, viaTransition.id, third.id, tie.id]);

        const limited = await store().findExpired(now, 2);
        expect(ids(limited)).toEqual(ids(all).slice(0, 2));
        expect(ids(limited)).toEqual([first.id, second.id]);
      } finally {
        for (const job of mine) {
          await store().transition(
            job.id,
            { status: 'running' },
            { status: 'failed', lease: null, finishedAt: at(w, 20_000), updatedAt: at(w, 20_000) },
          );
        }
      }
    });

    it('refuses to recover a lease that was renewed after it was seen expired', async () => {
      const base = Date.now();
      const type = uniqueName('lease.renewed');
      const owner = uniqueName('worker-alive');
      await store().insert(makeJob({ type, runAt: at(base, -10) }));
      const job = await claimOne(store(), type, owner, base);
      // The recoverer saw the lease expired at base + 30 s; meanwhile its owner renewed it.
      expect(await store().heartbeat(owner, [job.id], at(base, 120_000))).toEqual([job.id]);
      const steal = await store().transition(
        job.id,
        { status: 'running', leaseOwner: owner, attempt: 1, leaseExpiresBefore: at(base, 60_000) },
        { status: 'retrying', lease: null, updatedAt: at(base, 60_000) },
      );
      expect(steal).toMatchObject({ ok: false, reason: 'conflict', current: { status: 'running', lease: { owner } } });
      const recover = await store().transition(
        job.id,
        { status: 'running', leaseOwner: owner, attempt: 1, leaseExpiresBefore: at(base, 120_001) },
        { status: 'retrying', lease: null, updatedAt: at(base, 120_001) },
      );
      expect(recover).toMatchObject({ ok: true, job: { status: 'retrying', lease: null } });
    });

    it('makes a late completion lose once the job was recovered and claimed again', async () => {
      const base = Date.now();
      const type = uniqueName('lease.late');
      const slow = uniqueName('worker-slow');
      const rescuer = uniqueName('worker-rescuer');
      await store().insert(makeJob({ type, runAt: at(base, -10), maxAttempts: 3 }));
      const firstRun = await claimOne(store(), type, slow, base);
      expect(firstRun.attempt).toBe(1);

      // Recovery: the lease expired, another worker hands the job back for a new attempt.
      const recovered = await store().transition(
        firstRun.id,
        { status: 'running', leaseOwner: slow, attempt: 1 },
        { status: 'retrying', lease: null, runAt: at(base, 100), updatedAt: at(base, 100) },
      );
      expect(recovered.ok).toBe(true);
      const secondRun = await claimOne(store(), type, rescuer, base + 100);
      expect(secondRun).toMatchObject({ id: firstRun.id, attempt: 2, lease: { owner: rescuer } });

      // The slow worker comes back and tries to complete its (first) attempt.
      const late = await store().transition(
        firstRun.id,
        { status: 'running', leaseOwner: slow, attempt: 1 },
        { status: 'completed', lease: null, result: { from: 'slow' }, finishedAt: at(base, 200), updatedAt: at(base, 200) },
      );
      expect(late).toMatchObject({ ok: false, reason: 'conflict', current: { status: 'running', attempt: 2, lease: { owner: rescuer } } });
      // Same owner name reused with a stale attempt loses too.
      const staleAttempt = await store().transition(
        firstRun.id,
        { status: 'running', leaseOwner: rescuer, attempt: 1 },
        { status: 'completed', lease: null, updatedAt: at(base, 200) },
      );
      expect(staleAttempt).toMatchObject({ ok: false, reason: 'conflict' });

      const done = await store().transition(
        firstRun.id,
        { status: 'running', leaseOwner: rescuer, attempt: 2 },
        { status: 'completed', lease: null, result: { from: 'rescuer' }, finishedAt: at(base, 300), updatedAt: at(base, 300) },
      );
      expect(done).toMatchObject({ ok: true, job: { status: 'completed', result: { from: 'rescuer' } } });
    });
  });
}
