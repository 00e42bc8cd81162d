import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '@jobtrail/core';
import { enqueueNumbered, openFaultDb, type FaultDb } from '../src/fault-db.js';
import { FAULT_JOB, countRuns, openStack, startWorker, type FaultStack } from '../src/fault-stack.js';
import { eventually } from '../src/job-table.js';

const JOBS = 3000;

describe('PostgreSQL restarted in the middle of a run', () => {
  let db: FaultDb;
  let stack: FaultStack;
  let worker: Worker | undefined;
  const runs = new Map<number, number>();
  const errors: unknown[] = [];

  beforeAll(async () => {
    // This test stops the server, so it always starts its own (never DATABASE_URL's).
    db = await openFaultDb('faults_restart', { own: true });
    stack = await openStack({
      url: db.server.connectionString,
      schema: db.schema.schema,
      extra: { connectionTimeoutMillis: 2000 },
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await stack?.close();
    await db?.close();
  });

  it('workers and the LISTEN connection recover by themselves; nothing is lost', async () => {
    await enqueueNumbered(db.producer, FAULT_JOB, JOBS);
    worker = startWorker(
      stack,
      countRuns(runs),
      // A long poll: after the restart, only the store's wake-ups (LISTEN, or its fallback
      // while LISTEN is down) bring the worker back quickly.
      { leaseMs: 2000, pollIntervalMs: 30_000 },
    );
    worker.events.on('error', (error) => errors.push(error));
    await eventually('the LISTEN connection', () => stack.store.listener.state === 'listening', 30_000);
    const listenerPid = stack.store.listener.processId;

    await eventually('a third of the jobs completed', async () => (await db.table.completed()) >= JOBS / 3, 60_000, 50);
    await db.server.restart();

    await eventually('every job completed after the restart', async () => (await db.table.completed()) === JOBS, 120_000, 200);
    expect(await db.table.countByStatus()).toEqual({ completed: JOBS });
    for (let n = 0; n < JOBS; n++) expect(runs.get(n), `job ${n} ran`).toBeGreaterThanOrEqual(1);
    expect(errors.length, 'the worker saw the outage').toBeGreaterThan(0);

    await eventually('LISTEN re-established', () => stack.store.listener.state === 'listening' && stack.store.listener.connections >= 2, 60_000);
    expect(stack.store.listener.processId).not.toBe(listenerPid);

    // Only a notification can wake the worker now (its poll is 30 s away): LISTEN really works.
    await db.producer.tracker.enqueue(FAULT_JOB, { n: JOBS });
    await eventually('the job enqueued after the restart ran', () => runs.has(JOBS), 20_000, 20);
  });
});
