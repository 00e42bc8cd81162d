import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTracker } from '../tracker/tracker.js';
import { createWorker } from './worker.js';
import { settle, setup, stopWorkers, T0 } from './worker.test-support.js';

afterEach(stopWorkers);

describe('worker', () => {
  it('lands an outcome whose claim a crash undid even when this worker claims the job again meanwhile', async () => {
    const base = new MemoryJobStore();
    let crashed = false;
    // At the outcome write: the claim is undone (a crash) and the write conflicts; then this worker
    // claims the job again before the write that follows the conflict (the worker's own claims are
    // held back meanwhile, so the order is exactly that).
    const store = Object.assign(Object.create(base) as MemoryJobStore, {
      claim: (...args: Parameters<MemoryJobStore['claim']>) => (crashed ? Promise.resolve([]) : base.claim(...args)),
      transition: async (...args: Parameters<MemoryJobStore['transition']>) => {
        const [id, expected, patch] = args;
        if (crashed || patch.status !== 'completed') return base.transition(...args);
        crashed = true;
        const at = new Date(clock.now());
        await base.transition(id, { status: 'running' }, { status: 'queued', attempt: (expected.attempt ?? 1) - 1, lease: null, startedAt: null, updatedAt: at });
        const conflict = await base.transition(...args);
        await base.claim({ owner: expected.leaseOwner as string, now: at, leaseExpiresAt: new Date(clock.now() + 30_000), limits: { once: 1 }, limit: 1 });
        return conflict;
      },
    });
    const { tracker, worker, clock } = setup({ store });
    let runs = 0;
    worker({ handlers: { once: () => { runs++; return 'mine'; } }, concurrency: 1 }).start();
    const job = await tracker.enqueue('once', null);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('completed'));
    expect(crashed).toBe(true);
    expect(await tracker.get(job.id)).toMatchObject({ status: 'completed', result: 'mine', attempt: 1, lease: null });
    expect(runs).toBe(1);
  });

  it('does not run a job again when its re-claim (after a lost claim) answers only after the outcome landed on it', async () => {
    const base = new MemoryJobStore();
    const signal = () => {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      return { promise, resolve };
    };
    const undone = signal();
    const reclaimed = signal();
    const settled = signal();
    let phase: 'normal' | 'crash' | 'after' = 'normal';
    const store = Object.assign(Object.create(base) as MemoryJobStore, {
      claim: async (...args: Parameters<MemoryJobStore['claim']>) => {
        if (phase === 'normal') return base.claim(...args);
        await undone.promise;
        const jobs = await base.claim(...args);
        reclaimed.resolve();
        // The claim's answer arrives after the outcome write landed on the row it claimed.
        await settled.promise;
        return jobs;
      },
      transition: async (...args: Parameters<MemoryJobStore['transition']>) => {
        const [id, expected, patch] = args;
        if (phase !== 'crash' || patch.status !== 'completed') return base.transition(...args);
        phase = 'after';
        await base.transition(id, { status: 'running' }, { status: 'queued', attempt: (expected.attempt ?? 1) - 1, lease: null, updatedAt: new Date() });
        undone.resolve();
        await reclaimed.promise;
        const result = await base.transition(...args);
        setTimeout(settled.resolve, 10);
        return result;
      },
    });
    const tracker = createTracker({ store, recoverIntervalMs: false });
    let runs = 0;
    const w = createWorker({
      tracker,
      concurrency: 1,
      pollIntervalMs: 10,
      keepAlive: false,
      handlers: {
        once: () => {
          runs++;
          phase = 'crash';
          return 'mine';
        },
      },
    }).start();
    const job = await tracker.enqueue('once', null);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('completed'));
    await settled.promise;
    await new Promise((resolve) => setTimeout(resolve, 50));
    await w.stop();
    await tracker.close();
    expect(runs).toBe(1);
    expect(await tracker.get(job.id)).toMatchObject({ status: 'completed', result: 'mine', attempt: 1 });
  });

  it('starts the next job while the previous outcome is still being written, and stop() waits for the write', async () => {
    const clock = createFakeClock(T0);
    const store = new MemoryJobStore();
    let releaseWrites!: () => void;
    const writesHeld = new Promise<void>((resolve) => (releaseWrites = resolve));
    const transition = store.transition.bind(store);
    // Outcome writes hang until released: a slow store round trip.
    store.transition = async (id, expected, patch) => {
      if (patch.status === 'completed') await writesHeld;
      return transition(id, expected, patch);
    };
    const tracker = createTracker({ store, clock });
    const first = await tracker.enqueue('serial', { n: 1 });
    const second = await tracker.enqueue('serial', { n: 2 });
    const started: number[] = [];
    const w = createWorker({
      tracker,
      concurrency: 1,
      handlers: { serial: (ctx) => void started.push((ctx.job.payload as { n: number }).n) },
    }).start();
    await vi.waitFor(() => expect(started).toEqual([1, 2]));
    // Both ran with one slot although neither outcome has landed: both are still leased.
    expect((await store.get(first.id))?.status).toBe('running');
    expect(w.running.sort()).toEqual([first.id, second.id].sort());
    const stopped = w.stop();
    let stopDone = false;
    void stopped.then(() => (stopDone = true));
    await settle();
    expect(stopDone).toBe(false);
    releaseWrites();
    await stopped;
    expect((await store.get(first.id))?.status).toBe('completed');
    expect((await store.get(second.id))?.status).toBe('completed');
  });
});
