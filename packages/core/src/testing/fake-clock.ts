import type { Clock, TimerHandle } from '../util/clock.js';

/** A `Clock` whose time moves only when a test says so. */
export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, running every timer that falls due on the way in time order (ties
   * in scheduling order), with `now()` equal to each timer's due time while it runs. Between
   * timers, and at the end, it lets pending promise callbacks settle, so code such as
   * `await store.claim(); schedule next poll` has scheduled its next timer before time moves on.
   */
  advance(ms: number): Promise<void>;
  /**
   * Runs timers until none is left (including timers they schedule), moving time to each one's
   * due time. Throws when more than `limit` timers run, which means something reschedules itself
   * forever (a poll loop): use `advance` for those.
   */
  runAll(limit?: number): Promise<void>;
  /** How many timers are scheduled and not yet run or cleared. */
  pendingTimers(): number;
}

interface FakeTimer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/** Most timers one `advance` may run before it assumes a runaway loop. */
const ADVANCE_LIMIT = 100_000;

// Captured at load time, before a test may install vitest's fake timers: settling must use the
// real event loop, or it would wait on a faked timer forever.
const realSetImmediate: ((callback: () => void) => unknown) | undefined = (
  globalThis as { setImmediate?: (callback: () => void) => unknown }
).setImmediate;
const realSetTimeout = globalThis.setTimeout;

/**
 * Lets every queued microtask (and the promise chains they start) run: a macrotask only runs once
 * the microtask queue is empty.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => {
    if (realSetImmediate !== undefined) realSetImmediate(resolve);
    else realSetTimeout(resolve, 0);
  });
}

/**
 * A fake clock for testing retry, lease and coalescing logic without waiting: inject it where core
 * takes a `Clock`, then drive time with `advance`. Deterministic: timers run in due-time order,
 * ties in the order they were scheduled, and never on their own.
 *
 * @example
 * const clock = createFakeClock(Date.UTC(2030, 0, 1));
 * const tracker = createTracker({ store, clock });
 * const worker = createWorker({ tracker, handlers });
 * await clock.advance(30_000); // two poll intervals, one heartbeat, ...
 */
export function createFakeClock(startMs = 0): FakeClock {
  let now = startMs;
  let nextId = 1;
  const timers = new Map<number, FakeTimer>();

  function nextDue(until: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of timers.values()) {
      if (timer.due > until) continue;
      if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.id < best.id)) best = timer;
    }
    return best;
  }

  async function runUntil(until: number, limit: number, what: string): Promise<void> {
    await settle();
    let ran = 0;
    for (;;) {
      const timer = nextDue(until);
      if (timer === undefined) break;
      if (++ran > limit) {
        throw new Error(
          `${what} ran more than ${limit} timers: a timer keeps rescheduling itself. Advance by a bounded amount instead.`,
        );
      }
      timers.delete(timer.id);
      if (timer.due > now) now = timer.due;
      timer.callback();
      await settle();
    }
  }

  return {
    now: () => now,

    setTimeout(callback: () => void, ms: number): TimerHandle {
      const delay = typeof ms === 'number' && ms > 0 ? ms : 0;
      const timer: FakeTimer = { id: nextId++, due: now + delay, callback };
      timers.set(timer.id, timer);
      return timer.id;
    },

    clearTimeout(handle: TimerHandle): void {
      if (typeof handle === 'number') timers.delete(handle);
    },

    async advance(ms: number): Promise<void> {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`advance(ms) needs a finite, non-negative number of milliseconds; got ${String(ms)}.`);
      }
      const target = now + ms;
      await runUntil(target, ADVANCE_LIMIT, `advance(${ms})`);
      if (target > now) now = target;
      await settle();
    },

    async runAll(limit = 10_000): Promise<void> {
      await runUntil(Number.POSITIVE_INFINITY, limit, 'runAll()');
    },

    pendingTimers: () => timers.size,
  };
}
