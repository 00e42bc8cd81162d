import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { FatalJobError } from '../errors/job-errors.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import type { TrackerOptions } from '../tracker/tracker-options.js';
import { createWorker, type Worker } from './worker.js';
import type { WorkerOptions } from './worker-options.js';

const T0 = Date.UTC(2026, 0, 1);
const workers: Array<{ worker: Worker; clock: ReturnType<typeof createFakeClock> }> = [];

afterEach(async () => {
  // Handlers left hanging by a test only let go once the grace period passes on the fake clock.
  await Promise.all(
    workers.splice(0).map(async ({ worker, clock }) => {
      let stopped = false;
      const stopping = worker.stop().then(() => (stopped = true));
      while (!stopped) await clock.advance(1000);
      await stopping;
    }),
  );
});

function setup(options: Partial<TrackerOptions> = {}) {
  const clock = createFakeClock(T0);
  const store = new MemoryJobStore();
  const tracker = createTracker({ store, clock, backoff: backoff.fixed(1000), ...options });
  const worker = (opts: Omit<WorkerOptions, 'tracker'> & { tracker?: Tracker }) => {
    const made = createWorker({ tracker, pollIntervalMs: 100, ...opts });
    workers.push({ worker: made, clock });
    return made;
  };
  return { clock, store, tracker, worker };
}

async function settle(times = 20): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((resolve) => setImmediate(resolve));
}

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

  it('runOnce without maxDurationMs waits for slots without a timer (no overflowing timeouts, no busy loop)', async () => {
    const tracker = createTracker({ store: new MemoryJobStore(), recoverIntervalMs: false });
    await Promise.all([1, 2, 3].map((n) => tracker.enqueue('slow', { n })));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    let claims = 0;
    const worker = createWorker({
      tracker,
      concurrency: 1,
      keepAlive: false,
      handlers: { slow: () => new Promise((resolve) => setTimeout(resolve, 30)) },
    });
    worker.events.on('claimed', () => claims++);
    const summary = await worker.runOnce();
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(summary).toMatchObject({ stoppedBy: 'empty', completed: 3 });
    expect(warnings).toEqual([]);
    expect(claims).toBe(3);
    await tracker.close();
  });

  it('runOnce rides out an unreachable store: outcomes land, it never rejects, and it ends', async () => {
    const base = new MemoryJobStore();
    let failClaims = 1;
    let failOutcomes = 2;
    const store = Object.assign(Object.create(base) as MemoryJobStore, {
      claim: (...args: Parameters<MemoryJobStore['claim']>) =>
        failClaims-- > 0 ? Promise.reject(new Error('connect ECONNREFUSED')) : base.claim(...args),
      transition: (...args: Parameters<MemoryJobStore['transition']>) =>
        args[2].status === 'completed' && failOutcomes-- > 0 ? Promise.reject(new Error('read ECONNRESET')) : base.transition(...args),
    });
    const tracker = createTracker({ store, recoverIntervalMs: false });
    const jobs = await Promise.all([1, 2, 3].map((n) => tracker.enqueue('t', { n })));
    // The first claim fails with nothing running: the run ends at once, and says why.
    const first = await createWorker({ tracker, handlers: { t: () => 'ok' }, keepAlive: false }).runOnce();
    expect(first).toMatchObject({ stoppedBy: 'storeError', claimed: 0 });
    // Outcome writes fail twice: they are retried, and the run ends when everything is done.
    const second = await createWorker({ tracker, handlers: { t: () => 'ok' }, keepAlive: false }).runOnce({ maxDurationMs: 30_000 });
    expect(second).toMatchObject({ stoppedBy: 'empty', claimed: 3, completed: 3 });
    for (const job of jobs) expect(await tracker.get(job.id)).toMatchObject({ status: 'completed', result: 'ok', attempt: 1 });
    await tracker.close();
  });

  it('takes any valid type name as a handler key, and checks the type of concurrency', async () => {
    const { tracker } = setup();
    const names = ['constructor', 'toString', '__proto__', 'valueOf'];
    const handlers = Object.fromEntries(names.map((name) => [name, () => `ran ${name}`]));
    const worker = createWorker({ tracker, handlers, concurrency: { default: 2, toString: 1 } as never, keepAlive: false });
    const jobs = await Promise.all(names.map((name) => tracker.enqueue(name, null)));
    const summary = await worker.runOnce();
    expect(summary.completed).toBe(4);
    for (const [index, job] of jobs.entries()) expect(await tracker.get(job.id)).toMatchObject({ status: 'completed', result: `ran ${names[index]}` });
    for (const bad of ['5', null, [2], () => 2]) {
      expect(() => createWorker({ tracker, handlers: { t: () => 1 }, concurrency: bad as never })).toThrow(/concurrency: must be a number/);
    }
    expect(() => createWorker({ tracker, handlers: { t: () => 1 }, concurrency: { constructor: 2 } as never })).toThrow(/concurrency\.constructor: names a type with no handler/);
  });

  it('runs due jobs and stores their results', async () => {
    const { tracker, worker } = setup();
    const jobs = await Promise.all([1, 2, 3].map((n) => tracker.enqueue('math.double', { n })));
    const w = worker({ handlers: { 'math.double': (ctx) => (ctx.job.payload as { n: number }).n * 2 } }).start();
    await vi.waitFor(async () => {
      const done = await Promise.all(jobs.map((job) => tracker.get(job.id)));
      expect(done.map((job) => job?.result)).toEqual([2, 4, 6]);
    });
    expect(w.running).toEqual([]);
  });

  it('retries on the backoff schedule exactly, then completes', async () => {
    const { tracker, worker, clock } = setup({ backoff: backoff.steps([1000, 5000]) });
    const attemptsAt: number[] = [];
    worker({
      handlers: {
        flaky: (ctx) => {
          attemptsAt.push(clock.now() - T0);
          if (ctx.attempt < 3) throw Object.assign(new Error('unavailable'), { status: 503 });
          return 'ok';
        },
      },
    }).start();
    const job = await tracker.enqueue('flaky', null, { maxAttempts: 3 });
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('retrying'));
    expect((await tracker.get(job.id))?.runAt.getTime()).toBe(T0 + 1000);
    await clock.advance(1000);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.attempt).toBe(2));
    await settle();
    await clock.advance(5000);
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('completed'));
    expect(attemptsAt).toEqual([0, 1000, 6000]);
    expect((await tracker.get(job.id))?.errors).toHaveLength(2);
  });

  it('fails at once on FatalJobError and after the last attempt otherwise', async () => {
    const { tracker, worker } = setup();
    worker({
      handlers: {
        fatal: () => {
          throw new FatalJobError('bad input');
        },
        once: () => {
          throw new Error('down');
        },
      },
    }).start();
    const fatal = await tracker.enqueue('fatal', null);
    const once = await tracker.enqueue('once', null, { maxAttempts: 1 });
    await vi.waitFor(async () => {
      expect((await tracker.get(fatal.id))?.status).toBe('failed');
      expect((await tracker.get(once.id))?.status).toBe('failed');
    });
    expect((await tracker.get(fatal.id))?.attempt).toBe(1);
  });

  it('claims by priority, then runAt, then id, and never before runAt', async () => {
    const { tracker, worker, clock } = setup();
    const order: string[] = [];
    const low = await tracker.enqueue('t', 'low', { priority: -1 });
    const later = await tracker.enqueue('t', 'later', { delayMs: 500 });
    const first = await tracker.enqueue('t', 'first');
    const second = await tracker.enqueue('t', 'second');
    const high = await tracker.enqueue('t', 'high', { priority: 10 });
    void [low, later, first, second, high];
    worker({ concurrency: 1, handlers: { t: (ctx) => void order.push(ctx.job.payload as string) } }).start();
    await vi.waitFor(() => expect(order).toEqual(['high', 'first', 'second', 'low']));
    await clock.advance(500);
    await vi.waitFor(() => expect(order).toHaveLength(5));
    expect(order[4]).toBe('later');
  });

  it('never exceeds per-type concurrency', async () => {
    const { tracker, worker } = setup();
    const live = { a: 0, b: 0 };
    const peak = { a: 0, b: 0 };
    const handler = (type: 'a' | 'b') => async () => {
      live[type] += 1;
      peak[type] = Math.max(peak[type], live[type]);
      await settle(2);
      live[type] -= 1;
    };
    for (let i = 0; i < 30; i++) await tracker.enqueue(i % 2 ? 'a' : 'b', i);
    const w = worker({ concurrency: { default: 3, a: 2 }, batchSize: 50, handlers: { a: handler('a'), b: handler('b') } });
    const summary = await w.runOnce();
    expect(summary).toMatchObject({ claimed: 30, completed: 30, stoppedBy: 'empty' });
    expect(peak).toEqual({ a: 2, b: 3 });
  });

  it('keeps a poisoned type from blocking another', async () => {
    const { tracker, worker } = setup();
    worker({
      concurrency: 2,
      shutdownGraceMs: 0,
      handlers: { stuck: () => new Promise(() => {}), healthy: (ctx) => ctx.job.payload },
    }).start();
    for (let i = 0; i < 5; i++) await tracker.enqueue('stuck', i);
    const healthy = await Promise.all(Array.from({ length: 20 }, (_, i) => tracker.enqueue('healthy', i)));
    await vi.waitFor(async () => {
      const done = await Promise.all(healthy.map((job) => tracker.get(job.id)));
      expect(done.every((job) => job?.status === 'completed')).toBe(true);
    });
    expect((await tracker.stats({ type: 'stuck' })).byStatus).toMatchObject({ running: 2, queued: 3 });
  });

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

  it('runOnce drains more jobs than its slots even when handlers finish synchronously', async () => {
    const { tracker, worker } = setup();
    for (let i = 0; i < 45; i++) await tracker.enqueue('sync', i);
    const seen = new Set<unknown>();
    const summary = await worker({ concurrency: 10, batchSize: 10, handlers: { sync: (ctx) => void seen.add(ctx.job.payload) } }).runOnce();
    expect(summary).toMatchObject({ claimed: 45, completed: 45, stoppedBy: 'empty' });
    expect(seen.size).toBe(45);
  });

  it('runOnce honours maxJobs and reports outcomes', async () => {
    const { tracker, worker } = setup();
    for (let i = 0; i < 5; i++) await tracker.enqueue('n', i, { maxAttempts: 1 });
    const w = worker({
      handlers: {
        n: (ctx) => {
          if (ctx.job.payload === 1) throw new Error('odd one');
          if (ctx.job.payload === 2) ctx.skip('nothing to do');
        },
      },
    });
    const first = await w.runOnce({ maxJobs: 3 });
    expect(first).toMatchObject({ claimed: 3, completed: 1, failed: 1, skipped: 1, stoppedBy: 'maxJobs' });
    const rest = await w.runOnce();
    expect(rest).toMatchObject({ claimed: 2, completed: 2, stoppedBy: 'empty' });
  });

  it('prunes finished jobs on the retention timer', async () => {
    const { tracker, worker, clock } = setup();
    const job = await tracker.enqueue('x', null);
    worker({ retention: { completed: '1h' }, retentionIntervalMs: 60_000, handlers: { x: () => 1 } }).start();
    await vi.waitFor(async () => expect((await tracker.get(job.id))?.status).toBe('completed'));
    await clock.advance(3_600_000 + 60_000);
    await vi.waitFor(async () => expect(await tracker.get(job.id)).toBeNull());
  });

  it('never claims types it has no handler for', async () => {
    const { tracker, worker } = setup();
    const other = await tracker.enqueue('other', null);
    const summary = await worker({ handlers: { mine: () => 1 } }).runOnce();
    expect(summary.claimed).toBe(0);
    expect((await tracker.get(other.id))?.status).toBe('queued');
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

  it('rejects bad options', () => {
    const { tracker } = setup();
    expect(() => createWorker({ tracker, handlers: {} })).toThrow(/at least one handler/);
    expect(() => createWorker({ tracker, handlers: { a: () => 1 }, concurrency: { b: 2 } })).toThrow(/no handler/);
    expect(() => createWorker({ tracker, handlers: { a: () => 1 }, concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createWorker({ tracker, handlers: { a: () => 1 }, retention: { queued: '1d' } as never })).toThrow(/retention/);
    expect(() => createWorker({ tracker, handlers: { a: 'nope' as never } })).toThrow(/handlers.a/);
    expect(() => createWorker({ tracker: {} as Tracker, handlers: { a: () => 1 } })).toThrow(/createTracker/);
  });
});
