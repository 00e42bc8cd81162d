import { describe, expect, it } from 'vitest';
import { rateAllowance } from './rate-window.js';
import { checkTypeLimits } from './type-limits.js';

describe('checkTypeLimits', () => {
  it('answers complete limits, null where there is none', () => {
    expect(checkTypeLimits({})).toEqual({ maxRunning: null, maxRunningPerGroup: null, rateLimit: null });
    expect(checkTypeLimits({ maxRunning: 3, maxRunningPerGroup: 1, rateLimit: { limit: 10, intervalMs: 1000 } })).toEqual({
      maxRunning: 3,
      maxRunningPerGroup: 1,
      rateLimit: { limit: 10, intervalMs: 1000, perGroup: false },
    });
    expect(checkTypeLimits({ maxRunning: null, rateLimit: null })).toEqual({ maxRunning: null, maxRunningPerGroup: null, rateLimit: null });
  });

  it.each([
    [{ maxRunning: -1 }, 'maxRunning'],
    [{ maxRunning: 0 }, 'maxRunning'],
    [{ maxRunning: Number.NaN }, 'maxRunning'],
    [{ maxRunning: '3' }, 'maxRunning'],
    [{ maxRunning: 1.5 }, 'maxRunning'],
    [{ maxRunning: 100_001 }, 'maxRunning'],
    [{ maxRunningPerGroup: 0 }, 'maxRunningPerGroup'],
    [{ rateLimit: { limit: 0, intervalMs: 1000 } }, 'rateLimit.limit'],
    [{ rateLimit: { limit: 10, intervalMs: 999 } }, 'rateLimit.intervalMs'],
    [{ rateLimit: { limit: 10, intervalMs: Number.POSITIVE_INFINITY } }, 'rateLimit.intervalMs'],
    [{ rateLimit: { limit: 10, intervalMs: 1000, perGroup: 'yes' } }, 'rateLimit.perGroup'],
    [{ rateLimit: { limit: 10, intervalMs: 1000, burst: 2 } }, 'rateLimit.burst'],
    [{ rateLimit: 10 }, 'rateLimit'],
    [{ maxRuning: 3 }, 'maxRuning'],
  ])('refuses %j naming %s', (limits, field) => {
    expect(() => checkTypeLimits(limits)).toThrow(expect.objectContaining({ code: 'invalid_input', field }));
  });

  it('refuses what is not an object', () => {
    for (const bad of [null, 3, 'x', [], undefined]) {
      expect(() => checkTypeLimits(bad)).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'limits' }));
    }
  });
});

describe('rateAllowance (sliding window)', () => {
  const rate = { limit: 10, intervalMs: 1000 };

  it('allows up to the limit in any window and says when the next start is allowed', () => {
    expect(rateAllowance(rate, [], 5_000)).toEqual({ allowed: 10, nextAt: null });
    const starts = [4_100, 4_200, 4_300, 4_400, 4_500, 4_600, 4_700, 4_800, 4_900, 5_000];
    expect(rateAllowance(rate, starts, 5_000)).toEqual({ allowed: 0, nextAt: 5_100 });
    expect(rateAllowance(rate, starts, 5_100)).toEqual({ allowed: 1, nextAt: null });
    expect(rateAllowance(rate, starts, 6_000)).toEqual({ allowed: 10, nextAt: null });
  });

  it("counts starts after now: another claimer's whose clock runs ahead", () => {
    // Without them, a claim 5 ms behind would put a second ten into the window (1_000, 2_000].
    const ahead = Array.from({ length: 10 }, () => 1_010);
    expect(rateAllowance(rate, ahead, 1_005)).toEqual({ allowed: 0, nextAt: 2_010 });
  });

  it('never lets 2 × limit through around an edge, as fixed buckets would', () => {
    // Ten starts at the end of one second, then asking at the start of the next.
    const starts = Array.from({ length: 10 }, (_, i) => 1_990 + i);
    expect(rateAllowance(rate, starts, 2_001).allowed).toBe(0);
    expect(rateAllowance(rate, starts, 2_990).allowed).toBe(1);
  });

  it('simulated: a claimer that takes what it is allowed never exceeds the limit in any window', () => {
    const starts: number[] = [];
    for (let now = 0; now < 10_000; now += 37) {
      const { allowed } = rateAllowance(rate, starts, now);
      for (let i = 0; i < Math.min(allowed, 3); i++) starts.push(now);
    }
    for (const start of starts) {
      expect(starts.filter((other) => other > start - 1000 && other <= start).length).toBeLessThanOrEqual(10);
    }
    expect(starts.length).toBeGreaterThan(90);
  });
});
