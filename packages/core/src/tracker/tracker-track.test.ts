import { describe, expect, it, vi } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { JobStore } from '../store/job-store.js';
import type { JobTelemetry } from '../telemetry/telemetry-port.js';
import { brokenStore, setup } from './tracker.test-support.js';

describe('track()', () => {
  it('completes with the return value and reports progress, metrics and notes', async () => {
    const { tracker, store } = setup();
    const events: string[] = [];
    for (const name of ['created', 'started', 'completed'] as const) tracker.on(name, () => events.push(name));
    const value = await tracker.track(
      'imports.upload',
      async (ctx) => {
        ctx.progress(0.4, 'Uploading');
        ctx.metrics.increment('rows', 10);
        ctx.metrics.increment('rows');
        ctx.note('completed with 1 row error');
        return { imported: 10 };
      },
      { tenantId: 't1', metadata: { file: 'a.csv' } },
    );
    expect(value).toEqual({ imported: 10 });
    const [job] = (await store.query({ limit: 1 })).jobs;
    expect(job).toMatchObject({
      status: 'completed',
      attempt: 1,
      result: { imported: 10 },
      metrics: { rows: 11 },
      note: 'completed with 1 row error',
      stage: 'Uploading',
      tenantId: 't1',
      lease: null,
    });
    expect(events).toEqual(['created', 'started', 'completed']);
  });

  it('fails the job on throw and rethrows the original error', async () => {
    const { tracker, store } = setup();
    const boom = new TypeError('boom');
    await expect(tracker.track('x', () => Promise.reject(boom))).rejects.toBe(boom);
    const [job] = (await store.query({ limit: 1 })).jobs;
    expect(job).toMatchObject({ status: 'failed', error: { message: 'boom', name: 'TypeError', attempt: 1 } });
  });

  it('ends skipped through ctx.skip', async () => {
    const { tracker, store } = setup();
    await tracker.track('leads.score', (ctx) => ctx.skip('No leads to score'));
    const [job] = (await store.query({ limit: 1 })).jobs;
    expect(job).toMatchObject({ status: 'skipped', note: 'No leads to score' });
  });

  it('in safe mode never lets a store failure reach the caller', async () => {
    const { tracker } = setup({ store: brokenStore() });
    const errors: string[] = [];
    tracker.on('error', (_error, context) => errors.push(context.operation));
    expect(await tracker.track('x', (ctx) => {
        ctx.progress(0.5);
        return 42;
      })).toBe(42);
    const boom = new Error('business failure');
    await expect(tracker.track('x', () => Promise.reject(boom))).rejects.toBe(boom);
    expect(errors).toContain('create');
  });

  it('in safe mode keeps the result when settling fails until the lease runs out', async () => {
    const store = new MemoryJobStore();
    // The store is down for good: outcome writes and lease renewals fail alike.
    const failing = Object.assign(Object.create(store) as JobStore, {
      transition: () => Promise.reject(new Error('connection reset')),
      heartbeat: () => Promise.reject(new Error('connection reset')),
    });
    const { tracker, clock } = setup({ store: failing, leaseMs: 1_000, recoverIntervalMs: false });
    const errors: string[] = [];
    tracker.on('error', (_e, context) => errors.push(context.operation));
    const tracked = tracker.track('x', () => 'kept');
    await clock.advance(5_000);
    expect(await tracked).toBe('kept');
    // Retried while the lease was held (the heartbeat could not renew it), then left to recovery.
    expect(errors.filter((operation) => operation === 'settle:retry').length).toBeGreaterThan(3);
    expect(errors.at(-1)).toBe('settle');
  });

  it('writes metric increments the store could not take with the outcome', async () => {
    const store = new MemoryJobStore();
    let down = true;
    const flaky = Object.assign(Object.create(store) as JobStore, {
      incrementMetrics: (...args: Parameters<JobStore['incrementMetrics']>) =>
        down ? Promise.reject(new Error('connection reset')) : store.incrementMetrics(...args),
      transition: (...args: Parameters<JobStore['transition']>) => {
        down = false;
        return store.transition(...args);
      },
    });
    const { tracker } = setup({ store: flaky, recoverIntervalMs: false });
    await tracker.track('x', (ctx) => {
      ctx.metrics.increment('rows', 7);
      return 'ok';
    });
    const [job] = (await store.query({ limit: 1 })).jobs;
    expect(job).toMatchObject({ status: 'completed', metrics: { rows: 7 } });
  });

  it('records the outcome once the store answers again within the lease (an outage at settle)', async () => {
    const store = new MemoryJobStore();
    let down = 3;
    const flaky = Object.assign(Object.create(store) as JobStore, {
      transition: (...args: Parameters<JobStore['transition']>) =>
        down-- > 0 ? Promise.reject(new Error('connection reset')) : store.transition(...args),
    });
    const { tracker, clock } = setup({ store: flaky, recoverIntervalMs: false });
    const errors: string[] = [];
    tracker.on('error', (_e, context) => errors.push(context.operation));
    let runs = 0;
    const tracked = tracker.track('x', () => {
      runs++;
      return { rows: 3 };
    });
    await clock.advance(2_000);
    expect(await tracked).toEqual({ rows: 3 });
    const [job] = (await store.query({ limit: 1 })).jobs;
    expect(job).toMatchObject({ status: 'completed', result: { rows: 3 }, lease: null });
    expect(runs).toBe(1);
    expect(errors).toEqual(['settle:retry', 'settle:retry', 'settle:retry']);
  });

  it('with safe: false surfaces store failures', async () => {
    const { tracker } = setup({ store: brokenStore() });
    await expect(tracker.track('x', () => 1, { safe: false })).rejects.toThrow(/store is down/);
  });

  it('stores null and reports an error when the result is not JSON', async () => {
    const { tracker, store } = setup();
    const errors: unknown[] = [];
    tracker.on('error', (error) => errors.push(error));
    const value = await tracker.track('x', () => ({ when: 1n }));
    expect(value).toEqual({ when: 1n });
    const [job] = (await store.query({ limit: 1 })).jobs;
    expect(job).toMatchObject({ status: 'completed', result: null });
    expect(errors).toHaveLength(1);
  });

  it('refuses a second tracked job with the same key while the first runs', async () => {
    const { tracker } = setup();
    let release!: () => void;
    const first = tracker.track('sync', () => new Promise<void>((resolve) => (release = resolve)), { key: 'acct-1' });
    await Promise.resolve();
    await Promise.resolve();
    await expect(tracker.track('sync', () => 1, { key: 'acct-1' })).rejects.toThrow(/already in progress/);
    release();
    await first;
  });

  it('aborts ctx.signal when the job is cancelled', async () => {
    const { tracker, store } = setup();
    const outcome = tracker.track('long', (ctx) =>
      new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    );
    await vi.waitFor(async () => expect((await store.query({ limit: 1 })).jobs[0]?.status).toBe('running'));
    const [job] = (await store.query({ limit: 1 })).jobs;
    await tracker.cancel(job!.id);
    await expect(outcome).rejects.toMatchObject({ code: 'job_cancelled' });
    expect((await tracker.get(job!.id))?.status).toBe('cancelled');
  });

  it('wraps the attempt in telemetry and reports the outcome', async () => {
    const seen: string[] = [];
    const telemetry: JobTelemetry = {
      onAttempt: (job, info) => ({
        run: (fn) => {
          seen.push(`run ${job.type} ${info.mode}`);
          return fn();
        },
        progress: (update) => seen.push(`progress ${update.progress}`),
        end: (outcome) => seen.push(`end ${outcome.status}`),
      }),
    };
    const { tracker } = setup({ telemetry });
    await tracker.track('x', (ctx) => ctx.progress(0.5));
    expect(seen).toEqual(['run x inline', 'progress 0.5', 'end completed']);
  });

  it('tells telemetry how each attempt ended, including skips, failures and cancellations', async () => {
    const ends: Array<{ status: string; kind: string | undefined; error: boolean }> = [];
    const telemetry: JobTelemetry = {
      onAttempt: () => ({
        run: (fn) => fn(),
        end: (outcome) => ends.push({ status: outcome.status, kind: outcome.kind, error: 'error' in outcome }),
      }),
    };
    const { tracker } = setup({ telemetry });
    await tracker.track('x', () => 1);
    await tracker.track('x', (ctx) => ctx.skip('nothing to do'));
    await tracker.track('x', () => Promise.reject(new Error('boom'))).catch(() => undefined);
    await tracker
      .track('x', async (ctx) => {
        await tracker.cancel(ctx.job.id);
        ctx.signal.throwIfAborted();
      })
      .catch(() => undefined);
    expect(ends).toEqual([
      { status: 'completed', kind: 'completed', error: false },
      { status: 'skipped', kind: 'skipped', error: false },
      { status: 'failed', kind: 'failed', error: true },
      { status: 'cancelled', kind: 'cancelled', error: true },
    ]);
  });
});
