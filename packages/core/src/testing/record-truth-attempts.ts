import { expect, it } from 'vitest';
import type { JobPatch, JobStore } from '../store/job-store.js';
import { createTracker } from '../tracker/tracker.js';
import { createWorker } from '../worker/worker.js';
import { type RecordTruth, waitUntil } from './record-truth-harness.js';
import { uniqueName } from './make-job.js';

/** The store under test, with its completing transitions held until `release()`. */
function holdingCompletions(raw: JobStore) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const completing = new Promise<void>((resolve) => (started = resolve));
  const store = new Proxy(raw, {
    get(target, property) {
      if (property === 'transition') {
        return async (id: string, expected: Parameters<JobStore['transition']>[1], patch: JobPatch) => {
          if (patch.status === 'completed') {
            started();
            await released;
          }
          return target.transition(id, expected, patch);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, completing, release };
}

/** Retries and attempts: broken backoff policies, Retry-After, stale attempts, history and progress events. */
export function recordTruthAttempts(truth: RecordTruth): void {
  const { setup, teardown, settled } = truth;

  it('falls back to the default backoff when a backoff policy is broken, and reports it', async () => {
    for (const policy of [() => undefined, () => Number.NaN, () => -5, () => { throw new Error('policy bug'); }]) {
      const { tracker, errors, work } = setup({ backoff: policy as unknown as () => number });
      const type = uniqueName('truth.backoff');
      work({ [type]: () => { throw new Error('boom'); } });
      const job = await tracker.enqueue(type, null, { maxAttempts: 3 });
      const retrying = await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'retrying');
      await teardown();
      const delay = retrying!.runAt.getTime() - retrying!.updatedAt.getTime();
      // The default: exponential from 1 s, factor 2, full jitter (the poll may see a later attempt).
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(1_000 * 2 ** (retrying!.attempt - 1));
      expect(errors.map((e) => e.operation)).toContain('backoff');
    }
  });

  it('caps a Retry-After, absurd or out of range, at maxRetryAfterMs', async () => {
    for (const retryAfter of ['10000000000000', '31536000']) {
      const { tracker, work } = setup({ maxRetryAfterMs: 60_000 });
      const type = uniqueName('truth.retry-after');
      work({ [type]: () => { throw Object.assign(new Error('slow down'), { status: 429, headers: { 'retry-after': retryAfter } }); } });
      const job = await tracker.enqueue(type, null, { maxAttempts: 3 });
      const retrying = await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'retrying');
      await teardown();
      expect(retrying!.runAt.getTime() - retrying!.updatedAt.getTime()).toBe(60_000);
    }
  });

  it('keeps a stale attempt out of the next one: cancel, retry, and the old handler writes nothing into the new run', async () => {
    const { tracker, errors, work } = setup();
    const type = uniqueName('truth.stale');
    const staleWrites: string[] = [];
    tracker.on('stale', (info) => staleWrites.push(info.operation));
    const stages: Array<string | null> = [];
    tracker.on('progress', (event) => stages.push(event.stage));
    let release!: () => void;
    const old = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const secondStarted = { value: false };
    work({
      [type]: async (ctx) => {
        calls++;
        if (calls === 1) {
          await old; // ignores its AbortSignal
          ctx.progress(0.8, 'old attempt');
          ctx.metrics.increment('leads', 500);
          await ctx.flush();
          return 'old';
        }
        secondStarted.value = true;
        // The old attempt writes now, while this one runs: its writes must be dropped.
        await waitUntil(() => staleWrites.length, (n) => n > 0);
        ctx.progress(0.2, 'new attempt');
        ctx.metrics.increment('leads', 7);
        return 'new';
      },
    }, { concurrency: 2 });
    const job = await tracker.enqueue(type, null);
    await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'running');
    await tracker.cancel(job.id);
    await tracker.retry(job.id);
    await waitUntil(() => secondStarted.value, Boolean);
    release();
    const done = await settled(tracker, job.id);
    await teardown();
    expect(done).toMatchObject({ status: 'completed', result: 'new', metrics: { leads: 7 }, stage: 'new attempt', attempt: 2 });
    // Attempt 1 (cancelled) became history when the job was retried; attempt 2 is the job itself.
    expect(done.history.map((entry) => (entry.kind === 'attempt' ? `${entry.attempt}:${entry.outcome}` : 'retry'))).toEqual([
      '1:cancelled',
      'retry',
    ]);
    expect(errors.filter((e) => e.operation.startsWith('settle'))).toEqual([]);
    // The superseded attempt reported nothing: no event for its late progress.
    expect(stages).toEqual(['new attempt']);
  });

  it('starts a new attempt from no progress and no metrics, and keeps each attempt in history', async () => {
    const { tracker, work } = setup({ backoff: () => 0 });
    const type = uniqueName('truth.attempts');
    const seen: Array<{ progress: number; stage: string | null; metrics: Record<string, number> }> = [];
    work({
      [type]: async (ctx) => {
        seen.push({ progress: ctx.job.progress, stage: ctx.job.stage, metrics: { ...ctx.job.metrics } });
        ctx.progress(0.8, 'almost');
        ctx.metrics.increment('leadsProcessed', 500);
        await ctx.flush();
        if (ctx.attempt === 1) throw new Error('upstream 503');
      },
    });
    const job = await tracker.enqueue(type, null, { maxAttempts: 2 });
    const done = await settled(tracker, job.id);
    await teardown();
    expect(seen).toEqual([
      { progress: 0, stage: null, metrics: {} },
      { progress: 0, stage: null, metrics: {} },
    ]);
    expect(done).toMatchObject({ status: 'completed', attempt: 2, metrics: { leadsProcessed: 500 } });
    expect(done.history).toMatchObject([
      { kind: 'attempt', attempt: 1, outcome: 'retrying', progress: 0.8, stage: 'almost', metrics: { leadsProcessed: 500 }, error: { message: 'upstream 503' } },
    ]);
    const [first] = done.history as Array<{ startedAt: Date; finishedAt: Date }>;
    expect(first!.startedAt.getTime()).toBeLessThanOrEqual(first!.finishedAt.getTime());
    expect(first!.finishedAt.getTime()).toBeLessThanOrEqual(done.startedAt!.getTime());
  });

  it('records a manual retry as such and never renumbers or rewrites an earlier attempt', async () => {
    const { tracker, work } = setup();
    const type = uniqueName('truth.manual-retry');
    let calls = 0;
    work({ [type]: () => { calls++; if (calls === 1) throw new Error('first run fails'); return 'ok'; } });
    const job = await tracker.enqueue(type, null, { maxAttempts: 1 });
    const failed = await settled(tracker, job.id);
    expect(failed.history).toEqual([]);
    await tracker.retry(job.id);
    const done = await waitUntil(() => tracker.get(job.id), (j) => j?.status === 'completed');
    await teardown();
    expect(done!.attempt).toBe(2);
    // The first run's record is kept exactly as it ended, then the retry is recorded.
    expect(done!.history).toEqual([
      {
        kind: 'attempt',
        attempt: 1,
        owner: null,
        startedAt: failed.startedAt,
        finishedAt: failed.finishedAt,
        outcome: 'failed',
        error: failed.error,
        progress: failed.progress,
        stage: failed.stage,
        metrics: failed.metrics,
      },
      { kind: 'retry', at: expect.any(Date), afterAttempt: 1 },
    ]);
    expect(done!.startedAt!.getTime()).toBeGreaterThanOrEqual(failed.finishedAt!.getTime());
  });

  it('emits no progress after a job finished, and every progress event carries the type', async () => {
    const { tracker } = setup();
    const type = uniqueName('truth.events');
    const events: Array<{ type: string; progress: number }> = [];
    tracker.on('progress', (event) => events.push({ type: event.type, progress: event.progress }));
    const job = await tracker.create(type);
    await tracker.start(job.id);
    tracker.progress(job.id, 0.5, 'half');
    await tracker.complete(job.id);
    tracker.progress(job.id, 0.9, 'late');
    let late!: () => void;
    await tracker.track(type, (ctx) => {
      late = () => ctx.progress(0.7, 'after return');
      ctx.progress(0.3);
    });
    late();
    // A job driven from elsewhere: this tracker learns its type from the store.
    const other = setup();
    const foreign = await tracker.create(type);
    await tracker.start(foreign.id);
    other.tracker.on('progress', (event) => events.push({ type: event.type, progress: event.progress }));
    other.tracker.progress(foreign.id, 0.4);
    await waitUntil(() => events.length, (n) => n >= 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await teardown();
    expect(events).toEqual([
      { type, progress: 0.5 },
      { type, progress: 0.3 },
      { type, progress: 0.4 },
    ]);
  });

  it('keeps what a succeeded attempt did when a cancel lands while its outcome is being written, and records the attempt once', async () => {
    const { store, completing, release } = holdingCompletions(truth.store());
    const tracker = createTracker({ store, recoverIntervalMs: false });
    const type = uniqueName('truth.cancel-race');
    let runs = 0;
    const worker = createWorker({ tracker, keepAlive: false, pollIntervalMs: 20, handlers: { [type]: () => ({ done: ++runs }) } }).start();
    try {
      const job = await tracker.enqueue(type, null);
      await completing;
      // The handler returned; its completion is on its way to the store when the cancel lands.
      expect((await tracker.cancel(job.id)).status).toBe('cancelled');
      release();
      const kept = await waitUntil(() => tracker.get(job.id), (j) => (j?.history ?? []).length > 0);
      expect(kept).toMatchObject({ status: 'cancelled', result: { done: 1 } });
      expect(kept!.history).toEqual([expect.objectContaining({ kind: 'attempt', attempt: 1, outcome: 'completed' })]);
      expect(kept!.note).toContain('attempt 1 completed after the job was cancelled');
      await worker.stop();
      const retried = await tracker.retry(job.id);
      expect(retried.history.map((entry) => entry.kind)).toEqual(['attempt', 'retry']);
      expect(runs).toBe(1);
    } finally {
      release();
      await worker.stop();
      await tracker.close();
    }
  });

  it('never writes a late outcome over a retry: cancel, retry and cancel again before it lands keep the retry, and the loss is reported', async () => {
    const { store, completing, release } = holdingCompletions(truth.store());
    const tracker = createTracker({ store, recoverIntervalMs: false });
    const late: string[] = [];
    tracker.on('error', (error, context) => {
      if (context.operation === 'settle:late') late.push((error as Error).message);
    });
    const type = uniqueName('truth.cancel-retry-race');
    // Stopped before the retry (so no second attempt starts); its held outcome gets no grace.
    const worker = createWorker({ tracker, keepAlive: false, pollIntervalMs: 20, shutdownGraceMs: 0, handlers: { [type]: () => 'done' } }).start();
    try {
      const job = await tracker.enqueue(type, null);
      await completing;
      await tracker.cancel(job.id);
      await worker.stop();
      await tracker.retry(job.id);
      const cancelledAgain = await tracker.cancel(job.id);
      release();
      await waitUntil(() => late.length, (n) => n > 0);
      const record = await tracker.get(job.id);
      expect(record).toEqual(cancelledAgain);
      expect(record!.history.map((entry) => entry.kind)).toEqual(['attempt', 'retry']);
      expect(late[0]).toContain('attempt 1 completed after the job was cancelled');
    } finally {
      release();
      await worker.stop();
      await tracker.close();
    }
  });

  it("keeps the attempt's own note with a late outcome, and a retry starts without it", async () => {
    const { store, completing, release } = holdingCompletions(truth.store());
    const tracker = createTracker({ store, recoverIntervalMs: false });
    const type = uniqueName('truth.late-note');
    const worker = createWorker({ tracker, keepAlive: false, pollIntervalMs: 20, handlers: { [type]: (ctx) => void ctx.note('imported 3 rows') } }).start();
    try {
      const job = await tracker.enqueue(type, null);
      await completing;
      await tracker.cancel(job.id);
      release();
      const kept = await waitUntil(() => tracker.get(job.id), (j) => (j?.history ?? []).length > 0);
      expect(kept!.note).toBe('imported 3 rows\njobtrail: attempt 1 completed after the job was cancelled (its result is kept).');
      await worker.stop();
      expect((await tracker.retry(job.id)).note).toBeNull();
    } finally {
      release();
      await worker.stop();
      await tracker.close();
    }
  });
}
