import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { createTracker } from '../tracker/tracker.js';
import { createWorker } from './worker.js';
import { settle, setup, stopWorkers, workers } from './worker.test-support.js';

afterEach(stopWorkers);

describe('worker', () => {
  it('frees the slot of a handler that outlives its timeout', async () => {
    const { tracker, worker, clock } = setup();
    worker({ handlers: { slow: { handler: () => new Promise(() => {}), timeoutMs: 1000 } } }).start();
    const job = await tracker.enqueue('slow', null, { maxAttempts: 1 });
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('running'));
    await clock.advance(1000);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('failed'));
    expect((await tracker.get(job.id))?.error?.code).toBe('job_timeout');
  });

  it('aborts ctx.signal on cancel and ends the job cancelled', async () => {
    const { tracker, worker } = setup();
    let aborted: unknown;
    worker({
      handlers: {
        long: (ctx) =>
          new Promise((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => {
              aborted = ctx.signal.reason;
              reject(ctx.signal.reason);
            }),
          ),
      },
    }).start();
    const job = await tracker.enqueue('long', null);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('running'));
    await tracker.cancel(job.id);
    await vi.waitFor(() => expect(aborted).toMatchObject({ code: 'job_cancelled' }));
    await settle();
    expect((await tracker.get(job.id))?.status).toBe('cancelled');
  });

  it('aborts a handler cancelled from another process within one heartbeat', async () => {
    const { tracker, worker, store, clock } = setup();
    const otherProcess = createTracker({ store, clock });
    let aborted: unknown;
    worker({
      leaseMs: 3000,
      heartbeatMs: 1000,
      handlers: {
        long: (ctx) =>
          new Promise((resolve) =>
            ctx.signal.addEventListener('abort', () => {
              aborted = ctx.signal.reason;
              resolve('ignored');
            }),
          ),
      },
    }).start();
    const job = await tracker.enqueue('long', null);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('running'));
    await otherProcess.cancel(job.id);
    expect(aborted).toBeUndefined();
    await clock.advance(1000);
    await vi.waitFor(() => expect(aborted).toMatchObject({ code: 'job_cancelled' }));
    expect((await tracker.get(job.id))?.status).toBe('cancelled');
  });

  it('renews leases while a handler runs so it is not recovered', async () => {
    const { tracker, worker, clock } = setup();
    let finish!: () => void;
    worker({ leaseMs: 3000, heartbeatMs: 1000, handlers: { slow: () => new Promise<void>((r) => (finish = r)) } }).start();
    const job = await tracker.enqueue('slow', null);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('running'));
    for (let i = 0; i < 10; i++) {
      await clock.advance(1000);
      await settle(3);
    }
    expect(await tracker.recoverExpired()).toEqual([]);
    finish();
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('completed'));
  });

  it('recovers the job of a crashed worker and runs it again', async () => {
    const { tracker, worker, store, clock } = setup();
    const job = await tracker.enqueue('scan', null);
    await store.claim({
      owner: 'crashed',
      now: new Date(clock.now()),
      leaseExpiresAt: new Date(clock.now() + 2000),
      limits: { scan: 1 },
      limit: 1,
    });
    const runs: number[] = [];
    worker({ leaseMs: 2000, recoverIntervalMs: 500, handlers: { scan: (ctx) => void runs.push(ctx.attempt) } }).start();
    await settle();
    expect(runs).toEqual([]);
    await clock.advance(2500);
    await settle();
    await clock.advance(1000);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('completed'));
    expect(runs).toEqual([2]);
    expect((await tracker.get(job.id))?.errors[0]?.code).toBe('lease_expired');
  });

  it('recovers a job whose handler hung in a worker cut off from the store, and rejects its late completion', async () => {
    const { tracker, store, clock } = setup();
    // Worker A can claim but its heartbeats never reach the store (a frozen or partitioned process).
    const partitioned = Object.assign(Object.create(store) as typeof store, {
      heartbeat: () => Promise.reject(new Error('connection timed out')),
    });
    const trackerA = createTracker({ store: partitioned, clock, backoff: backoff.fixed(0) });
    trackerA.on('error', () => {});
    let releaseA!: (value: string) => void;
    const a = createWorker({
      tracker: trackerA,
      workerId: 'worker-a',
      leaseMs: 3000,
      heartbeatMs: 1000,
      recoverIntervalMs: 60_000,
      handlers: { scan: () => new Promise<string>((resolve) => (releaseA = resolve)) },
    });
    a.events.on('error', () => {});
    workers.push({ worker: a, clock });
    const job = await tracker.enqueue('scan', null);
    a.start();
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.lease?.owner).toBe('worker-a'));

    const b = createWorker({
      tracker,
      workerId: 'worker-b',
      leaseMs: 3000,
      recoverIntervalMs: 500,
      pollIntervalMs: 100,
      handlers: { scan: () => 'from b' },
    });
    workers.push({ worker: b, clock });
    b.start();
    await clock.advance(3500);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('retrying'));
    await clock.advance(1500);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('completed'));
    expect(await tracker.get(job.id)).toMatchObject({ result: 'from b', attempt: 2, errors: [{ code: 'lease_expired' }] });

    const settled = new Promise((resolve) => a.events.on('settled', resolve));
    releaseA('from a');
    expect(await settled).toMatchObject({ outcome: 'lost' });
    expect((await tracker.get(job.id))?.result).toBe('from b');
  });

  it('stop() waits for running handlers, then aborts and releases the rest without using an attempt', async () => {
    const { tracker, worker, clock } = setup();
    let quickDone = false;
    const w = worker({
      shutdownGraceMs: 1000,
      handlers: {
        quick: async () => {
          await settle(2);
          quickDone = true;
        },
        stubborn: () => new Promise(() => {}),
      },
    }).start();
    const quick = await tracker.enqueue('quick', null);
    const stubborn = await tracker.enqueue('stubborn', null);
    await vi.waitFor(() => expect(w.running).toHaveLength(2));
    const stopping = w.stop();
    await settle();
    await clock.advance(1000);
    await settle();
    await clock.advance(1000);
    await stopping;
    expect(quickDone).toBe(true);
    expect((await tracker.get(quick.id))?.status).toBe('completed');
    expect(await tracker.get(stubborn.id)).toMatchObject({ status: 'queued', attempt: 1, maxAttempts: 4, lease: null });
    expect((await tracker.get(stubborn.id))!.history).toMatchObject([{ kind: 'attempt', attempt: 1, outcome: 'released' }]);
  });

  it('stop() forgets a job it handed back: running is empty at once, and the handler returning later writes nothing', async () => {
    const { tracker, worker, clock } = setup();
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    let returned = false;
    const w = worker({
      shutdownGraceMs: 500,
      handlers: {
        // Ignores its signal; once let go, it tries to write and returns a result.
        hung: async (ctx) => {
          await gate;
          try {
            ctx.progress(0.9, 'late');
          } catch {}
          returned = true;
          return 'late';
        },
      },
    }).start();
    const outcomes: string[] = [];
    w.events.on('settled', (result) => outcomes.push(result.outcome));
    const job = await tracker.enqueue('hung', null);
    await vi.waitFor(() => expect(w.running).toEqual([job.id]));
    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    while (!stopped) await clock.advance(100);
    await stopping;
    expect(w.running).toEqual([]);
    const released = await tracker.get(job.id);
    expect(released).toMatchObject({ status: 'queued', attempt: 1, lease: null, history: [{ outcome: 'released' }] });

    finish();
    await vi.waitFor(() => expect(returned).toBe(true));
    await settle();
    await clock.advance(5000);
    await settle();
    expect(await tracker.get(job.id)).toEqual(released);
    expect(w.running).toEqual([]);
    expect(outcomes).toEqual(['released']);
  });
});
