import { expect, it } from 'vitest';
import type { JobStore } from '../store/job-store.js';
import { createTracker } from '../tracker/tracker.js';
import { createWorker } from '../worker/worker.js';
import { type RecordTruth, waitUntil } from './record-truth-harness.js';
import { uniqueName } from './make-job.js';
import { expectJobtrailError } from './store-contract-options.js';

/** Bounded runs, expired leases and claims a database crash undid: no job is lost or run twice. */
export function recordTruthRecovery(truth: RecordTruth): void {
  const { store, setup, teardown, settled } = truth;

  it('bounds runOnce by maxDurationMs: a handler that never settles is aborted and handed back', async () => {
    const { tracker } = setup();
    const type = uniqueName('truth.run-once');
    const worker = createWorker({ tracker, handlers: { [type]: () => new Promise(() => {}) }, shutdownGraceMs: 100, keepAlive: false });
    const job = await tracker.enqueue(type, null);
    const summary = await worker.runOnce({ maxDurationMs: 300 });
    await teardown();
    expect(summary.stoppedBy).toBe('maxDurationMs');
    expect(summary.released).toBe(1);
    expect(await tracker.get(job.id)).toMatchObject({ status: 'queued', attempt: 1, lease: null });
  });

  it('recovers a job started by hand whose process died, and renews one whose process lives', async () => {
    const crashed = setup({ leaseMs: 200 });
    const type = uniqueName('truth.manual-lease');
    const dead = await crashed.tracker.create(type, { maxAttempts: 1 });
    const started = await crashed.tracker.start(dead.id);
    expect(started.lease).not.toBeNull();
    await crashed.tracker.close(); // the process dies: nobody renews the lease any more
    const alive = setup({ leaseMs: 200 });
    const live = await alive.tracker.create(type);
    await alive.tracker.start(live.id);
    const recoverer = setup({ recoverIntervalMs: 50 });
    const recovered = await waitUntil(() => recoverer.tracker.get(dead.id), (j) => j?.status === 'failed');
    expect(recovered!.error?.code).toBe('lease_expired');
    expect(recovered!).toMatchObject({ attempt: 1, history: [] });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await recoverer.tracker.get(live.id))!.status).toBe('running');
    const renewed = await recoverer.tracker.heartbeat(live.id, { leaseMs: 60_000 });
    expect(renewed.getTime()).toBeGreaterThan(Date.now() + 30_000);
    await alive.tracker.complete(live.id, { result: 'done' });
    await expectJobtrailError(() => recoverer.tracker.heartbeat(live.id), 'invalid_transition');
    await teardown();
  });

  it('keeps a job whose claim a database crash undid while its handler ran: retaken by heartbeat, at settle, or re-claimed without running again', async () => {
    for (const when of ['heartbeat', 'settle', 'reclaim'] as const) {
      const { tracker, work } = setup();
      const type = uniqueName(`truth.lost-claim.${when}`);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let runs = 0;
      const stale: string[] = [];
      tracker.on('stale', (info) => stale.push(info.operation));
      work(
        {
          [type]: async (ctx) => {
            runs++;
            ctx.metrics.increment('leads', 10);
            await ctx.flush();
            await gate;
            // Written after the claim was undone: kept, never counted twice, never lost.
            ctx.metrics.increment('leads', 5);
            ctx.progress(0.9, 'after the crash');
            await ctx.flush();
            return 'mine';
          },
        },
        {
          // With a free slot the worker claims the undone job again itself (it polls every 20 ms).
          concurrency: when === 'reclaim' ? 2 : 1,
          ...(when === 'heartbeat' ? { leaseMs: 2_000, heartbeatMs: 50 } : { leaseMs: 60_000, heartbeatMs: 30_000 }),
        },
      );
      const job = await tracker.enqueue(type, null);
      const running = (await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'running' && j.metrics['leads'] === 10))!;
      // What a crash that loses the claim's commit leaves: the job as it was before the claim.
      const undone = await store().transition(
        job.id,
        { status: 'running', attempt: running.attempt },
        { status: 'queued', attempt: running.attempt - 1, lease: null, startedAt: null, updatedAt: new Date() },
      );
      expect(undone.ok).toBe(true);
      if (when !== 'settle') {
        const retaken = await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'running');
        expect(retaken).toMatchObject({ attempt: running.attempt, lease: { owner: running.lease!.owner } });
        // A retake keeps the attempt's start; a new claim stamps its own.
        if (when === 'heartbeat') expect(retaken!.startedAt).toEqual(running.startedAt);
      }
      release();
      const done = await settled(tracker, job.id);
      await teardown();
      expect(done).toMatchObject({ status: 'completed', result: 'mine', attempt: running.attempt, metrics: { leads: 15 }, stage: 'after the crash' });
      expect(done.startedAt).toEqual(running.startedAt);
      expect({ when, runs }).toEqual({ when, runs: 1 });
      expect({ when, stale }).toEqual({ when, stale: [] });
    }
  });

  it('goes on recovering the other jobs when one cannot be recovered', async () => {
    const base = store();
    let poisoned = '';
    const refusing = new Proxy(base, {
      get(target, property, receiver) {
        if (property === 'transition') {
          return (id: string, ...rest: unknown[]) =>
            id === poisoned ? Promise.reject(new Error('poisoned row')) : (target.transition as (...a: unknown[]) => unknown)(id, ...rest);
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as JobStore;
    const crashed = setup({ leaseMs: 100 });
    const type = uniqueName('truth.poison');
    const jobs = [];
    for (let i = 0; i < 3; i++) {
      const job = await crashed.tracker.create(type, { maxAttempts: 1 });
      await crashed.tracker.start(job.id);
      jobs.push(job);
    }
    await crashed.tracker.close();
    poisoned = jobs[0]!.id;
    const errors: string[] = [];
    const recoverer = createTracker({ store: refusing, recoverIntervalMs: false });
    recoverer.on('error', (_e, context) => errors.push(`${context.operation}:${context.jobId}`));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const recovered = await recoverer.recoverExpired();
    await recoverer.close();
    await teardown();
    const ours = recovered.filter((job) => job.type === type);
    expect(ours.map((job) => job.id).sort()).toEqual([jobs[1]!.id, jobs[2]!.id].sort());
    expect(errors).toContain(`recover:${poisoned}`);
  });
}
