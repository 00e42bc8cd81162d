import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildWorkers, assertAlive, tell } from '../src/child-workers.js';
import { openStoppableFaultDb, type StoppableFaultDb } from '../src/fault-db.js';
import { FAULT_JOB } from '../src/fault-stack.js';
import { eventually } from '../src/job-table.js';

/** Much longer than the outage: the worker still holds the lease when the database is back. */
const LEASE_MS = 30_000;
/** How long the database stays down after the handler returned: a fault, not a timing claim. */
const OUTAGE_MS = 1500;

describe('PostgreSQL is down at the moment a handler returns, and back before its lease ends', () => {
  let db: StoppableFaultDb;
  const children = new ChildWorkers();

  beforeAll(async () => {
    // This test stops the server, so it always starts its own (never DATABASE_URL's).
    db = await openStoppableFaultDb('faults_settle');
  });

  afterAll(async () => {
    if (db && !db.server.isRunning) await db.server.pgCtlStart();
    await children.stopAll();
    await db?.close();
  });

  it("records the handler's own result; the handler ran once; the worker process stays up", async () => {
    const child = await children.spawn({
      url: db.server.connectionString,
      schema: db.schema.schema,
      concurrency: 1,
      leaseMs: LEASE_MS,
      handlerMs: 0,
      // The handler returns when the test says so: after the server went down.
      finishOnMessage: true,
      label: 'outage',
      // Only the worker keeps this process alive, as in a worker-only deployment.
      unrefIpc: true,
    });
    const job = await db.producer.tracker.enqueue(FAULT_JOB, { n: 0 });
    await children.waitFor('the handler to start', (m) => m.some((x) => x.type === 'run' && x.jobId === job.id), 60_000, [child]);

    await db.server.pgCtlStop('fast');
    // A closed channel means the process is gone (or going): wait for it, so the error says how it ended.
    if (!(await tell(child, { type: 'finish', jobId: job.id }))) await child.exited;
    assertAlive(child, 'after the server stopped');
    await children.waitFor('the handler to return', (m) => m.some((x) => x.type === 'returned' && x.jobId === job.id), 60_000, [child]);
    await sleep(OUTAGE_MS);
    assertAlive(child, 'while the database was down');
    await db.server.pgCtlStart();

    await children.waitFor(
      'the worker to settle the job',
      (m) => m.some((x) => x.type === 'settled' && x.jobId === job.id),
      90_000,
      [child],
    );
    await eventually('the job table readable again', () => db.table.reachable(), 60_000);
    const settled = children.messages.find((x) => x.type === 'settled' && x.jobId === job.id);
    expect(settled).toMatchObject({ outcome: 'completed' });
    expect(await db.table.row(job.id)).toMatchObject({ status: 'completed', attempt: 1, result: { by: 'outage' }, lease_owner: null });
    expect(children.runs().filter((run) => run.jobId === job.id)).toHaveLength(1);
    assertAlive(child, 'after the outage');
  });
});
