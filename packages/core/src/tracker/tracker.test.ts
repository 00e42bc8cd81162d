import vm from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { FatalJobError } from '../errors/job-errors.js';
import type { Job } from '../model/job.js';
import type { JobTelemetry } from '../telemetry/telemetry-port.js';
import { createTracker } from './tracker.js';
import type { TrackerOptions } from './tracker-options.js';
import { withWarning } from './outcome-writer.js';
import { codeOf, setup, T0 } from './tracker.test-support.js';
import { MAX_NOTE_LENGTH } from './validate-input.js';

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

describe('hostile and foreign input', () => {
  const unreadable = <T extends object>(target: T): T =>
    new Proxy(target, {
      get() {
        throw new Error('no reading');
      },
    });

  /** The field of the JobValidationError `call` rejects with (a raw error fails the test). */
  async function refusedField(call: () => Promise<unknown>): Promise<string> {
    const error = await Promise.resolve().then(call).then(() => undefined, (caught: unknown) => caught);
    expect((error as { code?: unknown }).code).toBe('invalid_input');
    return (error as { field: string }).field;
  }

  it('refuses a scope or filter whose reading throws as invalid_input, never the raw error', async () => {
    const { tracker } = setup();
    const job = await tracker.enqueue('x', {});
    expect(await refusedField(() => tracker.get(job.id, unreadable({ tenantId: 't' })))).toBe('scope');
    expect(await refusedField(() => tracker.list({ scope: unreadable({}) }))).toBe('scope');
    expect(await refusedField(() => tracker.list(unreadable({})))).toBe('filter');
    expect(await refusedField(() => tracker.get(job.id, undefined, unreadable({ payload: 'omit' as const })))).toBe('read');
    expect(await tracker.get(job.id, { tenantId: null })).toEqual(job);
  });

  it('refuses options, outcomes and deltas whose reading throws as invalid_input naming the argument, and writes nothing', async () => {
    const { tracker } = setup();
    const job = await tracker.enqueue('x', {});
    expect(await refusedField(() => tracker.enqueue('x', {}, unreadable({ priority: 1 })))).toBe('options');
    expect(await refusedField(() => tracker.create('x', unreadable({ payload: 1 })))).toBe('options');
    expect(await refusedField(() => tracker.track('x', () => 1, unreadable({})))).toBe('options');
    expect(await refusedField(() => tracker.active(unreadable({})))).toBe('options');
    expect(await refusedField(() => tracker.prune(unreadable({ olderThanMs: 1 })))).toBe('options');
    expect(await refusedField(() => tracker.start(job.id, unreadable({})))).toBe('options');
    expect(await tracker.get(job.id)).toEqual(job);
    const started = await tracker.start(job.id);
    expect(await refusedField(() => tracker.heartbeat(job.id, unreadable({})))).toBe('options');
    expect(await refusedField(() => tracker.incrementMetrics(job.id, unreadable({ rows: 1 })))).toBe('deltas');
    expect(await refusedField(() => tracker.complete(job.id, unreadable({ result: 1 })))).toBe('outcome');
    expect(await refusedField(() => tracker.skip(job.id, unreadable({ note: 'x' })))).toBe('outcome');
    expect(await tracker.get(job.id)).toEqual(started);
    expect((await tracker.list({ type: 'x' })).jobs).toHaveLength(1);
    await tracker.close();
  });

  it('refuses a revoked proxy as a scope or read (Array.isArray throws for it) as invalid_input', async () => {
    const { tracker } = setup();
    const job = await tracker.enqueue('x', {});
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(await refusedField(() => tracker.get(job.id, proxy))).toBe('scope');
    expect(await refusedField(() => tracker.get(job.id, undefined, proxy))).toBe('read');
    expect(await refusedField(() => tracker.cancel(job.id, proxy))).toBe('scope');
    expect(await refusedField(() => tracker.retry(job.id, proxy))).toBe('scope');
    expect(await refusedField(() => tracker.list({ read: proxy }))).toBe('read');
    expect(await tracker.get(job.id)).toEqual(job);
  });

  it('takes a runAt made in another realm, and keeps a Date of its own', async () => {
    const { tracker } = setup();
    const runAt = vm.runInNewContext(`new Date(${T0 + 5000})`) as Date;
    expect(runAt instanceof Date).toBe(false);
    const job = await tracker.enqueue('x', {}, { runAt });
    expect(job.runAt).toBeInstanceOf(Date);
    expect(job.runAt.getTime()).toBe(T0 + 5000);
    expect(job.runAt).not.toBe(runAt);
    expect((await tracker.get(job.id))!.runAt).toEqual(new Date(T0 + 5000));
    expect(await tracker.list({ createdAfter: vm.runInNewContext(`new Date(${T0 - 1})`) as Date })).toMatchObject({ jobs: [{ id: job.id }] });
  });
});
