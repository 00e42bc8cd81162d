import { backoff } from '../backoff/backoff.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { JobStore } from '../store/job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTracker } from './tracker.js';
import type { TrackerOptions } from './tracker-options.js';

/** The fake clock's start in every tracker test. */
export const T0 = Date.UTC(2026, 0, 1);

/** A tracker over a fresh memory store and a fake clock at `T0`, with a fixed 1 s backoff. */
export function setup(options: Partial<TrackerOptions> = {}) {
  const clock = createFakeClock(T0);
  const store = new MemoryJobStore();
  const tracker = createTracker({ store, clock, backoff: backoff.fixed(1000), ...options });
  return { clock, store, tracker };
}

/** The `code` of what `action` throws or rejects with; undefined when it succeeds. */
export async function codeOf(action: () => unknown): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

/** A store whose every call rejects, as when the database is unreachable. */
export function brokenStore(): JobStore {
  const fail = () => Promise.reject(new Error('store is down'));
  return {
    insert: fail,
    get: fail,
    transition: fail,
    claim: fail,
    heartbeat: fail,
    findExpired: fail,
    updateProgress: fail,
    incrementMetrics: fail,
    query: fail,
    count: fail,
    sumMetrics: fail,
    prune: fail,
    close: () => Promise.resolve(),
  };
}
