import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChildWorkers, assertAlive, type ChildWorker } from '../src/child-workers.js';
import { enqueueNumbered, openStoppableFaultDb, type StoppableFaultDb } from '../src/fault-db.js';
import { eventually } from '../src/job-table.js';
import type { StopMode } from '../src/stoppable-postgres.js';
import type { ChildOptions } from '../src/worker-child.js';

/** The worker's lease, much longer than the outage (see the bound in the second test). */
const LEASE_MS = 30_000;
/** How long the database stays down: a fault, not a timing claim. */
const OUTAGE_MS = 3000;

/**
 * Worker-only processes (no HTTP server, nothing else holding the event loop: their IPC channel
 * to the test is unref'd) while PostgreSQL is stopped and started again with pg_ctl. Today such a
 * process exits with code 0 right after the server stops, because every connection dropped and
 * every worker timer is unref'd; a started worker must keep it alive until `stop()`.
 */
describe('processes that only run a worker, while PostgreSQL is stopped and started', () => {
  let db: StoppableFaultDb;
  const children = new ChildWorkers();

  beforeAll(async () => {
    // This test stops the server, so it always starts its own (never DATABASE_URL's).
    db = await openStoppableFaultDb('faults_worker_only');
  });

  afterEach(async () => {
    if (!db.server.isRunning) await db.server.pgCtlStart();
    await children.stopAll();
  });

  afterAll(async () => {
    await db?.close();
  });

  const workerOnly = (extra: Partial<ChildOptions>): ChildOptions => ({
    url: db.server.connectionString,
    schema: db.schema.schema,
    leaseMs: LEASE_MS,
    handlerMs: 5,
    label: 'worker-only',
    unrefIpc: true,
    ...extra,
  });

  /** Down for OUTAGE_MS, checking that every worker process outlives it, then up again. */
  async function outage(mode: StopMode, workers: readonly ChildWorker[]): Promise<void> {
    await db.server.pgCtlStop(mode);
    await sleep(OUTAGE_MS);
    for (const worker of workers) assertAlive(worker, `while the database was down (pg_ctl stop -m ${mode})`);
    await db.server.pgCtlStart();
    await eventually('the job table readable again', () => db.table.reachable(), 60_000);
  }

  /** Jobs of `type` numbered from `from`, run to completed by `worker` (which must stay up meanwhile). */
  async function runJobs(type: string, worker: ChildWorker, count: number, from: number, what: string): Promise<void> {
    await enqueueNumbered(db.producer, type, count, from);
    await children.waitFor(
      `${what}: ${count} ${type} job(s) settled by process ${worker.pid}`,
      (m) => m.filter((x) => x.type === 'settled' && x.pid === worker.pid && x.outcome === 'completed').length >= from + count,
      60_000,
      [worker],
    );
    expect(await db.table.countByStatus(type)).toEqual({ completed: from + count });
  }

  it.each(['fast', 'immediate'] as const)(
    'pg_ctl stop -m %s for ~3 s: the processes stay up and run a job enqueued after the restart (LISTEN on and off)',
    async (mode) => {
      const listening = `faults.${mode}.listen`;
      const polling = `faults.${mode}.poll`;
      const [withListen, withoutListen] = await Promise.all([
        // The store's LISTEN connection is up before the outage, so the outage drops it too.
        children.spawn(workerOnly({ jobType: listening, awaitListen: true })),
        children.spawn(workerOnly({ jobType: polling, store: { listen: false } })),
      ]);
      // Both really work (their pools hold live connections) before the server goes down.
      await runJobs(listening, withListen, 1, 0, 'before the outage');
      await runJobs(polling, withoutListen, 1, 0, 'before the outage');

      await outage(mode, [withListen, withoutListen]);

      await runJobs(listening, withListen, 1, 1, 'after the restart');
      await runJobs(polling, withoutListen, 1, 1, 'after the restart');
      assertAlive(withListen, 'after the restart');
      assertAlive(withoutListen, 'after the restart');
    },
  );

  /**
   * Re-runs of one job, told apart by the attempt number:
   * - a later attempt: the job's lease expired and recovery took it back. The lease in the store
   *   runs at least LEASE_MS - heartbeatMs (30 s - 10 s = 20 s) past the outage's start (the last
   *   renewal before it), and a worker keeps retrying its outcome writes while it holds the lease,
   *   so this cannot happen while outage + restart + reconnect stay under 20 s (here ~3 s plus a
   *   few). Exactly once is asserted for it, whatever the stop mode.
   * - the same attempt again: the claim itself was undone. Claims (and lease renewals) commit
   *   without waiting for the WAL flush (store-postgres `relaxedCommit`). `-m fast` writes a
   *   shutdown checkpoint, so nothing committed is lost and this cannot happen: exactly once
   *   overall is asserted. `-m immediate` is a crash: commits not yet flushed are gone after WAL
   *   replay, the job is `queued` again and is claimed anew with the same attempt number (the
   *   first process's outcome write is then refused: conflict). Any written outcome flushed the
   *   claim before it, so only jobs whose outcome was not yet written can lose their claim: per
   *   worker, its running handlers (CONCURRENCY) plus the outcomes it may have pending before it
   *   stops claiming (the worker's settle backlog, 100 at this size). That is the bound asserted.
   *   A worker takes such a job back when it learns of it first (its next heartbeat, or its
   *   outcome write), so most of these never run twice. With `durability: 'strict'` claims and
   *   renewals wait for the flush, a crash undoes none, and exactly once is asserted.
   */
  const SETTLE_BACKLOG = 100;

  it.each([
    { mode: 'fast' as const, exactlyOnce: true, durability: 'full' as const },
    { mode: 'immediate' as const, exactlyOnce: false, durability: 'full' as const },
    { mode: 'immediate' as const, exactlyOnce: true, durability: 'strict' as const },
  ])('4 worker processes, 3,000 jobs, durability $durability, pg_ctl stop -m $mode mid-run for ~3 s: every job completed, none re-run by lease recovery', async ({
    mode,
    exactlyOnce,
    durability,
  }) => {
    const JOBS = 3000;
    const WORKERS = 4;
    const CONCURRENCY = 10;
    const type = `faults.run.${mode}.${durability}`;
    await enqueueNumbered(db.producer, type, JOBS);
    const workers = await Promise.all(
      Array.from({ length: WORKERS }, (_, k) =>
        // Half of them with LISTEN, half polling only.
        children.spawn(
          workerOnly({
            jobType: type,
            concurrency: CONCURRENCY,
            ...(k % 2 === 0 ? { awaitListen: true, store: { durability } } : { store: { listen: false, durability } }),
          }),
        ),
      ),
    );
    const alive = () => {
      for (const worker of workers) assertAlive(worker, 'during the run');
    };

    await eventually('some hundreds of jobs completed', async () => {
      alive();
      return (await db.table.completed(type)) >= 500;
    }, 90_000, 50);
    const completedBeforeStop = await db.table.completed(type);
    await outage(mode, workers);

    await eventually('every job completed', async () => {
      alive();
      return (await db.table.completed(type)) === JOBS;
    }, 120_000, 200);
    expect(await db.table.countByStatus(type)).toEqual({ completed: JOBS });
    expect(completedBeforeStop, 'the outage hit the middle of the run').toBeLessThan(JOBS);

    // This case's processes only: the earlier cases' jobs are numbered from 0 too.
    const runsByJob = children.runsByJob(new Set(workers.map((worker) => worker.pid)));
    for (let n = 0; n < JOBS; n++) expect(runsByJob.get(n)?.length ?? 0, `job ${n} ran`).toBeGreaterThanOrEqual(1);
    const repeated = [...runsByJob.entries()].filter(([, runs]) => runs.length > 1);
    const recoveredReRuns = repeated.filter(([, runs]) => runs.some((run) => run.attempt !== runs[0]!.attempt));
    const lostClaimReRuns = repeated.filter(([, runs]) => runs.every((run) => run.attempt === runs[0]!.attempt));
    const duplicates = repeated.reduce((sum, [, runs]) => sum + runs.length - 1, 0);
    console.info(
      `[worker-only-restart -m ${mode}, durability ${durability}] ${JOBS} jobs, ${completedBeforeStop} completed before the stop; duplicate handler runs: ` +
        `${duplicates} (${recoveredReRuns.length} jobs re-run by lease recovery, ${lostClaimReRuns.length} jobs re-claimed after a lost claim` +
        `${lostClaimReRuns.length > 0 ? `, e.g. ${JSON.stringify(lostClaimReRuns.slice(0, 2))}` : ''})`,
    );
    const sample = (jobs: typeof repeated) => JSON.stringify(jobs.slice(0, 3));
    expect(
      recoveredReRuns.length,
      `jobs re-run by lease recovery although the outage was far shorter than the lease, e.g. ${sample(recoveredReRuns)}`,
    ).toBe(0);
    expect(lostClaimReRuns.length, `jobs re-claimed after a lost claim, e.g. ${sample(lostClaimReRuns)}`).toBeLessThanOrEqual(
      exactlyOnce ? 0 : WORKERS * (CONCURRENCY + SETTLE_BACKLOG),
    );
    for (const worker of workers) assertAlive(worker, 'after the run');
  });
});
