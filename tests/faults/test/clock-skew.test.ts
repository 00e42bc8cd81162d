import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '@jobtrail/core';
import { ChildWorkers } from '../src/child-workers.js';
import { openFaultDb, type FaultDb } from '../src/fault-db.js';
import { FAULT_JOB, openStack, startWorker, type FaultStack } from '../src/fault-stack.js';
import { eventually } from '../src/job-table.js';
import type { ChildMessage } from '../src/worker-child.js';

/**
 * A worker whose host clock runs ahead. Scaled down from the real case (a clock 40 s ahead, a
 * job delayed 30 s) so the test takes seconds: the child's clock is 8 s ahead and the job is
 * delayed 6 s, so a worker judging due times on its own clock starts it about 6 s early, and a
 * 2 s lease looks expired to it the moment its owner renewed it.
 *
 * The fix under test: every process measures its offset to the database's clock and reads
 * "now" as local time + offset, so leases and due times are judged on one clock.
 */
const SKEW_MS = 8000;
const DELAY_MS = 6000;
const LEASE_MS = 2000;
/** How early (real time) a start may be judged on time: the offset is measured, so off by a little. */
const SLACK_MS = 500;
const LIVE_JOBS = 4;

type Run = Extract<ChildMessage, { type: 'run' }>;
type Sweep = Extract<ChildMessage, { type: 'sweep' }>;

describe('a worker whose clock runs 8 s ahead judges due times and leases on the database clock', () => {
  let db: FaultDb;

  beforeAll(async () => {
    db = await openFaultDb('faults_skew');
  });

  afterAll(async () => {
    await db?.close();
  });

  it('does not start a delayed job before its runAt on the database clock, and records database times', async () => {
    const children = new ChildWorkers();
    try {
      const skewed = await children.spawn({
        url: db.server.connectionString,
        schema: db.schema.schema,
        concurrency: 1,
        leaseMs: LEASE_MS,
        handlerMs: 20,
        label: 'skewed',
        skewMs: SKEW_MS,
      });
      // Enqueued by this (unskewed) process once the skewed worker is polling.
      const job = await db.producer.tracker.enqueue(FAULT_JOB, { n: 0 }, { delayMs: DELAY_MS });
      await children.waitFor('the skewed worker to run the delayed job', (m) => m.some((x) => x.type === 'run' && x.jobId === job.id));
      await eventually('the job to complete', async () => (await db.table.row(job.id))?.['status'] === 'completed');

      const run = children.runs().find((r) => r.jobId === job.id) as Run;
      const row = (await db.table.row(job.id))!;
      const runAt = (row['run_at'] as Date).getTime();
      const startedAt = (row['started_at'] as Date).getTime();
      // When the handler really started, on the database's clock (this host's real time + offset).
      const clock = await db.table.clockOffset();
      const startedReally = run.realAt + clock.offsetMs;
      const slack = SLACK_MS + clock.roundTripMs;

      expect(run.pid).toBe(skewed.pid);
      expect(
        startedReally,
        `the skewed worker started the job ${Math.round(runAt - startedReally)} ms before its runAt (database clock)`,
      ).toBeGreaterThanOrEqual(runAt - slack);
      // The claim stamped startedAt on the database's clock, not on the skewed one.
      expect(
        Math.abs(startedAt - startedReally),
        `startedAt is ${Math.round(startedAt - startedReally)} ms off the real start (database clock)`,
      ).toBeLessThan(SKEW_MS / 2);
      expect(startedAt).toBeGreaterThanOrEqual(runAt);
    } finally {
      await children.stopAll();
    }
  });

  it("does not take over leases a live worker keeps renewing: every job runs exactly once", async () => {
    const children = new ChildWorkers();
    let live: FaultStack | undefined;
    let liveWorker: Worker | undefined;
    try {
      live = await openStack({ url: db.server.connectionString, schema: db.schema.schema });
      const liveRuns: Array<{ jobId: string; attempt: number }> = [];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      liveWorker = startWorker(
        live,
        async (ctx) => {
          liveRuns.push({ jobId: ctx.job.id, attempt: ctx.job.attempt });
          // Holds its lease (renewed by heartbeat) until the skewed worker has swept many times.
          await released;
          return { by: 'live' };
        },
        { concurrency: LIVE_JOBS, leaseMs: LEASE_MS, heartbeatMs: 400 },
      );
      const jobs = await Promise.all(Array.from({ length: LIVE_JOBS }, (_, n) => db.producer.tracker.enqueue(FAULT_JOB, { n: 100 + n })));
      const ids = new Set(jobs.map((job) => job.id));
      await eventually('the live worker to hold every job', () => liveRuns.length === LIVE_JOBS, 60_000, 20);

      const skewed = await children.spawn({
        url: db.server.connectionString,
        schema: db.schema.schema,
        concurrency: LIVE_JOBS,
        leaseMs: LEASE_MS,
        recoverIntervalMs: 200,
        handlerMs: 20,
        label: 'skewed',
        skewMs: SKEW_MS,
        reportSweeps: true,
      });
      const sweeps = () => children.messages.filter((m): m is Sweep => m.type === 'sweep' && m.pid === skewed.pid);
      // Several recovery sweeps of the skewed worker while the live leases are held (and renewed).
      await children.waitFor('5 recovery sweeps of the skewed worker', () => sweeps().length >= 5);
      release();
      await eventually('every job completed', async () => {
        for (const id of ids) if ((await db.table.row(id))?.['status'] !== 'completed') return false;
        return true;
      });
      await liveWorker.stop();
      liveWorker = undefined;
      await children.stopAll();

      const stolen = sweeps().flatMap((sweep) => sweep.expired.filter((id) => ids.has(id)));
      const skewedRuns = children.runs().filter((run) => ids.has(run.jobId));
      expect(
        stolen,
        `the skewed worker's recovery judged ${new Set(stolen).size} live lease(s) expired (its sweeps asked with now = database time + ~${SKEW_MS} ms)`,
      ).toEqual([]);
      expect(skewedRuns, 'jobs the live worker held ran again on the skewed worker').toEqual([]);
      const runsPerJob = new Map<string, number>();
      for (const run of [...liveRuns, ...skewedRuns]) runsPerJob.set(run.jobId, (runsPerJob.get(run.jobId) ?? 0) + 1);
      expect([...ids].map((id) => runsPerJob.get(id))).toEqual(Array.from({ length: LIVE_JOBS }, () => 1));
      for (const id of ids) expect(await db.table.row(id)).toMatchObject({ status: 'completed', attempt: 1, result: { by: 'live' } });
    } finally {
      await liveWorker?.stop();
      await children.stopAll();
      await live?.close();
    }
  });
});
