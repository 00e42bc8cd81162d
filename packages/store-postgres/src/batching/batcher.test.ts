import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  it('coalesces calls of one event-loop turn into one run, answering each in order', async () => {
    const runs: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        runs.push(items);
        return items.map((item) => ({ ok: true, value: item * 10 }));
      },
      { maxBatchSize: 100, maxInFlight: 1 },
    );
    expect(await Promise.all([1, 2, 3].map((n) => batcher.add(n)))).toEqual([10, 20, 30]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('never puts two items with one key in the same batch, and caps the batch size', async () => {
    const runs: string[][] = [];
    const batcher = new Batcher<string, string>(
      async (items) => {
        runs.push(items);
        return items.map((value) => ({ ok: true, value }));
      },
      { maxBatchSize: 2, maxInFlight: 1, keyOf: (item) => item.slice(0, 1) },
    );
    await Promise.all(['a1', 'a2', 'b1', 'c1'].map((item) => batcher.add(item)));
    expect(runs).toEqual([['a1', 'b1'], ['a2', 'c1']]);
  });

  it('fails only the items whose outcome failed, and every item when the run throws', async () => {
    let broken = false;
    const batcher = new Batcher<number, number>(
      async (items) => {
        if (broken) throw new Error('connection lost');
        return items.map((item) => (item < 0 ? { ok: false, error: new Error(`bad ${item}`) } : { ok: true, value: item }));
      },
      { maxBatchSize: 10, maxInFlight: 2 },
    );
    const results = await Promise.allSettled([1, -2, 3].map((n) => batcher.add(n)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    broken = true;
    await expect(Promise.all([batcher.add(4), batcher.add(5)])).rejects.toThrow('connection lost');
    await batcher.drain();
  });
});
