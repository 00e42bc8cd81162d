import { createTracker, type Job, type Tracker } from '@jobtrail/core';
import { makeJob, uniqueName } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowWorkerProcessConfig } from './support/flow-worker-process.js';
import { createProbeTableSql, probeKey, probeTable } from './support/flow-probe.js';
import { connectionString, createTestStore, type TestStore } from './support/test-database.js';
import { startFlowWorkerProcess, type WorkerProcess } from './support/worker-processes.js';

/**
 * Flow control with workers in several processes on one database: the limits hold for all of them
 * together, and a pause or a change of limits made in another process (this one) reaches them
 * without a restart. Each worker's handler counts itself in a shared probe table while it runs
 * (see `flow-worker-process.ts`), so the largest number running at once is measured where it
 * happens. Assertions are on what must never happen (a limit exceeded, a job run twice); the
 * time things take is only bounded by generous deadlines.
 */

let db: TestStore;
let tracker: Tracker;
const processes: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestStore('flow_multi_process');
  await db.dataSource.query(createProbeTableSql(db.schema));
  tracker = createTracker({ store: db.store, recoverIntervalMs: false });
});

afterAll(async () => {
  await Promise.all(processes.map((worker) => worker.kill()));
  await tracker.close();
  await db.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function spawn(config: Omit<FlowWorkerProcessConfig, 'connectionString' | 'schema'>, starts: Map<string, number>): WorkerProcess {
  const worker = startFlowWorkerProcess({ connectionString: connectionString(), schema: db.schema, ...config }, (ids) => {
    for (const id of ids) starts.set(id, (starts.get(id) ?? 0) + 1);
  });
  processes.push(worker);
  return worker;
}

async function enqueue(type: string, count: number, fields: (i: number) => Partial<Job> = () => ({})): Promise<string[]> {
  const jobs = Array.from({ length: count }, (_, i) => makeJob({ type, maxAttempts: 5, ...fields(i) }));
  await Promise.all(jobs.map((job) => db.store.insert(job)));
  return jobs.map((job) => job.id);
}

async function statusCounts(type: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const entry of await db.store.count({ type: [type] })) counts[entry.status] = entry.count;
  return counts;
}

async function until(what: string, predicate: () => Promise<boolean>, limitMs = 120_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function waitCompleted(type: string, total: number, limitMs = 120_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if ((await statusCounts(type))['completed'] === total) return;
    await sleep(50);
  }
  throw new Error(`not all ${total} jobs completed in time: ${JSON.stringify(await statusCounts(type))}`);
}

/** Peak count per probe key (see `probeKey`). */
async function peaks(): Promise<Map<string, number>> {
  const rows = (await db.dataSource.query(`SELECT key, peak FROM ${probeTable(db.schema)}`)) as Array<{ key: string; peak: number }>;
  return new Map(rows.map((row) => [row.key, row.peak]));
}

function expectEachRanOnce(ids: readonly string[], starts: Map<string, number>): void {
  expect(ids.filter((id) => starts.get(id) !== 1)).toEqual([]);
  expect(starts.size).toBe(ids.length);
}

async function stopAll(workers: WorkerProcess[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.stop()));
  for (const worker of workers) expect(worker.errors).toEqual([]);
}

describe('flow control across worker processes on one database', () => {
  it('maxRunning: 3 declared by 4 processes: never more than 3 running, 2,000 jobs each run once', async () => {
    const type = uniqueName('flow.mp.max');
    const starts = new Map<string, number>();
    const workers = Array.from({ length: 4 }, (_, i) =>
      spawn({ workerId: `max-${i}`, types: [type], concurrency: 5, handlerDelayMs: 2, probe: 'type', declare: { [type]: { maxRunning: 3 } } }, starts),
    );
    const ids = await enqueue(type, 2000);
    await Promise.all(workers.map((worker) => worker.ready));
    await waitCompleted(type, 2000, 150_000);
    await stopAll(workers);

    const peak = (await peaks()).get(probeKey({ type, group: null, payload: {} }, 'type'));
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(3);
    expectEachRanOnce(ids, starts);
    expect(await statusCounts(type)).toEqual({ completed: 2000 });
    expect(await db.store.getTypeControl(type)).toMatchObject({ maxRunning: 3, paused: false });
  }, 180_000);

  it('maxRunningPerGroup: 1 over 5 groups and 3 processes: never two of one group at once', async () => {
    const type = uniqueName('flow.mp.group');
    const groups = ['g0', 'g1', 'g2', 'g3', 'g4'];
    await tracker.setTypeLimits(type, { maxRunningPerGroup: 1 });
    const starts = new Map<string, number>();
    const workers = Array.from({ length: 3 }, (_, i) => spawn({ workerId: `group-${i}`, types: [type], concurrency: 4, handlerDelayMs: 5, probe: 'group' }, starts));
    const ids = await enqueue(type, 300, (i) => ({ group: groups[i % groups.length]! }));
    await Promise.all(workers.map((worker) => worker.ready));
    await waitCompleted(type, 300);
    await stopAll(workers);

    const measured = await peaks();
    for (const group of groups) {
      const peak = measured.get(probeKey({ type, group, payload: {} }, 'group'));
      expect(peak, group).toBe(1);
    }
    expectEachRanOnce(ids, starts);
  }, 180_000);

  it('a pause made in another process stops claims (running jobs finish), a resume lets the rest run', async () => {
    const type = uniqueName('flow.mp.pause');
    const starts = new Map<string, number>();
    const workers = Array.from({ length: 2 }, (_, i) => spawn({ workerId: `pause-${i}`, types: [type], concurrency: 3, handlerDelayMs: 150, probe: 'type' }, starts));
    await Promise.all(workers.map((worker) => worker.ready));
    const ids = await enqueue(type, 120);
    await until('some jobs started', async () => starts.size >= 6);
    await tracker.pauseType(type);

    // What was claimed before the pause runs to the end; then nothing more starts.
    await until('the running jobs finished', async () => ((await statusCounts(type))['running'] ?? 0) === 0);
    const atPause = await statusCounts(type);
    const claimedBeforePause = atPause['completed'] ?? 0;
    expect(claimedBeforePause).toBeGreaterThanOrEqual(6);
    expect(claimedBeforePause).toBeLessThan(120);
    // Longer than the workers' poll interval (1 s), twice over: a claim would have come by now.
    await sleep(2_500);
    expect(await statusCounts(type)).toEqual(atPause);
    expect(atPause['queued']).toBe(120 - claimedBeforePause);
    expect((await tracker.get(ids.find((id) => !starts.has(id))!))?.waitingFor).toBe('paused');

    await tracker.resumeType(type);
    await waitCompleted(type, 120);
    await stopAll(workers);
    expectEachRanOnce(ids, starts);
  }, 120_000);

  it('limits changed in another process take effect without restarting the workers', async () => {
    const type = uniqueName('flow.mp.change');
    await tracker.setTypeLimits(type, { maxRunning: 1 });
    const starts = new Map<string, number>();
    const workers = Array.from({ length: 2 }, (_, i) => spawn({ workerId: `change-${i}`, types: [type], concurrency: 5, handlerDelayMs: 40, probe: 'type' }, starts));
    await Promise.all(workers.map((worker) => worker.ready));

    const first = await enqueue(type, 20, () => ({ payload: { phase: 1 } }));
    await waitCompleted(type, 20);
    // Raised: the workers (woken by the change) run up to 4 at once from now on.
    await tracker.setTypeLimits(type, { maxRunning: 4 });
    const second = await enqueue(type, 60, () => ({ payload: { phase: 2 } }));
    await waitCompleted(type, 80);
    // Lowered back, and raised limits are read again just as well.
    await tracker.setTypeLimits(type, { maxRunning: 2 });
    const third = await enqueue(type, 30, () => ({ payload: { phase: 3 } }));
    await waitCompleted(type, 110);
    await stopAll(workers);

    const measured = await peaks();
    const peakOf = (phase: number) => measured.get(probeKey({ type, group: null, payload: { phase } }, 'type'));
    expect(peakOf(1)).toBe(1);
    expect(peakOf(2)).toBeGreaterThan(1);
    expect(peakOf(2)).toBeLessThanOrEqual(4);
    expect(peakOf(3)).toBeLessThanOrEqual(2);
    expectEachRanOnce([...first, ...second, ...third], starts);
  }, 180_000);

  it('rate limit 10 per second on real time, 2 processes: never more than 10 starts in any 1 s window', async () => {
    const type = uniqueName('flow.mp.rate');
    await tracker.setTypeLimits(type, { rateLimit: { limit: 10, intervalMs: 1000 } });
    const starts = new Map<string, number>();
    const workers = Array.from({ length: 2 }, (_, i) => spawn({ workerId: `rate-${i}`, types: [type], concurrency: 5, handlerDelayMs: 0, probe: 'type' }, starts));
    await Promise.all(workers.map((worker) => worker.ready));
    const ids = await enqueue(type, 70);
    await waitCompleted(type, 70);
    await stopAll(workers);

    const jobs = await Promise.all(ids.map((id) => db.store.get(id)));
    const times = jobs.map((job) => job!.startedAt!.getTime()).sort((a, b) => a - b);
    // Every window (t - 1000, t] ending at a start: the starts in it.
    let busiest = 0;
    for (let end = 0, begin = 0; end < times.length; end++) {
      while (times[begin]! <= times[end]! - 1000) begin++;
      busiest = Math.max(busiest, end - begin + 1);
    }
    expect(busiest).toBeLessThanOrEqual(10);
    // What that means for the whole run: 70 starts, 10 a second at most, take 6 s at least.
    expect(times[times.length - 1]! - times[0]!).toBeGreaterThanOrEqual(6_000);
    expectEachRanOnce(ids, starts);
  }, 120_000);
});
