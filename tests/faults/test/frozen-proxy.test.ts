import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '@jobtrail/core';
import { enqueueNumbered, openFaultDb, type FaultDb } from '../src/fault-db.js';
import { FaultProxy } from '../src/fault-proxy.js';
import { FAULT_JOB, countRuns, openStack, startWorker, type FaultStack } from '../src/fault-stack.js';
import { eventually } from '../src/job-table.js';

const JOBS = 2000;

/**
 * A frozen path (bytes stop, nothing closes) is invisible to TCP: the proxy's kernel keeps
 * ACKing, so keepalive never fires. node-postgres' client-side `query_timeout` is what notices:
 * a statement with no answer fails, the worker logs it and carries on; when the path finally
 * drops the connections, the pool and the LISTEN connection reconnect.
 */
describe('a TCP proxy between worker and database freezes, then drops connections', () => {
  let db: FaultDb;
  let proxy: FaultProxy;
  let stack: FaultStack;
  let worker: Worker | undefined;
  const runs = new Map<number, number>();
  const errors: Array<{ at: number; error: unknown }> = [];
  const listenErrors: unknown[] = [];

  beforeAll(async () => {
    db = await openFaultDb('faults_proxy');
    proxy = await FaultProxy.start(db.server.connectionString);
    stack = await openStack({
      url: proxy.connectionString,
      schema: db.schema.schema,
      extra: { query_timeout: 1500, connectionTimeoutMillis: 1500, keepAlive: true },
      // An idle LISTEN connection sends nothing, so only its heartbeat can notice the freeze.
      store: { listenHeartbeatMs: 500, listenHeartbeatTimeoutMs: 1000, onError: (error) => listenErrors.push(error) },
    });
  });

  afterAll(async () => {
    proxy?.thaw();
    await worker?.stop();
    await stack?.close();
    await proxy?.close();
    await db?.close();
  });

  it('detects the freeze, reconnects after the drop, loses nothing', async () => {
    await enqueueNumbered(db.producer, FAULT_JOB, JOBS);
    worker = startWorker(
      stack,
      countRuns(runs),
      { leaseMs: 3000 },
    );
    worker.events.on('error', (error) => errors.push({ at: Date.now(), error }));
    stack.tracker.on('error', (error) => errors.push({ at: Date.now(), error }));
    await eventually('the LISTEN connection', () => stack.store.listener.state === 'listening', 30_000);
    const acceptedBefore = proxy.accepted;

    await eventually('a quarter of the jobs completed', async () => (await db.table.completed()) >= JOBS / 4, 60_000, 50);
    const frozenAt = Date.now();
    proxy.setMode('freeze');

    await eventually('the worker to notice the frozen connection', () => errors.some((e) => e.at >= frozenAt), 60_000);
    const detected = errors.filter((e) => e.at >= frozenAt).map((e) => String((e.error as Error)?.message ?? e.error));
    expect(detected.some((message) => /timeout/i.test(message)), `errors seen: ${detected.slice(0, 3).join(' | ')}`).toBe(true);
    await eventually('the LISTEN heartbeat to notice the frozen connection', () => stack.store.listener.state !== 'listening', 60_000);
    expect(listenErrors.some((error) => (error as Error).name === 'ListenHeartbeatTimeoutError')).toBe(true);
    const completedWhileFrozen = await db.table.completed();
    expect(completedWhileFrozen).toBeLessThan(JOBS);

    proxy.thaw();
    await eventually('every job completed after the drop', async () => (await db.table.completed()) === JOBS, 120_000, 200);
    expect(await db.table.countByStatus()).toEqual({ completed: JOBS });
    for (let n = 0; n < JOBS; n++) expect(runs.get(n), `job ${n} ran`).toBeGreaterThanOrEqual(1);
    expect(proxy.accepted, 'new connections through the proxy').toBeGreaterThan(acceptedBefore);
    await eventually('LISTEN re-established', () => stack.store.listener.state === 'listening' && stack.store.listener.connections >= 2, 60_000);
  });
});
