import { makeJob, uniqueName } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionString, createTestStore, type TestStore } from './support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from './support/worker-processes.js';

let db: TestStore;
const processes: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestStore('multi_process');
});

afterAll(async () => {
  await Promise.all(processes.map((worker) => worker.kill()));
  await db.drop();
});

async function enqueue(type: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; offset < count; offset += 2000) {
    const jobs = Array.from({ length: Math.min(2000, count - offset) }, () => makeJob({ type, maxAttempts: 5 }));
    const results = await Promise.all(jobs.map((job) => db.store.insert(job)));
    for (const result of results) ids.push(result.job.id);
  }
  return ids;
}

async function statusCounts(type: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const entry of await db.store.count({ type: [type] })) counts[entry.status] = entry.count;
  return counts;
}

async function waitUntilCompleted(type: string, total: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if ((await statusCounts(type))['completed'] === total) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not all ${total} jobs completed in time: ${JSON.stringify(await statusCounts(type))}`);
}

function spawnWorker(
  type: string,
  workerId: string,
  starts: Map<string, number>,
  overrides: { handlerDelayMs?: number; leaseMs?: number; concurrency?: number } = {},
): WorkerProcess {
  const worker = startWorkerProcess(
    {
      connectionString: connectionString(),
      schema: db.schema,
      workerId,
      types: [type],
      concurrency: overrides.concurrency ?? 25,
      handlerDelayMs: overrides.handlerDelayMs ?? 0,
      leaseMs: overrides.leaseMs ?? 30_000,
      recoverIntervalMs: 200,
    },
    (ids) => {
      for (const id of ids) starts.set(id, (starts.get(id) ?? 0) + 1);
    },
  );
  processes.push(worker);
  return worker;
}

describe('several worker processes on one database', () => {
  it('4 processes complete 20,000 jobs, each exactly once', async () => {
    const type = uniqueName('mp.exactly-once');
    const starts = new Map<string, number>();
    const t0 = Date.now();
    // Workers boot while the jobs go in: they start claiming as soon as they are up.
    const workers = Array.from({ length: 4 }, (_, i) => spawnWorker(type, `mp-worker-${i}`, starts));
    const ids = await enqueue(type, 20_000);
    const t1 = Date.now();
    await Promise.all(workers.map((worker) => worker.ready));
    const t2 = Date.now();
    await waitUntilCompleted(type, 20_000, 120_000);
    const t3 = Date.now();
    await Promise.all(workers.map((worker) => worker.stop()));
    if (process.env['JOBTRAIL_TEST_VERBOSE']) {
      console.log(`enqueued in ${t1 - t0} ms, workers ready after ${t2 - t0} ms, all completed after ${t3 - t0} ms, stopped after ${Date.now() - t0} ms`);
    }

    expect(new Set(ids).size).toBe(20_000);
    expect(starts.size).toBe(20_000);
    expect([...starts].filter(([, count]) => count !== 1)).toEqual([]);
    expect(ids.filter((id) => !starts.has(id))).toEqual([]);
    expect(await statusCounts(type)).toEqual({ completed: 20_000 });
    for (const worker of workers) expect(worker.errors).toEqual([]);
  }, 180_000);

  it('recovers the jobs of a worker killed with SIGKILL; only its leased jobs run again', async () => {
    const type = uniqueName('mp.crash');
    const total = 2000;
    await enqueue(type, total);
    const starts = new Map<string, number>();
    // Slow handlers and a short lease: the crash leaves jobs leased, and they expire quickly.
    const doomed = spawnWorker(type, 'crash-victim', starts, { handlerDelayMs: 20, leaseMs: 1500, concurrency: 20 });
    await doomed.ready;
    while ([...starts.values()].length < 300) await new Promise((resolve) => setTimeout(resolve, 10));
    await doomed.kill();

    const leasedByVictim = (await db.store.query({ type: [type], status: ['running'], limit: 1000 })).jobs.filter(
      (job) => job.lease?.owner === 'crash-victim',
    );
    expect(leasedByVictim.length).toBeGreaterThan(0);
    const victimStarted = new Set(starts.keys());

    const rescuer = spawnWorker(type, 'rescuer', starts, { concurrency: 25 });
    await rescuer.ready;
    await waitUntilCompleted(type, total, 60_000);
    await rescuer.stop();

    expect(await statusCounts(type)).toEqual({ completed: total });
    expect(starts.size).toBe(total);
    const rerun = [...starts].filter(([, count]) => count > 1).map(([id]) => id);
    expect(rerun.length).toBeLessThanOrEqual(leasedByVictim.length);
    const leasedIds = new Set(leasedByVictim.map((job) => job.id));
    for (const id of rerun) {
      expect(victimStarted.has(id)).toBe(true);
      expect(leasedIds.has(id)).toBe(true);
    }
    // A job the victim was running is either run again (attempt 2), or its outcome reached the
    // database just before the kill took effect (attempt 1, and it ran once): never both, never
    // lost. That every job completed proves the rest were recovered: their leases never end otherwise.
    // The victim reports a start after its claim commits, so a kill between the two leaves a
    // claimed attempt this test never heard of: attempt 2 with one start seen (the rescuer's).
    const recovered = await Promise.all([...leasedIds].map((id) => db.store.get(id)));
    for (const job of recovered) {
      expect(job?.status).toBe('completed');
      const seen = starts.get(job!.id) ?? 0;
      expect(job!.attempt).toBeLessThanOrEqual(2);
      expect([seen, seen + 1]).toContain(job!.attempt);
    }
    expect(rescuer.errors).toEqual([]);
  }, 120_000);
});
