import { uniqueName } from '@jobtrail/core/testing';
import { createTracker, type Job, type Tracker } from '@jobtrail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionString, createTestStore, type TestStore } from './support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from './support/worker-processes.js';

let db: TestStore;
let tracker: Tracker;
const processes: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestStore('schedules_multi_process');
  tracker = createTracker({ store: db.store });
});

afterAll(async () => {
  await Promise.all(processes.map((worker) => worker.kill()));
  await tracker.close();
  await db.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function jobsOf(type: string): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await tracker.list({ type, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    jobs.push(...(page.jobs as Job[]));
    if (page.nextCursor === null) return jobs;
    cursor = page.nextCursor;
  }
}

describe('a schedule fired by several worker processes on one database', () => {
  it("3 processes, every: '1s' for 20 s, one killed mid-way: each tick's job exists once, none missing", async () => {
    const type = uniqueName('sched.mp');
    const name = uniqueName('every-second');
    const started = new Map<string, number>();
    for (let i = 0; i < 3; i++) {
      const worker = startWorkerProcess(
        {
          connectionString: connectionString(),
          schema: db.schema,
          workerId: `sched-worker-${i}`,
          types: [type],
          concurrency: 5,
          handlerDelayMs: 0,
          leaseMs: 2_000,
          recoverIntervalMs: 200,
        },
        (ids) => {
          for (const id of ids) started.set(id, (started.get(id) ?? 0) + 1);
        },
      );
      processes.push(worker);
    }
    await Promise.all(processes.map((worker) => worker.ready));
    // 'all' with 'allow': a tick is never given up, however slow this machine, so "none missing" is exact.
    const schedule = await tracker.schedule(name, { type, every: '1s', catchUp: 'all', overlap: 'allow' });
    const first = schedule.nextRunAt!.getTime();
    await sleep(8_000);
    await processes[0]!.kill();
    await sleep(12_000);
    await tracker.pauseSchedule(name);
    // Let the survivors finish what was claimed before the pause.
    const lastRunAt = async () => (await tracker.getSchedule(name))!.lastRunAt!.getTime();
    const last = await lastRunAt();
    for (let i = 0; i < 100; i++) {
      const jobs = await jobsOf(type);
      if (jobs.length === (last - first) / 1000 + 1 && jobs.every((job) => job.status === 'completed')) break;
      await sleep(200);
    }
    const jobs = await jobsOf(type);
    const ticks = jobs.map((job) => job.scheduledFor!.getTime()).sort((a, b) => a - b);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks).toEqual(Array.from({ length: (last - first) / 1000 + 1 }, (_, k) => first + k * 1000));
    expect(ticks.length).toBeGreaterThanOrEqual(18);
    expect(jobs.every((job) => job.scheduleName === name && job.status === 'completed')).toBe(true);
    // Every job's handler ran; more than once only for a job the killed process had started.
    expect(jobs.every((job) => (started.get(job.id) ?? 0) >= 1)).toBe(true);
    expect([...started.values()].filter((count) => count > 1).length).toBeLessThanOrEqual(5);
    expect(processes.slice(1).flatMap((worker) => worker.errors)).toEqual([]);
  });
});
