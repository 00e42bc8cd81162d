import { backoff } from '../backoff/backoff.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import type { TrackerOptions } from '../tracker/tracker-options.js';
import { createWorker, type Worker } from './worker.js';
import type { WorkerOptions } from './worker-options.js';

/** The fake clock's start in every worker test. */
export const T0 = Date.UTC(2026, 0, 1);

/** The workers `stopWorkers` stops: those `setup().worker` made, and any a test adds itself. */
export const workers: Array<{ worker: Worker; clock: ReturnType<typeof createFakeClock> }> = [];

/** Stops every worker a test started; each test file runs it in `afterEach`. */
export async function stopWorkers(): Promise<void> {
  // Handlers left hanging by a test only let go once the grace period passes on the fake clock.
  await Promise.all(
    workers.splice(0).map(async ({ worker, clock }) => {
      let stopped = false;
      const stopping = worker.stop().then(() => (stopped = true));
      while (!stopped) await clock.advance(1000);
      await stopping;
    }),
  );
}

/** A tracker over a fresh memory store and a fake clock at `T0`, and a maker of workers on it (100 ms polls). */
export function setup(options: Partial<TrackerOptions> = {}) {
  const clock = createFakeClock(T0);
  const store = new MemoryJobStore();
  const tracker = createTracker({ store, clock, backoff: backoff.fixed(1000), ...options });
  const worker = (opts: Omit<WorkerOptions, 'tracker'> & { tracker?: Tracker }) => {
    const made = createWorker({ tracker, pollIntervalMs: 100, ...opts });
    workers.push({ worker: made, clock });
    return made;
  };
  return { clock, store, tracker, worker };
}

/** Lets pending promise callbacks and I/O callbacks run `times` rounds. */
export async function settle(times = 20): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((resolve) => setImmediate(resolve));
}
