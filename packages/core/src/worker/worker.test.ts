import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { FatalJobError } from '../errors/job-errors.js';
import type { Tracker } from '../tracker/tracker.js';
import { createWorker } from './worker.js';
import { settle, setup, stopWorkers, T0 } from './worker.test-support.js';

afterEach(stopWorkers);

describe('worker', () => {
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
