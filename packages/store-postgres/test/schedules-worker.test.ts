import { uniqueName } from '@jobtrail/core/testing';
import { createTracker, createWorker, type Job, type JobContext, type Tracker, type Worker } from '@jobtrail/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from './support/test-database.js';

let db: TestStore;
let tracker: Tracker;
const workers: Worker[] = [];

beforeAll(async () => {
  db = await createTestStore('schedules_worker');
  tracker = createTracker({ store: db.store });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
});

afterAll(async () => {
  await tracker.close();
  await db.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function jobsOf(type: string): Promise<Job[]> {
  const page = await tracker.list({ type, limit: 1000 });
  return (page.jobs as Job[]).sort((a, b) => a.scheduledFor!.getTime() - b.scheduledFor!.getTime());
}

/** Waits (up to 30 s) until `done` holds; the assertions that follow say what was wrong if not. */
async function waitFor(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 150 && !(await done()); i++) await sleep(200);
}

describe('a worker firing schedules on PostgreSQL', () => {
  it('isolates workflows: a schedule whose handler always throws and one whose handler hangs never delay a healthy one', async () => {
    const healthy = uniqueName('healthy');
    const throws = uniqueName('throws');
    const hangs = uniqueName('hangs');
    const worker = createWorker({
      tracker,
      concurrency: { [healthy]: 1, [throws]: 1, [hangs]: 1 },
      handlers: {
        [healthy]: async (ctx: JobContext<{ batch: number }>) => ({ processed: ctx.job.payload.batch }),
        [throws]: async () => {
          throw new Error('always broken');
        },
        [hangs]: { handler: () => new Promise(() => {}), timeoutMs: 1_500 },
      },
    }).start();
    workers.push(worker);
    // 'all' with 'allow' for the healthy one: every tick must fire and complete, however slow the machine.
    const created = await tracker.schedule(healthy, { type: healthy, every: '1s', payload: { batch: 50 }, catchUp: 'all', overlap: 'allow' });
    await tracker.schedule(throws, { type: throws, every: '1s' });
    await tracker.schedule(hangs, { type: hangs, every: '1s' });
    await sleep(6_000);
    for (const name of [healthy, throws, hangs]) await tracker.pauseSchedule(name);
    const last = (await tracker.getSchedule(healthy))!.lastRunAt!.getTime();
    const first = created.nextRunAt!.getTime();
    const expected = (last - first) / 1000 + 1;
    await waitFor(async () => {
      const jobs = await jobsOf(healthy);
      return jobs.length === expected && jobs.every((job) => job.status === 'completed');
    });
    const jobs = await jobsOf(healthy);
    expect(expected).toBeGreaterThanOrEqual(4);
    expect(jobs.map((job) => job.scheduledFor!.getTime())).toEqual(Array.from({ length: expected }, (_, k) => first + k * 1000));
    expect(jobs.every((job) => job.status === 'completed' && (job.result as { processed: number }).processed === 50)).toBe(true);
    expect((await jobsOf(throws)).some((job) => job.error?.message === 'always broken')).toBe(true);
    await waitFor(async () => (await jobsOf(hangs)).some((job) => job.error?.code === 'job_timeout'));
    expect((await jobsOf(hangs)).some((job) => job.error?.code === 'job_timeout')).toBe(true);
  });

  it("overlap 'skip' with a handler slower than the interval: never two running at once", async () => {
    const type = uniqueName('slow');
    let running = 0;
    let most = 0;
    const worker = createWorker({
      tracker,
      concurrency: 10,
      handlers: {
        [type]: async () => {
          running++;
          most = Math.max(most, running);
          await sleep(1_500);
          running--;
        },
      },
    }).start();
    workers.push(worker);
    await tracker.schedule(type, { type, every: '1s' });
    await sleep(6_000);
    await tracker.pauseSchedule(type);
    await waitFor(async () => (await jobsOf(type)).every((job) => job.status === 'completed'));
    const jobs = await jobsOf(type);
    expect(most).toBe(1);
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < jobs.length; i++) expect(jobs[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(jobs[i - 1]!.finishedAt!.getTime());
  });
});
