import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Worker } from '@jobtrail/core';
import { ChildWorkers } from '../src/child-workers.js';
import { openFaultDb, type FaultDb } from '../src/fault-db.js';
import { FAULT_JOB, openStack, startWorker, type FaultStack } from '../src/fault-stack.js';
import { eventually } from '../src/job-table.js';

const LEASE_MS = 3000;

describe('lease-recovery race: a paused worker tries to finish a job another worker recovered', () => {
  let db: FaultDb;
  let stackB: FaultStack;
  let workerB: Worker | undefined;
  const children = new ChildWorkers();

  beforeAll(async () => {
    db = await openFaultDb('faults_lease');
    stackB = await openStack({ url: db.server.connectionString, schema: db.schema.schema });
  });

  afterAll(async () => {
    await children.stopAll();
    await workerB?.stop();
    await stackB?.close();
    await db?.close();
  });

  it('records exactly one outcome: the recovering worker wins, the late completion is refused', async () => {
    const a = await children.spawn({
      url: db.server.connectionString,
      schema: db.schema.schema,
      concurrency: 1,
      leaseMs: LEASE_MS,
      // A's handler returns only when told to ('finish', sent while A is stopped) and ignores its
      // signal, so it always tries to finish late. After SIGCONT, A learns it lost the lease in
      // one of two ways, depending on which runs first, the 'finish' message or its overdue
      // heartbeat timer: its completion's compare-and-set is refused, or the heartbeat reports
      // the job no longer held and the attempt is abandoned before any write. The test asserts
      // what holds either way, not the order.
      heartbeatMs: 2000,
      handlerMs: 0,
      finishOnMessage: true,
      label: 'A',
      reportTransitions: true,
    });
    const job = await db.producer.tracker.enqueue(FAULT_JOB, { n: 0 });
    await children.waitFor('worker A to start the job', (m) => m.some((x) => x.type === 'run' && x.jobId === job.id));
    process.kill(a.pid, 'SIGSTOP');

    // B recovers the expired lease, runs attempt 2 and completes it while A is frozen.
    const runsOnB: Job[] = [];
    workerB = startWorker(
      stackB,
      async (ctx) => {
        runsOnB.push(ctx.job);
        return { by: 'B' };
      },
      { concurrency: 1, leaseMs: LEASE_MS, recoverIntervalMs: 200 },
    );
    await eventually('B to complete the job', async () => (await db.table.row(job.id))?.['status'] === 'completed', 60_000);
    const afterB = await db.producer.tracker.get(job.id);

    a.process.send({ type: 'finish', jobId: job.id });
    process.kill(a.pid, 'SIGCONT');
    await children.waitFor('worker A to settle its late attempt', (m) =>
      m.some((x) => x.type === 'settled' && x.jobId === job.id && x.pid === a.pid),
    );
    const settledOnA = children.messages.find((x) => x.type === 'settled' && x.jobId === job.id && x.pid === a.pid);
    const final = await db.producer.tracker.get(job.id);

    expect(runsOnB).toHaveLength(1);
    expect(runsOnB[0]!.attempt).toBe(2);
    expect(settledOnA).toMatchObject({ outcome: 'lost' });
    expect(children.messages.some((x) => x.type === 'returned' && x.jobId === job.id && x.pid === a.pid)).toBe(true);
    // A's late completion was refused, by whichever path A learned it: a completion it attempted
    // was refused by the compare-and-set (`conflict`), or a heartbeat told it the job was no
    // longer its own. Never did a write of A's succeed after it was stopped.
    const fromA = children.messages.filter((x) => x.pid === a.pid);
    const transitionsOnA = fromA.filter(
      (x): x is Extract<typeof x, { type: 'transition' }> => x.type === 'transition' && x.jobId === job.id,
    );
    const refusedCompletion = transitionsOnA.some((x) => x.to === 'completed' && !x.ok && x.reason === 'conflict');
    const lostByHeartbeat = fromA.some((x) => x.type === 'heartbeat' && x.ids.includes(job.id) && !x.held.includes(job.id));
    expect(
      refusedCompletion || lostByHeartbeat,
      `A was told it lost the lease; its transitions: ${JSON.stringify(transitionsOnA)}`,
    ).toBe(true);
    expect(transitionsOnA.filter((x) => x.ok)).toEqual([]);
    expect(transitionsOnA.every((x) => x.reason === 'conflict')).toBe(true);
    expect(final).toMatchObject({ status: 'completed', attempt: 2, result: { by: 'B' } });
    // Nothing about the job changed after B's completion: A's attempt left no trace.
    expect(final).toEqual(afterB);
  });
});
