import type { Clock } from './clock.js';

/** Longest delay a timer takes (2^31 - 1 ms); a longer wait is no wait limit at all. */
const MAX_TIMER_MS = 2_147_483_647;

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
export function raceTimeout(promise: Promise<unknown>, ms: number, clock: Clock): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  if (ms > MAX_TIMER_MS) return promise.then(() => undefined);
  return new Promise((resolve) => {
    const timer = clock.setTimeout(resolve, ms);
    void promise.then(() => {
      clock.clearTimeout(timer);
      resolve();
    });
  });
}

/** Runs `fn` on the next turn of the event loop, after pending I/O callbacks. */
export const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);
