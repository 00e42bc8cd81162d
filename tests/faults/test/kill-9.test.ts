import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildWorkers } from '../src/child-workers.js';
import { enqueueNumbered, openFaultDb, type FaultDb } from '../src/fault-db.js';
import { FAULT_JOB } from '../src/fault-stack.js';
import { eventually } from '../src/job-table.js';

const JOBS = 10_000;
const WORKERS = 3;
const KILLS = 4;
const CONCURRENCY = 10;

describe('kill -9 of worker processes during a run', () => {
  let db: FaultDb;
  const workers = new ChildWorkers();

  beforeAll(async () => {
    db = await openFaultDb('faults_kill9');
  });

  afterAll(async () => {
    await workers.stopAll();
    await db?.close();
  });

  it(`completes all ${JOBS.toLocaleString('en-US')} jobs; only jobs in flight at a kill run twice`, async () => {
    await enqueueNumbered(db.producer, FAULT_JOB, JOBS);
    const options = {
      url: db.server.connectionString,
      schema: db.schema.schema,
      concurrency: CONCURRENCY,
      // Long enough that a worker starved of CPU for several seconds (CI runs this beside Chromium
      // and PostgreSQL on two cores; at 8 s a loaded machine still let one lease lapse) keeps its
      // leases: only a kill may make a job run again here.
      leaseMs: 15_000,
      handlerMs: 2,
      label: 'worker',
    };
    const live = await Promise.all(Array.from({ length: WORKERS }, () => workers.spawn(options)));
    const killed = new Set<number>();

    for (let kill = 1; kill <= KILLS; kill++) {
      // Kill at evenly spread points of the run, while every worker is busy.
      const mark = Math.floor((kill * JOBS) / (KILLS + 2));
      await eventually(`${mark} jobs completed`, async () => (await db.table.completed()) >= mark, 90_000, 50);
      // A random worker among those that are busy (a fresh replacement may not have claimed yet).
      const busy = () => live.filter((w) => workers.runs().some((r) => r.pid === w.pid));
      await eventually('a busy worker to kill', () => busy().length > 0, 60_000, 20);
      const candidates = busy();
      const victim = candidates[Math.floor(Math.random() * candidates.length)]!;
      live.splice(live.indexOf(victim), 1);
      process.kill(victim.pid, 'SIGKILL');
      await victim.exited;
      killed.add(victim.pid);
      live.push(await workers.spawn(options));
    }

    await eventually('every job completed', async () => (await db.table.completed()) === JOBS, 120_000, 200);
    await workers.stopAll();

    expect(await db.table.countByStatus()).toEqual({ completed: JOBS });

    const runsByJob = workers.runsByJob();
    // A run reported by a process that was then killed may be lost with it, so a job can show
    // one run fewer than happened; it can never show an extra one.
    const repeated = [...runsByJob.entries()].filter(([, runs]) => runs.length > 1);
    for (const [n, runs] of repeated) {
      const earlier = runs.slice(0, -1);
      expect(
        earlier.every((run) => killed.has(run.pid)),
        `job ${n} ran again although its earlier run was not on a killed process: ${JSON.stringify(runs)}`,
      ).toBe(true);
      expect(runs.at(-1)!.attempt, `job ${n}: a re-run is a new attempt`).toBeGreaterThan(runs[0]!.attempt);
    }
    const reExecutions = repeated.reduce((sum, [, runs]) => sum + runs.length - 1, 0);
    // In flight at a kill: at most `concurrency` running handlers per killed process, plus
    // finished ones whose settle had not reached the database yet (also bounded by the slots).
    expect(reExecutions).toBeLessThanOrEqual(killed.size * CONCURRENCY * 2);
    expect(killed.size).toBe(KILLS);
  });
});
