import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { JobStore } from '../store/job-store.js';
import { queryAll } from '../testing/store-contract-options.js';
import { createFakeClock, type FakeClock } from '../testing/fake-clock.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import { createWorker, type Worker } from './worker.js';
import type { WorkerOptions } from './worker-options.js';
import type { JobContext } from '../tracker/job-context.js';

/** Started workers, stopped after each test (hanging handlers let go as the fake clock passes their grace). */
const started: Array<{ worker: Worker; clock: FakeClock }> = [];

afterEach(async () => {
  await Promise.all(
    started.splice(0).map(async ({ worker, clock }) => {
      let stopped = false;
      const stopping = worker.stop().then(() => (stopped = true));
      while (!stopped) await clock.advance(1000);
      await stopping;
    }),
  );
});

function setup(start: number, store: JobStore = new MemoryJobStore()) {
  const clock = createFakeClock(start);
  const tracker = createTracker({ store, clock, recoverIntervalMs: false });
  const errors: unknown[] = [];
  tracker.on('error', (error) => errors.push(error));
  const worker = (options: Omit<WorkerOptions, 'tracker'>): Worker => {
    // An hourly claim poll: jobs are claimed on the store's wake-ups, so days of fake time stay cheap.
    const made = createWorker({ tracker, pollIntervalMs: 3_600_000, recoverIntervalMs: 3_600_000, ...options });
    started.push({ worker: made, clock });
    return made.start();
  };
  return { clock, store, tracker, worker, errors };
}

async function jobsOf(tracker: Tracker, type: string): Promise<Job[]> {
  return (await queryAll(tracker.store, { type: [type] })).sort((a, b) => a.scheduledFor!.getTime() - b.scheduledFor!.getTime());
}

const iso = (jobs: Job[]) => jobs.map((job) => job.scheduledFor!.toISOString());

describe('the worker fires schedules', () => {
  describe('across daylight saving time, with a fake clock (Vixie cron rule, as croner applies it)', () => {
    it("'0 2 * * *' in Europe/Berlin: 2026-03-29's missing 02:00 fires at 03:00 CEST, 2026-10-25's repeated 02:00 fires once", async () => {
      const { clock, tracker, worker } = setup(Date.UTC(2026, 2, 27, 12));
      const done: string[] = [];
      worker({ handlers: { nightly: async (ctx) => void done.push(ctx.job.scheduledFor!.toISOString()) } });
      await tracker.schedule('berlin.nightly', { type: 'nightly', cron: '0 2 * * *', timezone: 'Europe/Berlin' });
      await clock.advance(4 * 86_400_000);
      const spring = await jobsOf(tracker, 'nightly');
      expect(iso(spring)).toEqual([
        '2026-03-28T01:00:00.000Z', // 02:00 CET
        '2026-03-29T01:00:00.000Z', // 02:00 does not exist: 03:00 CEST, the first instant after the gap
        '2026-03-30T00:00:00.000Z', // 02:00 CEST
        '2026-03-31T00:00:00.000Z',
      ]);
      expect(spring.map((job) => job.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
      expect(done).toEqual(iso(spring));

      const autumn = setup(Date.UTC(2026, 9, 23, 12));
      autumn.worker({ handlers: { nightly: async () => {} } });
      await autumn.tracker.schedule('berlin.nightly', { type: 'nightly', cron: '0 2 * * *', timezone: 'Europe/Berlin' });
      await autumn.clock.advance(4 * 86_400_000);
      expect(iso(await jobsOf(autumn.tracker, 'nightly'))).toEqual([
        '2026-10-24T00:00:00.000Z', // 02:00 CEST
        '2026-10-25T00:00:00.000Z', // 02:00 CEST, the first of the two 02:00s; the second (01:00Z) does not fire
        '2026-10-26T01:00:00.000Z', // 02:00 CET
        '2026-10-27T01:00:00.000Z',
      ]);
    });

    it("'0 2 * * *' in America/New_York across 2026-03-08 and 2026-11-01", async () => {
      const spring = setup(Date.UTC(2026, 2, 6, 12));
      spring.worker({ handlers: { nightly: async () => {} } });
      await spring.tracker.schedule('ny.nightly', { type: 'nightly', cron: '0 2 * * *', timezone: 'America/New_York' });
      await spring.clock.advance(4 * 86_400_000);
      expect(iso(await jobsOf(spring.tracker, 'nightly'))).toEqual([
        '2026-03-07T07:00:00.000Z', // 02:00 EST
        '2026-03-08T07:00:00.000Z', // 02:00 does not exist: 03:00 EDT
        '2026-03-09T06:00:00.000Z', // 02:00 EDT
        '2026-03-10T06:00:00.000Z',
      ]);

      const autumn = setup(Date.UTC(2026, 9, 30, 12));
      autumn.worker({ handlers: { nightly: async () => {} } });
      await autumn.tracker.schedule('ny.nightly', { type: 'nightly', cron: '0 2 * * *', timezone: 'America/New_York' });
      await autumn.clock.advance(4 * 86_400_000);
      expect(iso(await jobsOf(autumn.tracker, 'nightly'))).toEqual([
        '2026-10-31T06:00:00.000Z', // 02:00 EDT
        '2026-11-01T07:00:00.000Z', // 02:00 EST: 01:00-02:00 repeats, 02:00 itself happens once
        '2026-11-02T07:00:00.000Z',
        '2026-11-03T07:00:00.000Z',
      ]);
    });

    it("'every: 90s' keeps its 90 s spacing through both Berlin changes", async () => {
      for (const start of [Date.UTC(2026, 2, 29, 0, 30), Date.UTC(2026, 9, 25, 0, 0)]) {
        const { clock, tracker, worker } = setup(start);
        worker({ handlers: { tick: async () => {} } });
        await tracker.schedule('every.90s', { type: 'tick', every: '90s', overlap: 'allow' });
        await clock.advance(2 * 3_600_000 + 1); // two hours spanning the change
        const times = (await jobsOf(tracker, 'tick')).map((job) => job.scheduledFor!.getTime());
        expect(times).toEqual(Array.from({ length: 81 }, (_, k) => start + k * 90_000));
      }
    });
  });

  it('sleeps until the next tick instead of polling, and wakes at once when a schedule changes', async () => {
    const store = new MemoryJobStore();
    let dueReads = 0;
    const dueSchedules = store.dueSchedules.bind(store);
    store.dueSchedules = (now, limit) => {
      dueReads++;
      return dueSchedules(now, limit);
    };
    const { clock, tracker, worker } = setup(Date.UTC(2026, 0, 1, 0, 0, 30), store);
    worker({ handlers: { hourly: async () => {} } });
    await clock.advance(0);
    await tracker.schedule('hourly', { type: 'hourly', cron: '0 * * * *' });
    await clock.advance(0);
    expect(await jobsOf(tracker, 'hourly')).toHaveLength(0); // first tick at 01:00
    const before = dueReads;
    await clock.advance(3_600_000);
    expect(iso(await jobsOf(tracker, 'hourly'))).toEqual(['2026-01-01T01:00:00.000Z']);
    // One pass per minute at most (the safety net for lost wake-ups), not one per poll interval.
    expect(dueReads - before).toBeLessThanOrEqual(62);
    await tracker.schedule('soon', { type: 'hourly', every: '10m' });
    await clock.advance(0);
    expect((await jobsOf(tracker, 'hourly')).map((job) => job.scheduleName)).toEqual(['hourly', 'soon']);
  });

  it("overlap 'skip' with a handler slower than the interval: never two running at once", async () => {
    const { clock, tracker, worker } = setup(Date.UTC(2026, 0, 1));
    let running = 0;
    let most = 0;
    worker({
      concurrency: 10,
      handlers: {
        slow: async () => {
          running++;
          most = Math.max(most, running);
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 2_500));
          running--;
        },
      },
    });
    await tracker.schedule('slow.every.second', { type: 'slow', every: '1s' });
    await clock.advance(20_000);
    const jobs = await jobsOf(tracker, 'slow');
    expect(most).toBe(1);
    expect(jobs.length).toBeGreaterThanOrEqual(5);
    // Each job starts only after the previous one finished: the ticks in between were skipped.
    for (let i = 1; i < jobs.length; i++) {
      if (jobs[i - 1]!.finishedAt !== null && jobs[i]!.startedAt !== null) {
        expect(jobs[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(jobs[i - 1]!.finishedAt!.getTime());
      }
    }
    expect(jobs.slice(0, -1).every((job) => job.status === 'completed')).toBe(true);
  });

  it('isolates workflows: a schedule whose handler always throws and one whose handler hangs never delay a healthy one', async () => {
    const { clock, tracker, worker } = setup(Date.UTC(2026, 0, 1));
    const healthyRuns: number[] = [];
    worker({
      concurrency: { healthy: 1, throws: 1, hangs: 1 },
      handlers: {
        healthy: async (ctx: JobContext<{ batch: number }>) => {
          const { batch } = ctx.job.payload;
          ctx.progress(1, { current: batch, total: batch });
          healthyRuns.push(ctx.job.scheduledFor!.getTime());
        },
        throws: async () => {
          throw new Error('always broken');
        },
        hangs: { handler: () => new Promise(() => {}), timeoutMs: 1_500 },
      },
    });
    await tracker.schedule('healthy', { type: 'healthy', every: '1s', payload: { batch: 100 } });
    await tracker.schedule('throws', { type: 'throws', every: '1s' });
    await tracker.schedule('hangs', { type: 'hangs', every: '1s' });
    await clock.advance(20_000);
    const start = Date.UTC(2026, 0, 1);
    expect(healthyRuns).toEqual(Array.from({ length: 21 }, (_, k) => start + k * 1000));
    const healthy = await jobsOf(tracker, 'healthy');
    expect(healthy.every((job) => job.status === 'completed')).toBe(true);
    expect((await jobsOf(tracker, 'hangs')).some((job) => job.error?.code === 'job_timeout')).toBe(true);
    expect((await jobsOf(tracker, 'throws')).some((job) => job.error?.message === 'always broken')).toBe(true);
  });

  it('keeps firing healthy schedules while one cannot be fired at all, retrying that one with backoff', async () => {
    const store = new MemoryJobStore();
    const insert = store.insert.bind(store);
    store.insert = (job, options) => (job.type === 'unstorable' ? Promise.reject(new Error('disk full for this type')) : insert(job, options));
    const { clock, tracker, worker, errors } = setup(Date.UTC(2026, 0, 1), store);
    worker({ handlers: { fine: async () => {}, unstorable: async () => {} } });
    await tracker.schedule('broken', { type: 'unstorable', every: '1s' });
    await tracker.schedule('fine', { type: 'fine', every: '1s' });
    await clock.advance(30_000);
    expect(await jobsOf(tracker, 'fine')).toHaveLength(31);
    // Its claimed tick is retried after 1, 2, 4, 8, 16 s: a handful of reports, not one per pass.
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.length).toBeLessThanOrEqual(7);
    expect((await tracker.getSchedule('broken'))?.lastRunAt).not.toBeNull();
  });

  it('keeps firing a healthy schedule behind 150 broken ones, without spinning', async () => {
    const store = new MemoryJobStore();
    const insert = store.insert.bind(store);
    store.insert = (job, options) => (job.type === 'bad' ? Promise.reject(new Error('refused')) : insert(job, options));
    let dueReads = 0;
    const dueSchedules = store.dueSchedules.bind(store);
    store.dueSchedules = (now, limit) => {
      dueReads++;
      return dueSchedules(now, limit);
    };
    const { clock, tracker, worker } = setup(Date.UTC(2026, 0, 1), store);
    for (let i = 0; i < 150; i++) await tracker.schedule(`bad.${String(i).padStart(3, '0')}`, { type: 'bad', every: '1s' });
    await tracker.schedule('good', { type: 'good', every: '2s' });
    worker({ handlers: { good: async () => {}, bad: async () => {} } });
    await clock.advance(40_000);
    expect((await jobsOf(tracker, 'good')).length).toBeGreaterThanOrEqual(20);
    // Passes at the healthy schedule's ticks and the broken ones' backoff ends, not a busy loop.
    expect(dueReads).toBeLessThan(400);
  });

  it('stops between schedules when the worker stops during a long pass, within the grace period', async () => {
    const store = new MemoryJobStore();
    const insert = store.insert.bind(store);
    let inserts = 0;
    let hang = false;
    store.insert = (job, options) => {
      inserts++;
      return hang ? new Promise(() => {}) : new Promise((resolve) => clock.setTimeout(() => resolve(insert(job, options)), 10));
    };
    const { clock, tracker } = setup(Date.UTC(2026, 0, 1), store);
    for (let i = 0; i < 400; i++) await tracker.schedule(`s.${i}`, { type: 'tick', every: '1h' });
    const made = createWorker({ tracker, handlers: { tick: async () => {} }, pollIntervalMs: 3_600_000, shutdownGraceMs: 5_000 }).start();
    await clock.advance(50);
    const stopping = made.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await clock.advance(200);
    expect(stopped).toBe(true);
    const afterStop = inserts;
    await clock.advance(10_000);
    expect(inserts).toBe(afterStop);
    expect(afterStop).toBeLessThan(100);

    // A store whose insert never answers: stop() still ends, after the grace period.
    hang = true;
    const second = createWorker({ tracker, handlers: { tick: async () => {} }, pollIntervalMs: 3_600_000, shutdownGraceMs: 5_000 }).start();
    await clock.advance(50);
    let secondStopped = false;
    void second.stop().then(() => (secondStopped = true));
    await clock.advance(4_000);
    expect(secondStopped).toBe(false);
    await clock.advance(2_000);
    expect(secondStopped).toBe(true);
  });

  it('fires nothing with schedules: false', async () => {
    const { clock, tracker, worker } = setup(Date.UTC(2026, 0, 1));
    worker({ handlers: { tick: async () => {} }, schedules: false });
    await tracker.schedule('ignored', { type: 'tick', every: '1s' });
    await clock.advance(5_000);
    expect(await jobsOf(tracker, 'tick')).toHaveLength(0);
  });

  it('refuses a non-boolean schedules option', () => {
    const { tracker } = setup(Date.UTC(2026, 0, 1));
    expect(() => createWorker({ tracker, handlers: {}, schedules: 'yes' as never })).toThrow(/schedules/);
  });

  it('reports a pass that fails as a whole and tries again with backoff, not in a loop', async () => {
    const store = new MemoryJobStore();
    let failing = true;
    let reads = 0;
    const dueSchedules = store.dueSchedules.bind(store);
    store.dueSchedules = (now, limit) => {
      reads++;
      return failing ? Promise.reject(new Error('connection reset')) : dueSchedules(now, limit);
    };
    const { clock, tracker } = setup(Date.UTC(2026, 0, 1), store);
    const made = createWorker({ tracker, handlers: { tick: async () => {} }, pollIntervalMs: 3_600_000 });
    started.push({ worker: made, clock });
    const reported: unknown[] = [];
    made.events.on('error', (error) => reported.push(error));
    await tracker.schedule('tick', { type: 'tick', every: '1s' });
    made.start();
    await clock.advance(60_000);
    expect(reads).toBeLessThanOrEqual(10);
    expect(reported.length).toBeGreaterThan(0);
    failing = false;
    await clock.advance(60_000);
    expect((await jobsOf(tracker, 'tick')).length).toBeGreaterThan(0);
  });
});
