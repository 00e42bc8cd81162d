import type { RateLimit } from './type-limits.js';

/** What {@link rateAllowance} answers at `now`. */
export interface RateAllowance {
  /** Starts allowed now, 0 to `limit`. */
  allowed: number;
  /** When the next start is allowed, when none is now (ms since the epoch); else null. */
  nextAt: number | null;
}

/**
 * How many more jobs may start at `now` under a sliding-window rate limit: at most `limit` starts
 * in any window of `intervalMs`. `starts` are the times (ms) of recorded starts, in any order;
 * those at or before `now - intervalMs` do not count. Starts after `now` do: they are another
 * claimer's whose clock runs ahead of this one's, and leaving them out would let this claim put a
 * second `limit` into a window that holds both. Counted so, no window `(t - intervalMs, t]` over
 * the recorded starts ever holds more than `limit`, however the claimers' clocks differ. A
 * sliding window, not fixed buckets: fixed buckets let `2 × limit` starts through around a bucket
 * edge, which a user of "10 per second" would see as a broken limit.
 */
export function rateAllowance(rate: Pick<RateLimit, 'limit' | 'intervalMs'>, starts: readonly number[], now: number): RateAllowance {
  const windowStart = now - rate.intervalMs;
  const inWindow = starts.filter((start) => start > windowStart).sort((a, b) => a - b);
  const allowed = Math.max(0, rate.limit - inWindow.length);
  if (allowed > 0) return { allowed, nextAt: null };
  // Full: the next start is allowed once the oldest start still counted leaves the window.
  const oldestCounted = inWindow[inWindow.length - rate.limit]!;
  return { allowed: 0, nextAt: oldestCounted + rate.intervalMs };
}
