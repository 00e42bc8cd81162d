import { describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { Job } from '../model/job.js';
import type { InsertManyResult, InsertOptions } from '../store/job-store.js';
import { MAX_INSERT_MANY } from '../store/store-input.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTracker } from './tracker.js';
import { DATE_MAX } from './validate-input.js';
import { setup, T0 } from './tracker.test-support.js';

/**
 * `enqueueMany` drafts each chunk just before inserting it: every item is still checked before
 * the first write, ids still follow the input order, and no chunk is drafted before its turn.
 */
describe('enqueueMany chunks', () => {
  it('refuses a delayMs past the year 9999 in a later chunk by its index, before any chunk is written', async () => {
    const { tracker, store } = setup({ recoverIntervalMs: false });
    const items = Array.from({ length: 2_500 }, (_, n) => ({ type: 'many.delay', delayMs: n === 2_100 ? DATE_MAX - T0 + 1 : 0 }));
    await expect(tracker.enqueueMany(items)).rejects.toMatchObject({ code: 'invalid_input', field: 'jobs[2100].delayMs' });
    expect(await store.query({ type: ['many.delay'], limit: 10 })).toMatchObject({ jobs: [] });
    // The latest storable delay is taken.
    const answer = await tracker.enqueueMany([{ type: 'many.delay', delayMs: DATE_MAX - T0 }]);
    expect(answer.results[0]!.job.runAt.getTime()).toBe(DATE_MAX);
  });

  it('ids follow the input order across chunks; every job of the call has the same createdAt', async () => {
    const { tracker } = setup({ recoverIntervalMs: false });
    const answer = await tracker.enqueueMany(Array.from({ length: 2 * MAX_INSERT_MANY + 7 }, (_, n) => ({ type: 'many.order', payload: { n } })));
    const ids = answer.results.map((result) => result.job.id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(answer.results.map((result) => result.job.createdAt.getTime()))).toEqual(new Set([T0]));
  });

  it('drafts a chunk only when its insert starts, and reads each item once, when checking it', async () => {
    const store = new MemoryJobStore();
    const original = store.insertMany.bind(store);
    const waiting: Array<() => void> = [];
    store.insertMany = async (jobs: readonly Job[], options?: InsertOptions): Promise<InsertManyResult> => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return original(jobs, options);
    };
    // Wrapped before the tracker is made: its guard keeps the method it first sees.
    const tracker = createTracker({ store, clock: createFakeClock(T0), recoverIntervalMs: false });
    // The telemetry hook sees every draft as it is made: it counts the drafts.
    let drafted = 0;
    tracker.useTelemetry({
      onCreate: () => {
        drafted++;
        return undefined;
      },
    });
    const reads = { first: 0, last: 0 };
    const items: Array<{ type: string; payload?: unknown }> = Array.from({ length: 10 * MAX_INSERT_MANY }, (_, n) => ({ type: 'many.lazy', payload: { n } }));
    const counted = (which: 'first' | 'last') => ({
      type: 'many.lazy',
      get payload() {
        reads[which]++;
        return { which };
      },
    });
    items[0] = counted('first');
    items[items.length - 1] = counted('last');
    const call = tracker.enqueueMany(items);
    await expect.poll(() => waiting.length).toBe(2);
    // Every item was checked (and read, once) up front; only the chunks in flight are drafted.
    expect(reads).toEqual({ first: 1, last: 1 });
    expect(drafted).toBe(2 * MAX_INSERT_MANY);
    while (waiting.length > 0) {
      waiting.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const answer = await call;
    expect(answer.created).toBe(10 * MAX_INSERT_MANY);
    expect(drafted).toBe(10 * MAX_INSERT_MANY);
    expect(reads).toEqual({ first: 1, last: 1 });
    expect(answer.results.at(-1)!.job.payload).toEqual({ which: 'last' });
  });

  it('drafts what it checked: a getter answering otherwise on a second read, or a later change to an item, does not reach the store', async () => {
    const store = new MemoryJobStore();
    const original = store.insertMany.bind(store);
    const waiting: Array<() => void> = [];
    store.insertMany = async (jobs: readonly Job[], options?: InsertOptions): Promise<InsertManyResult> => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return original(jobs, options);
    };
    const tracker = createTracker({ store, clock: createFakeClock(T0), recoverIntervalMs: false });
    let priorityReads = 0;
    const fickle = {
      type: 'many.fickle',
      get priority(): unknown {
        return priorityReads++ === 0 ? 7 : 'not a number';
      },
    };
    const later = new Date(T0 + 60_000);
    const items: Array<Record<string, unknown>> = Array.from({ length: 6 * MAX_INSERT_MANY }, (_, n) => ({ type: 'many.fickle', payload: { n } }));
    items[0] = fickle;
    items[items.length - 1] = { type: 'many.fickle', runAt: later, key: 'k' };
    const call = tracker.enqueueMany(items as never);
    await expect.poll(() => waiting.length).toBe(2);
    // The last chunk is not drafted yet: change its item behind the call's back.
    later.setTime(Number.NaN);
    items[items.length - 1]!['key'] = 42;
    while (waiting.length > 0) {
      waiting.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const answer = await call;
    expect(answer.created).toBe(6 * MAX_INSERT_MANY);
    expect(priorityReads).toBe(1);
    expect((await tracker.get(answer.results[0]!.job.id))!.priority).toBe(7);
    const last = (await tracker.get(answer.results.at(-1)!.job.id))!;
    expect(last.runAt.getTime()).toBe(T0 + 60_000);
    expect(last.key).toBe('k');
  });

  it('create drafts what it checked too', async () => {
    const { tracker } = setup();
    let reads = 0;
    const job = await tracker.create('one.fickle', {
      payload: { n: 1 },
      get maxAttempts(): unknown {
        return reads++ === 0 ? 2 : -1;
      },
    } as never);
    expect(reads).toBe(1);
    expect((await tracker.get(job.id))!.maxAttempts).toBe(2);
  });

  it('takes a store answer of exactly { job, created } as it is, without reading a lazy job; copies any other; reads them to tell listeners', async () => {
    const store = new MemoryJobStore();
    const original = store.insertMany.bind(store);
    let jobReads = 0;
    let extra = false;
    store.insertMany = async (jobs: readonly Job[], options?: InsertOptions): Promise<InsertManyResult> => {
      const { results } = await original(jobs, options);
      return {
        results: results.map(({ job, created }) => {
          const answer = {
            get job(): Job {
              jobReads++;
              return job;
            },
            created,
          };
          return extra ? Object.assign(answer, { note: 'store-specific' }) : answer;
        }),
      };
    };
    const tracker = createTracker({ store, clock: createFakeClock(T0), recoverIntervalMs: false });
    const answer = await tracker.enqueueMany(Array.from({ length: 1_500 }, (_, n) => ({ type: 'many.lazy', payload: { n } })));
    expect(jobReads).toBe(0);
    expect(answer.created).toBe(1_500);
    expect(answer.results[1_499]!.job.payload).toEqual({ n: 1_499 });
    expect(jobReads).toBe(1);

    extra = true;
    const copied = await tracker.enqueueMany([{ type: 'many.lazy' }]);
    expect(Object.keys(copied.results[0]!)).toEqual(['job', 'created']);

    extra = false;
    const told: string[] = [];
    tracker.on('created', (job) => told.push(job.id));
    jobReads = 0;
    const heard = await tracker.enqueueMany([{ type: 'many.lazy' }, { type: 'many.lazy' }]);
    expect(told).toEqual(heard.results.map((result) => result.job.id));
    expect(jobReads).toBeGreaterThanOrEqual(2);
  });
});

describe('enqueueMany when the store fails part-way', () => {
  /** A memory store whose `failAt`-th insert (1-based) throws; the others store as usual. */
  function failingStore(failAt: number) {
    const store = new MemoryJobStore();
    const original = store.insertMany.bind(store);
    let calls = 0;
    store.insertMany = async (jobs: readonly Job[], options?: InsertOptions): Promise<InsertManyResult> => {
      const call = ++calls;
      // A round trip, as a real store's insert takes one.
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (call === failAt) throw new Error('the connection was lost');
      return original(jobs, options);
    };
    return { store, calls: () => calls };
  }

  it('starts no chunk after the failure, lets the one in flight settle, and says which items were stored', async () => {
    const { store, calls } = failingStore(3);
    const tracker = createTracker({ store, clock: createFakeClock(T0), recoverIntervalMs: false });
    const items = Array.from({ length: 20 * MAX_INSERT_MANY }, (_, n) => ({ type: 'many.fail', payload: { n } }));
    const error = await tracker.enqueueMany(items).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toMatchObject({ code: 'enqueue_many_interrupted', name: 'EnqueueManyError', total: items.length });
    const failure = error as { stored: number; results: ReadonlyArray<{ job: Job; created: boolean } | undefined>; cause: Error };
    expect(failure.cause.message).toBe('the connection was lost');
    const callsAtReject = calls();
    // Nothing more is written after the call has failed.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls()).toBe(callsAtReject);
    expect(callsAtReject).toBeLessThanOrEqual(4);
    const stored = (await store.query({ type: ['many.fail'], limit: 100_000 })).jobs;
    expect(stored).toHaveLength(failure.stored);
    // `results` names exactly the stored items, whole chunks of them.
    const answered = failure.results.flatMap((result, index) => (result === undefined ? [] : [index]));
    expect(answered).toHaveLength(failure.stored);
    expect(new Set(stored.map((job) => (job.payload as { n: number }).n))).toEqual(new Set(answered));
    for (const index of answered) expect(failure.results[index]!.job.id).toBe(stored.find((job) => (job.payload as { n: number }).n === index)!.id);
    expect(failure.stored % MAX_INSERT_MANY).toBe(0);
    await tracker.close();
  });

  it('throws the store’s own error when nothing was stored, and stops in order when keys span chunks', async () => {
    const first = failingStore(1);
    const tracker = createTracker({ store: first.store, clock: createFakeClock(T0), recoverIntervalMs: false });
    await expect(tracker.enqueueMany(Array.from({ length: 1_500 }, () => ({ type: 'many.first' })))).rejects.toThrow('the connection was lost');
    await tracker.close();

    const keyed = failingStore(2);
    const keyedTracker = createTracker({ store: keyed.store, clock: createFakeClock(T0), recoverIntervalMs: false });
    // One key in every chunk: the chunks go one at a time, in order.
    const items = Array.from({ length: 5 * MAX_INSERT_MANY }, (_, n) => ({ type: 'many.keyed', key: `k-${n % 7}` }));
    const error = (await keyedTracker.enqueueMany(items).catch((failure: unknown) => failure)) as { code: string; stored: number };
    expect(error).toMatchObject({ code: 'enqueue_many_interrupted', stored: MAX_INSERT_MANY });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(keyed.calls()).toBe(2);
    await keyedTracker.close();
  });
});
