import { afterEach, describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createFakeClock, type FakeClock } from '../testing/fake-clock.js';
import type { TrackerOptions } from '../tracker/tracker-options.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import type { JobContext } from '../tracker/job-context.js';
import { createWorker, type Worker } from './worker.js';
import type { WorkerOptions } from './worker-options.js';
import { stopWorkers, workers } from './worker.test-support.js';

/**
 * Flow control as users meet it: several workers (each with its own tracker, as separate
 * processes would have) on one memory store and a fake clock, so every bound is exact and no
 * test waits on real time.
 */

const T0 = Date.UTC(2026, 5, 1);

afterEach(stopWorkers);

/** One "process": its own tracker (and, through `worker`, its own workers) on the shared store. */
function processOn(store: MemoryJobStore, clock: FakeClock, options: Partial<TrackerOptions> = {}) {
  const tracker = createTracker({ store, clock, recoverIntervalMs: false, ...options });
  const worker = (options: Omit<WorkerOptions, 'tracker'>): Worker => {
    const made = createWorker({ tracker, pollIntervalMs: 100, recoverIntervalMs: 3_600_000, ...options });
    workers.push({ worker: made, clock });
    return made.start();
  };
  return { tracker, worker };
}

/** Handlers that take `ms` of fake time and record what runs when. */
function recorder(clock: FakeClock, ms: number) {
  let running = 0;
  let most = 0;
  const runningByGroup = new Map<string | null, number>();
  let mostInOneGroup = 0;
  const starts: Array<{ at: number; group: string | null; id: string }> = [];
  const handler = async (ctx: JobContext): Promise<void> => {
    running++;
    most = Math.max(most, running);
    const group = ctx.job.group;
    runningByGroup.set(group, (runningByGroup.get(group) ?? 0) + 1);
    mostInOneGroup = Math.max(mostInOneGroup, runningByGroup.get(group)!);
    starts.push({ at: clock.now(), group, id: ctx.job.id });
    await new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    runningByGroup.set(group, runningByGroup.get(group)! - 1);
    running--;
  };
  return {
    handler,
    starts,
    get most() {
      return most;
    },
    get mostInOneGroup() {
      return mostInOneGroup;
    },
    resetMost() {
      most = running;
    },
  };
}

async function completedCount(tracker: Tracker, type: string): Promise<number> {
  return (await tracker.stats({ type })).byStatus.completed;
}

describe('flow control through workers', () => {
  it('maxRunning holds across four workers of four trackers: never above it, every job once', async () => {
    const clock = createFakeClock(T0);
    const store = new MemoryJobStore();
    const first = processOn(store, clock, { types: { crawl: { maxRunning: 3 } } });
    const record = recorder(clock, 50);
    for (let i = 0; i < 4; i++) {
      const process = i === 0 ? first : processOn(store, clock);
      process.worker({ handlers: { crawl: record.handler }, concurrency: 5 });
    }
    for (let i = 0; i < 200; i++) await first.tracker.enqueue('crawl', { i });
    for (let step = 0; step < 200 && (await completedCount(first.tracker, 'crawl')) < 200; step++) await clock.advance(100);
    expect(await completedCount(first.tracker, 'crawl')).toBe(200);
    expect(record.most).toBe(3);
    expect(new Set(record.starts.map((start) => start.id)).size).toBe(200);
    expect(record.starts).toHaveLength(200);
  });

  it('maxRunningPerGroup 1 with five groups: never two of a group at once, and a busy group starves no other', async () => {
    const clock = createFakeClock(T0);
    const store = new MemoryJobStore();
    const { tracker, worker } = processOn(store, clock, { types: { sync: { maxRunningPerGroup: 1 } } });
    const record = recorder(clock, 100);
    // Group a's backlog is older than everyone else's: in plain claim order it would run first, all of it.
    for (let i = 0; i < 40; i++) await tracker.enqueue('sync', { i }, { group: 'a' });
    await clock.advance(1);
    for (const group of ['b', 'c', 'd', 'e']) for (let i = 0; i < 5; i++) await tracker.enqueue('sync', { i }, { group });
    worker({ handlers: { sync: record.handler }, concurrency: 2 });
    processOn(store, clock).worker({ handlers: { sync: record.handler }, concurrency: 2 });
    for (let step = 0; step < 100 && (await completedCount(tracker, 'sync')) < 60; step++) await clock.advance(100);
    expect(await completedCount(tracker, 'sync')).toBe(60);
    expect(record.mostInOneGroup).toBe(1);
    // The bound (docs/design.md, "Flow control"): while groups have due jobs, the next start goes
    // to the group whose latest start is oldest, so among any five consecutive starts while all
    // five groups have due jobs, no group starts twice.
    const groups = record.starts.map((start) => start.group);
    const whileAllDue = groups.slice(0, 25);
    for (let i = 0; i + 5 <= whileAllDue.length; i++) expect(new Set(whileAllDue.slice(i, i + 5)).size).toBe(5);
    expect(new Set(groups.slice(0, 5))).toEqual(new Set(['a', 'b', 'c', 'd', 'e']));
  });

  it('rateLimit 10 per 1000 ms: over 10 s, never more than 10 starts in any 1 s window', async () => {
    const clock = createFakeClock(T0);
    const store = new MemoryJobStore();
    const { tracker, worker } = processOn(store, clock, { types: { mail: { rateLimit: { limit: 10, intervalMs: 1000 } } } });
    const record = recorder(clock, 10);
    for (let i = 0; i < 300; i++) await tracker.enqueue('mail', { i });
    worker({ handlers: { mail: record.handler }, concurrency: 50 });
    processOn(store, clock).worker({ handlers: { mail: record.handler }, concurrency: 50 });
    await clock.advance(10_000);
    const times = record.starts.map((start) => start.at);
    for (const at of times) expect(times.filter((other) => other > at - 1000 && other <= at).length).toBeLessThanOrEqual(10);
    // Fake time: the limit is used, not merely respected by doing nothing (11 windows started in 10 s).
    expect(times.length).toBeGreaterThanOrEqual(100);
    expect(times.length).toBeLessThanOrEqual(110);
  });

  it('a pause from another process holds queued jobs (running ones finish) until resumed', async () => {
    const clock = createFakeClock(T0);
    const store = new MemoryJobStore();
    const { tracker, worker } = processOn(store, clock);
    const operator = processOn(store, clock).tracker;
    const record = recorder(clock, 500);
    for (let i = 0; i < 6; i++) await tracker.enqueue('report', { i });
    worker({ handlers: { report: record.handler }, concurrency: 2 });
    await clock.advance(10);
    expect(record.starts).toHaveLength(2);
    await operator.pauseType('report');
    await clock.advance(5_000);
    // The two running when it paused finished; nothing else started.
    expect(record.starts).toHaveLength(2);
    expect(await completedCount(tracker, 'report')).toBe(2);
    const waiting = (await tracker.list({ type: 'report', status: 'queued' })).jobs;
    expect(waiting).toHaveLength(4);
    expect((await tracker.get(waiting[0]!.id))?.waitingFor).toBe('paused');
    // Enqueue still works while paused.
    await tracker.enqueue('report', { i: 6 });
    await operator.resumeType('report');
    await clock.advance(3_000);
    expect(await completedCount(tracker, 'report')).toBe(7);
  });

  it('limits changed at run time in another process take effect without a restart', async () => {
    const clock = createFakeClock(T0);
    const store = new MemoryJobStore();
    const { tracker, worker } = processOn(store, clock);
    const operator = processOn(store, clock).tracker;
    await operator.setTypeLimits('resize', { maxRunning: 1 });
    const record = recorder(clock, 100);
    for (let i = 0; i < 60; i++) await tracker.enqueue('resize', { i });
    worker({ handlers: { resize: record.handler }, concurrency: 10 });
    await clock.advance(1_000);
    expect(record.most).toBe(1);
    await operator.setTypeLimits('resize', { maxRunning: 4 });
    record.resetMost();
    await clock.advance(1_000);
    expect(record.most).toBe(4);
    await operator.setTypeLimits('resize', {});
    record.resetMost();
    await clock.advance(1_000);
    expect(record.most).toBe(10);
  });
});
