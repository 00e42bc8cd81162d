import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackerErrorContext } from '@jobtrail/core';
import { openFaultDb, type FaultDb } from '../src/fault-db.js';
import { FaultProxy } from '../src/fault-proxy.js';
import { openStack, type FaultStack } from '../src/fault-stack.js';
import { eventually } from '../src/job-table.js';

const TYPE = 'faults.tracked';

describe('track() in safe mode while the store is unavailable', () => {
  let db: FaultDb;
  let proxy: FaultProxy;
  let stack: FaultStack;
  const errors: Array<{ error: unknown; context: TrackerErrorContext }> = [];

  beforeAll(async () => {
    db = await openFaultDb('faults_safe');
    proxy = await FaultProxy.start(db.server.connectionString);
    stack = await openStack({
      url: proxy.connectionString,
      schema: db.schema.schema,
      // Bounded waits: a frozen store costs a tracked call at most this long.
      extra: { query_timeout: 1000, connectionTimeoutMillis: 1000 },
    });
    stack.tracker.on('error', (error, context) => errors.push({ error, context }));
  });

  afterAll(async () => {
    proxy?.thaw();
    await stack?.close();
    await proxy?.close();
    await db?.close();
  });

  const business = async (i: number) =>
    stack.tracker.track(TYPE, async (ctx) => {
      ctx.progress(0.5, 'Halfway');
      ctx.metrics.increment('items', 1);
      return { doubled: i * 2 };
    }, { metadata: { i } });

  async function recordedNumbers(): Promise<number[]> {
    const { jobs } = await db.producer.tracker.list({ type: TYPE, status: ['completed'], limit: 1000 });
    return jobs.map((job) => (job.metadata as { i: number }).i).sort((a, b) => a - b);
  }

  it('returns every result, emits store errors as events, and records again once the store is back', async () => {
    for (let i = 0; i < 5; i++) expect(await business(i)).toEqual({ doubled: i * 2 });
    expect(await recordedNumbers()).toEqual([0, 1, 2, 3, 4]);
    expect(errors).toEqual([]);

    // Unreachable: every connection attempt is reset.
    proxy.setMode('refuse');
    for (let i = 100; i < 110; i++) expect(await business(i)).toEqual({ doubled: i * 2 });
    const failure = new Error('business failure');
    await expect(stack.tracker.track(TYPE, () => Promise.reject(failure))).rejects.toBe(failure);
    expect(errors.length).toBeGreaterThanOrEqual(11);
    expect(errors.every((e) => typeof e.context.operation === 'string')).toBe(true);
    expect(errors.some((e) => e.context.operation === 'create')).toBe(true);

    // Frozen: calls still come back (after query_timeout), with an error event each.
    const beforeFreeze = errors.length;
    proxy.setMode('freeze');
    for (let i = 200; i < 203; i++) expect(await business(i)).toEqual({ doubled: i * 2 });
    expect(errors.length).toBeGreaterThanOrEqual(beforeFreeze + 3);

    // Back: tracking resumes by itself, no restart of anything.
    proxy.thaw();
    let i = 300;
    await eventually('a tracked call recorded again', async () => {
      await business(i++);
      return (await recordedNumbers()).some((n) => n >= 300);
    }, 60_000, 200);
    for (let k = 400; k < 405; k++) expect(await business(k)).toEqual({ doubled: k * 2 });
    const recorded = await recordedNumbers();
    expect(recorded.filter((n) => n >= 400)).toEqual([400, 401, 402, 403, 404]);
    expect(recorded.filter((n) => n >= 100 && n < 300)).toEqual([]);
    const jobs = (await db.producer.tracker.list({ type: TYPE, limit: 1000 })).jobs.filter((job) => (job.metadata as { i: number }).i >= 400);
    for (const job of jobs) {
      expect(job.status).toBe('completed');
      expect(job.metrics).toEqual({ items: 1 });
      expect(job.result).toEqual({ doubled: (job.metadata as { i: number }).i * 2 });
    }
  });
});
