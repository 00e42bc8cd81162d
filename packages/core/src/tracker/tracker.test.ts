import { describe, expect, it, vi } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { FatalJobError, RetryableJobError } from '../errors/job-errors.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { Job } from '../model/job.js';
import type { JobStore } from '../store/job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import type { JobTelemetry } from '../telemetry/telemetry-port.js';
import { createTracker } from './tracker.js';
import type { TrackerOptions } from './tracker-options.js';
import { withWarning } from './outcome-writer.js';
import { MAX_NOTE_LENGTH } from './validate-input.js';

const T0 = Date.UTC(2026, 0, 1);

function setup(options: Partial<TrackerOptions> = {}) {
  const clock = createFakeClock(T0);
  const store = new MemoryJobStore();
  const tracker = createTracker({ store, clock, backoff: backoff.fixed(1000), ...options });
  return { clock, store, tracker };
}

async function codeOf(action: () => unknown): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('incrementMetrics by id', () => {
  it('refuses empty metric names and deltas that are not a plain object, and stores names like constructor faithfully', async () => {
    const { tracker } = setup({ recoverIntervalMs: false });
    const job = await tracker.create('counts');
    for (const bad of [{ '': 1 }, [1], new Map([['a', 1]]), null, 'x', { ['m'.repeat(256)]: 1 }, { [Symbol('s')]: 1 }, { a: 1, [Symbol('s')]: 1 }]) {
      expect(await codeOf(() => tracker.incrementMetrics(job.id, bad as never))).toBe('invalid_input');
    }
    expect(await tracker.incrementMetrics(job.id, { constructor: 2, toString: 1 })).toEqual({ constructor: 2, toString: 1 });
    expect((await tracker.get(job.id))!.metrics).toEqual({ constructor: 2, toString: 1 });
    expect(await tracker.incrementMetrics(job.id, { ['m'.repeat(255)]: 1 })).toHaveProperty('m'.repeat(255), 1);
  });
});

describe('notes', () => {
  it('keeps at most MAX_NOTE_LENGTH characters of a note, cut on a code point, by hand and from a handler', async () => {
    const { tracker } = setup({ recoverIntervalMs: false });
    const long = `${'n'.repeat(MAX_NOTE_LENGTH - 1)}😀tail`;
    const completed = await tracker.complete((await tracker.start((await tracker.create('notes')).id)).id, { note: long });
    expect(completed.note).toBe('n'.repeat(MAX_NOTE_LENGTH - 1));
    const skipped = await tracker.skip((await tracker.start((await tracker.create('notes')).id)).id, { note: 'x'.repeat(MAX_NOTE_LENGTH * 10) });
    expect(skipped.note).toBe('x'.repeat(MAX_NOTE_LENGTH));
    let trackedId = '';
    await tracker.track('notes.tracked', (ctx) => {
      trackedId = ctx.job.id;
      ctx.note('y'.repeat(MAX_NOTE_LENGTH + 5));
      return 1;
    });
    expect((await tracker.get(trackedId))!.note).toBe('y'.repeat(MAX_NOTE_LENGTH));
    expect(MAX_NOTE_LENGTH).toBe(2000);
  });

  it('keeps the warning jobtrail appends whole when the note itself is long', () => {
    const note = withWarning('z'.repeat(MAX_NOTE_LENGTH), 'jobtrail: the result was not stored (too big)');
    expect(note.length).toBeLessThanOrEqual(MAX_NOTE_LENGTH);
    expect(note.endsWith('\njobtrail: the result was not stored (too big)')).toBe(true);
  });
});

describe('create and enqueue', () => {
  it('stores a queued job with defaults', async () => {
    const { tracker } = setup();
    const job = await tracker.create('imports.upload', { payload: { file: 'a.csv' }, tenantId: 't1' });
    expect(job).toMatchObject({
      type: 'imports.upload',
      status: 'queued',
      attempt: 0,
      maxAttempts: 3,
      priority: 0,
      progress: 0,
      payload: { file: 'a.csv' },
      tenantId: 't1',
      ownerId: null,
      metrics: {},
      errors: [],
    });
    expect(job.runAt.getTime()).toBe(T0);
    expect(job.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(await tracker.get(job.id)).toEqual(job);
  });

  it('returns the unfinished job with the same key instead of a second one', async () => {
    const { tracker } = setup();
    const first = await tracker.enqueue('places.deepScan', { placeId: 'p1' }, { key: 'p1' });
    const again = await tracker.enqueue('places.deepScan', { placeId: 'p1' }, { key: 'p1' });
    expect(again.id).toBe(first.id);
    const other = await tracker.enqueue('places.other', { placeId: 'p1' }, { key: 'p1' });
    expect(other.id).not.toBe(first.id);
    await tracker.start(first.id);
    await tracker.complete(first.id);
    const fresh = await tracker.enqueue('places.deepScan', { placeId: 'p1' }, { key: 'p1' });
    expect(fresh.id).not.toBe(first.id);
  });

  it('honours delayMs, runAt, priority and per-type maxAttempts', async () => {
    const { tracker } = setup({ types: { slow: { maxAttempts: 7 } } });
    const delayed = await tracker.create('slow', { delayMs: 5000, priority: -5 });
    expect(delayed.runAt.getTime()).toBe(T0 + 5000);
    expect(delayed.priority).toBe(-5);
    expect(delayed.maxAttempts).toBe(7);
    const at = new Date(T0 + 60_000);
    expect((await tracker.create('x', { runAt: at, maxAttempts: 1 })).runAt).toEqual(at);
  });

  it.each([
    ['an unknown option', { payload: 1, retries: 3 }, 'invalid_input'],
    ['a function in the payload', { payload: { f: () => 1 } }, 'invalid_input'],
    ['a BigInt in the payload', { payload: { n: 1n } }, 'invalid_input'],
    ['a class instance in the payload', { payload: new Map() }, 'invalid_input'],
    ['NaN in the payload', { payload: [Number.NaN] }, 'invalid_input'],
    ['a runAt that is not a date', { runAt: '2026-01-01' }, 'invalid_input'],
    ['an invalid date', { runAt: new Date('nope') }, 'invalid_input'],
    ['a priority out of range', { priority: -40_000 }, 'invalid_input'],
    ['a fractional priority', { priority: 1.5 }, 'invalid_input'],
    ['maxAttempts 0', { maxAttempts: 0 }, 'invalid_input'],
    ['a parentId that is not an id', { parentId: 'abc' }, 'invalid_input'],
    ['metadata that is an array', { metadata: [] }, 'invalid_input'],
    ['both delayMs and runAt', { delayMs: 1, runAt: new Date() }, 'invalid_input'],
  ])('rejects %s and stores nothing', async (_label, input, code) => {
    const { tracker, store } = setup();
    expect(await codeOf(() => tracker.create('bad.input', input as never))).toBe(code);
    expect((await store.query({ limit: 10 })).jobs).toEqual([]);
  });

  it('rejects a cyclic payload', async () => {
    const { tracker } = setup();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(tracker.enqueue('x', cyclic)).rejects.toThrow(/cycle/);
  });

  it('rejects an empty type and a missing store', async () => {
    const { tracker } = setup();
    expect(await codeOf(() => tracker.create(''))).toBe('invalid_input');
    expect(() => createTracker({} as TrackerOptions)).toThrow(/needs a store/);
  });

  it('emits created once per new job and stores the telemetry trace', async () => {
    const ends: unknown[] = [];
    const telemetry: JobTelemetry = {
      onCreate: () => ({ trace: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', end: (o) => ends.push(o.created) }),
    };
    const { tracker } = setup({ telemetry });
    const created = vi.fn();
    tracker.on('created', created);
    const job = await tracker.enqueue('a', 1, { key: 'k' });
    await tracker.enqueue('a', 1, { key: 'k' });
    expect(created).toHaveBeenCalledTimes(1);
    expect(job.trace).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(ends).toEqual([true, false]);
  });
});

describe('lifecycle by id', () => {
  it('runs start → progress → complete', async () => {
    const { tracker } = setup();
    const job = await tracker.create('x');
    const started = await tracker.start(job.id);
    expect(started).toMatchObject({ status: 'running', attempt: 1 });
    expect(started.startedAt?.getTime()).toBe(T0);
    tracker.progress(job.id, 0.4, 'Uploading');
    await tracker.flush(job.id);
    expect(await tracker.get(job.id)).toMatchObject({ progress: 0.4, stage: 'Uploading' });
    const done = await tracker.complete(job.id, { result: { rows: 3 }, note: 'completed with 3 row errors' });
    expect(done).toMatchObject({ status: 'completed', progress: 1, result: { rows: 3 }, note: 'completed with 3 row errors' });
    expect(done.finishedAt?.getTime()).toBe(T0);
  });

  it('clamps progress and rejects what is not a number', async () => {
    const { tracker } = setup();
    const job = await tracker.create('x');
    await tracker.start(job.id);
    tracker.progress(job.id, 7);
    await tracker.flush(job.id);
    expect((await tracker.get(job.id))?.progress).toBe(1);
    tracker.progress(job.id, -2);
    await tracker.flush(job.id);
    expect((await tracker.get(job.id))?.progress).toBe(0);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '0.5', null]) {
      expect(() => tracker.progress(job.id, bad as number)).toThrow(expect.objectContaining({ code: 'invalid_progress' }));
    }
  });

  it('fails into retrying with the backoff delay while attempts remain, then failed', async () => {
    const { tracker, clock } = setup({ backoff: backoff.steps([1000, 5000]) });
    const job = await tracker.create('x', { maxAttempts: 3 });
    await tracker.start(job.id);
    const first = await tracker.fail(job.id, new Error('socket hang up'));
    expect(first).toMatchObject({ status: 'retrying', error: { message: 'socket hang up', attempt: 1, retryable: true } });
    expect(first.runAt.getTime()).toBe(T0 + 1000);
    await clock.advance(1000);
    await tracker.start(job.id);
    const second = await tracker.fail(job.id, Object.assign(new Error('busy'), { status: 503 }));
    expect(second.runAt.getTime()).toBe(T0 + 1000 + 5000);
    expect(second.errors.map((e) => e.message)).toEqual(['socket hang up']);
    await tracker.start(job.id);
    const last = await tracker.fail(job.id, new Error('still down'));
    expect(last).toMatchObject({ status: 'failed', attempt: 3 });
    expect(last.finishedAt).not.toBeNull();
  });

  it('fails at once on a fatal error and honours retryAfterMs', async () => {
    const { tracker } = setup();
    const a = await tracker.create('x');
    await tracker.start(a.id);
    expect((await tracker.fail(a.id, new FatalJobError('bad row'))).status).toBe('failed');
    const b = await tracker.create('x');
    await tracker.start(b.id);
    const retried = await tracker.fail(b.id, new RetryableJobError('rate limited', { retryAfterMs: 42_000 }));
    expect(retried.runAt.getTime()).toBe(T0 + 42_000);
    const c = await tracker.create('x');
    await tracker.start(c.id);
    expect((await tracker.fail(c.id, Object.assign(new Error('nope'), { status: 404 }))).status).toBe('failed');
  });

  it('skips, cancels and manually retries', async () => {
    const { tracker } = setup();
    const a = await tracker.create('x');
    await tracker.start(a.id);
    expect(await tracker.skip(a.id, { note: 'no leads to score' })).toMatchObject({ status: 'skipped', note: 'no leads to score' });
    const b = await tracker.create('x');
    expect((await tracker.cancel(b.id)).status).toBe('cancelled');
    const again = await tracker.retry(b.id);
    expect(again).toMatchObject({ status: 'queued', attempt: 0, finishedAt: null });
    expect(await codeOf(() => tracker.retry(a.id))).toBe('invalid_transition');
  });

  it('refuses a manual retry while another unfinished job holds its key', async () => {
    const { tracker } = setup();
    const first = await tracker.enqueue('sync', null, { key: 'acct-1' });
    await tracker.cancel(first.id);
    const second = await tracker.enqueue('sync', null, { key: 'acct-1' });
    await expect(tracker.retry(first.id)).rejects.toThrow(new RegExp(second.id));
    await tracker.cancel(second.id);
    expect((await tracker.retry(first.id)).status).toBe('queued');
  });

  it('refuses illegal transitions and missing jobs with typed errors', async () => {
    const { tracker } = setup();
    const job = await tracker.create('x');
    expect(await codeOf(() => tracker.complete(job.id))).toBe('invalid_transition');
    await tracker.start(job.id);
    await tracker.complete(job.id);
    expect(await codeOf(() => tracker.complete(job.id))).toBe('invalid_transition');
    expect(await codeOf(() => tracker.cancel(job.id))).toBe('invalid_transition');
    expect(await codeOf(() => tracker.start('0190a0b0-0000-7000-8000-000000000000'))).toBe('job_not_found');
    expect(await codeOf(() => tracker.start('not-an-id'))).toBe('job_not_found');
    expect(await tracker.get('not-an-id')).toBeNull();
  });

  it('refuses to retry a job that has not finished, and leaves its record as it was', async () => {
    const { tracker } = setup();
    const queued = await tracker.create('x');
    expect(await codeOf(() => tracker.retry(queued.id))).toBe('invalid_transition');
    const running = await tracker.start((await tracker.create('x')).id);
    expect(await codeOf(() => tracker.retry(running.id))).toBe('invalid_transition');
    expect(await tracker.get(running.id)).toEqual(running);
    expect(await tracker.get(queued.id)).toEqual(queued);
    await tracker.close();
  });

  it('hides jobs outside the scope', async () => {
    const { tracker } = setup();
    const job = await tracker.create('x', { tenantId: 'a' });
    expect(await tracker.get(job.id, { tenantId: 'b' })).toBeNull();
    expect(await codeOf(() => tracker.cancel(job.id, { tenantId: 'b' }))).toBe('job_not_found');
    expect((await tracker.get(job.id, { tenantId: 'a' }))?.id).toBe(job.id);
  });
});

describe('progress coalescing', () => {
  it('writes at most once per interval, latest value wins, completion writes the final state', async () => {
    const { tracker, store, clock } = setup({ progressIntervalMs: 250 });
    const writes = vi.spyOn(store, 'updateProgress');
    let seen: Job | null = null;
    const result = tracker.track('loop', async (ctx) => {
      for (let i = 1; i <= 1000; i++) ctx.progress(i / 1000, `row ${i}`);
      await Promise.resolve();
      seen = await store.get(ctx.job.id);
      await clock.advance(250);
      return 'done';
    });
    expect(await result).toBe('done');
    expect(writes.mock.calls.length).toBeLessThanOrEqual(2);
    expect(seen!.progress).toBeGreaterThan(0);
    const [job] = (await store.query({ limit: 1 })).jobs;
    expect(job).toMatchObject({ status: 'completed', progress: 1, stage: 'row 1000' });
  });
});

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

describe('queries', () => {
  it('lists newest first with cursor pagination and filters', async () => {
    const { tracker } = setup();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await tracker.create(i % 2 ? 'b' : 'a', { tenantId: 't' })).id);
    const page1 = await tracker.list({ limit: 2 });
    const page2 = await tracker.list({ limit: 2, cursor: page1.nextCursor! });
    const page3 = await tracker.list({ limit: 2, cursor: page2.nextCursor! });
    expect([...page1.jobs, ...page2.jobs, ...page3.jobs].map((j) => j.id)).toEqual([...made].reverse());
    expect(page3.nextCursor).toBeNull();
    expect((await tracker.list({ type: 'b' })).jobs).toHaveLength(2);
    expect((await tracker.list({ scope: { tenantId: 'other' } })).jobs).toHaveLength(0);
    expect((await tracker.list({ tenantId: 't', scope: { tenantId: 'other' } })).jobs).toHaveLength(0);
    expect(await codeOf(() => tracker.list({ limit: 5000 }))).toBe('invalid_input');
    expect(await codeOf(() => tracker.list({ cursor: "'; drop table jobs; --" }))).toBe('invalid_input');
    expect(await codeOf(() => tracker.list({ status: 'done' as never }))).toBe('invalid_input');
  });

  it('answers active jobs including those finished within the window', async () => {
    const { tracker, clock } = setup();
    const old = await tracker.create('x');
    await tracker.start(old.id);
    await tracker.complete(old.id);
    await clock.advance(10 * 60_000);
    const recent = await tracker.create('x');
    await tracker.start(recent.id);
    await tracker.complete(recent.id);
    const queued = await tracker.create('x');
    const ids = (await tracker.active({ withinMs: 60_000 })).map((j) => j.id);
    expect(ids).toEqual([queued.id, recent.id]);
  });

  it('counts by status and type, rolls up children, increments metrics', async () => {
    const { tracker } = setup();
    const parent = await tracker.create('leads.run');
    const a = await tracker.create('leads.client', { parentId: parent.id });
    const b = await tracker.create('leads.client', { parentId: parent.id });
    await tracker.start(a.id);
    await tracker.incrementMetrics(a.id, { leads: 5, tokens: 100 });
    expect(await tracker.incrementMetrics(b.id, { leads: 2 })).toEqual({ leads: 2 });
    await tracker.complete(a.id);
    const rollup = await tracker.rollup(parent.id);
    expect(rollup).toMatchObject({ total: 2, metrics: { leads: 7, tokens: 100 }, finished: false });
    expect(rollup.byStatus).toMatchObject({ completed: 1, queued: 1 });
    const stats = await tracker.stats();
    expect(stats.total).toBe(3);
    expect(stats.byType['leads.client']?.byStatus.completed).toBe(1);
    expect(await codeOf(() => tracker.incrementMetrics(a.id, { leads: 1 }))).toBe('job_finished');
    expect(await codeOf(() => tracker.incrementMetrics(b.id, { leads: Number.NaN }))).toBe('invalid_input');
  });

  it('prunes finished jobs older than the cut-off per status', async () => {
    const { tracker, clock } = setup();
    const done = await tracker.create('x');
    await tracker.start(done.id);
    await tracker.complete(done.id);
    const failed = await tracker.create('x', { maxAttempts: 1 });
    await tracker.start(failed.id);
    await tracker.fail(failed.id, new FatalJobError('x'));
    const queued = await tracker.create('x');
    await clock.advance(2 * 86_400_000);
    expect(await tracker.prune({ olderThanMs: { completed: '1d', failed: '7d' } })).toBe(1);
    expect(await tracker.get(done.id)).toBeNull();
    expect(await tracker.get(failed.id)).not.toBeNull();
    expect(await tracker.get(queued.id)).not.toBeNull();
    expect(await codeOf(() => tracker.prune({ olderThanMs: 1, statuses: ['queued' as never] }))).toBe('invalid_input');
    expect(await codeOf(() => tracker.prune({ olderThanMs: 'soon' }))).toBe('invalid_input');
  });
});

describe('lease recovery', () => {
  it('retries or fails jobs whose lease expired, and a late completion then loses', async () => {
    const { tracker, clock, store } = setup();
    const job = await tracker.create('x', { maxAttempts: 2 });
    const [claimed] = await store.claim({
      owner: 'dead-worker',
      now: new Date(clock.now()),
      leaseExpiresAt: new Date(clock.now() + 1000),
      limits: { x: 1 },
      limit: 1,
    });
    expect(claimed?.id).toBe(job.id);
    expect(await tracker.recoverExpired()).toEqual([]);
    await clock.advance(1001);
    const recovered = vi.fn();
    tracker.on('recovered', recovered);
    const [back] = await tracker.recoverExpired();
    expect(back).toMatchObject({ status: 'retrying', error: { code: 'lease_expired' } });
    expect(recovered).toHaveBeenCalledTimes(1);
    const late = await store.transition(
      job.id,
      { status: 'running', leaseOwner: 'dead-worker', attempt: 1 },
      { status: 'completed', updatedAt: new Date(clock.now()) },
    );
    expect(late.ok).toBe(false);

    await clock.advance(1000);
    await store.claim({
      owner: 'dead-again',
      now: new Date(clock.now()),
      leaseExpiresAt: new Date(clock.now() + 10),
      limits: { x: 1 },
      limit: 1,
    });
    await clock.advance(11);
    const [final] = await tracker.recoverExpired();
    expect(final).toMatchObject({ status: 'failed', attempt: 2, error: { code: 'lease_expired' } });
  });
});

function brokenStore(): JobStore {
  const fail = () => Promise.reject(new Error('store is down'));
  return {
    insert: fail,
    get: fail,
    transition: fail,
    claim: fail,
    heartbeat: fail,
    findExpired: fail,
    updateProgress: fail,
    incrementMetrics: fail,
    query: fail,
    count: fail,
    sumMetrics: fail,
    prune: fail,
    close: () => Promise.resolve(),
  };
}
