import { describe, expect, it } from 'vitest';
import { rateAllowance } from '../flow/rate-window.js';
import { StartTimes } from './start-times.js';

describe('StartTimes', () => {
  it('answers what rateAllowance answers for the same starts, added in any order, after any trim', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const log = new StartTimes();
      const kept: number[] = [];
      const rate = { limit: 1 + random(8), intervalMs: 1000 };
      let now = 10_000;
      for (let step = 0; step < 60; step++) {
        now += random(300);
        // Mostly in order; sometimes a claimer whose clock runs up to 200 ms behind or ahead.
        const at = now + random(400) - 200;
        log.add(at);
        kept.push(at);
        const cutOff = now - 2 * rate.intervalMs;
        log.dropUntil(cutOff);
        const expected = rateAllowance(rate, kept, now);
        expect(log.allowance(rate.limit, rate.intervalMs, now)).toEqual(expected);
        expect(log.countAfter(now - 500)).toBe(kept.filter((start) => start > now - 500).length);
        expect(log.size).toBe(kept.filter((start) => start > cutOff).length);
      }
    }
  });

  it('keeps memory bounded: dropped times are compacted away', () => {
    const log = new StartTimes();
    for (let at = 0; at < 100_000; at++) {
      log.add(at);
      log.dropUntil(at - 10);
    }
    expect(log.size).toBe(10);
    expect(log.countAfter(-1)).toBe(10);
    expect((log as unknown as { times: number[] }).times.length).toBeLessThan(3000);
  });
});
