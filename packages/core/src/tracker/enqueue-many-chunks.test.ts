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

  it('drafts a chunk only when its insert starts: the chunks waiting hold their items only', async () => {
    const store = new MemoryJobStore();
    const original = store.insertMany.bind(store);
    const waiting: Array<() => void> = [];
    store.insertMany = async (jobs: readonly Job[], options?: InsertOptions): Promise<InsertManyResult> => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return original(jobs, options);
    };
    // Wrapped before the tracker is made: its guard keeps the method it first sees.
    const tracker = createTracker({ store, clock: createFakeClock(T0), recoverIntervalMs: false });
    // Reading an item's payload is what checking and drafting it do: count the reads of the first
    // item's and the last one's.
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
    await expect.poll(() => waiting.length).toBe(4);
    // The first chunk is drafted (read once more than checked), the last is not yet.
    expect(reads.last).toBeLessThan(reads.first);
    while (waiting.length > 0) {
      waiting.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const answer = await call;
    expect(answer.created).toBe(10 * MAX_INSERT_MANY);
    expect(reads.last).toBe(reads.first);
    expect(answer.results.at(-1)!.job.payload).toEqual({ which: 'last' });
  });
});
