import { describe, expect, it } from 'vitest';
import { interleave, ranksBefore, type ClaimOrderKey } from './claim-order.js';

const at = (seconds: number): Date => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);
const key = (id: string, priority = 0, runAt = 0): ClaimOrderKey => ({ _id: id, priority, runAt: at(runAt) });
const ids = (keys: readonly ClaimOrderKey[]): string[] => keys.map((entry) => entry._id);

describe('ranksBefore', () => {
  it('orders by priority desc, then runAt asc, then id asc', () => {
    expect(ranksBefore(key('b', 2), key('a', 1))).toBe(true);
    expect(ranksBefore(key('a', 1), key('b', 2))).toBe(false);
    expect(ranksBefore(key('b', 1, 0), key('a', 1, 5))).toBe(true);
    expect(ranksBefore(key('a', 1, 5), key('b', 1, 5))).toBe(true);
    expect(ranksBefore(key('a', 1, 5), key('a', 1, 5))).toBe(false);
  });
});

describe('interleave', () => {
  it("takes each step the next job of the sequence whose next job ranks first, keeping each sequence's own order", () => {
    // The second sequence is round-robin order, not claim order: its 'y' ranks below 'z' but comes first.
    const plain = [key('a', 5), key('b', 1), key('c', 0)];
    const controlled = [key('x', 3), key('y', 0, 9), key('z', 2)];
    expect(ids(interleave([plain, controlled]))).toEqual(['a', 'x', 'b', 'c', 'y', 'z']);
  });

  it('stops at the total, and when every sequence is spent', () => {
    expect(ids(interleave([[key('a', 1), key('b', 0)], [key('c', 2)]], 2))).toEqual(['c', 'a']);
    expect(ids(interleave([[key('a')], []], 10))).toEqual(['a']);
    expect(interleave([], 3)).toEqual([]);
    expect(interleave([[key('a')]], 0)).toEqual([]);
  });
});
