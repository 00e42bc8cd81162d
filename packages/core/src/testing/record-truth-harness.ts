import type { Job } from '../model/job.js';
import type { JobStore } from '../store/job-store.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import type { TrackerOptions } from '../tracker/tracker-options.js';
import { createWorker, type Worker } from '../worker/worker.js';
import type { WorkerOptions } from '../worker/worker-options.js';

/** Polls `read` until `done` holds; generous by default so a slow machine never fails a test. */
export async function waitUntil<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const finished = (job: Job | null) => job !== null && ['completed', 'failed', 'skipped', 'cancelled'].includes(job.status);

/**
 * Trackers and workers over the store under test for the record-truth tests: `setup` makes a
 * tracker (and `work` a worker on it) that `teardown` stops and closes; `settled` waits until a job
 * finished.
 */
export function recordTruthHarness(store: () => JobStore) {
  const open: Array<{ tracker: Tracker; worker?: Worker }> = [];

  function setup(trackerOptions: Partial<TrackerOptions> = {}) {
    const tracker = createTracker({ store: store(), recoverIntervalMs: false, ...trackerOptions });
    const entry: { tracker: Tracker; worker?: Worker } = { tracker };
    open.push(entry);
    const errors: Array<{ error: unknown; operation: string }> = [];
    tracker.on('error', (error, context) => errors.push({ error, operation: context.operation }));
    const work = (handlers: WorkerOptions['handlers'], workerOptions: Partial<WorkerOptions> = {}) => {
      entry.worker = createWorker({ tracker, handlers, pollIntervalMs: 20, keepAlive: false, ...workerOptions }).start();
      return entry.worker;
    };
    return { tracker, errors, work };
  }

  async function teardown(): Promise<void> {
    for (const { tracker, worker } of open.splice(0)) {
      await worker?.stop();
      await tracker.close();
    }
  }

  async function settled(tracker: Tracker, id: string): Promise<Job> {
    return (await waitUntil(() => tracker.get(id), finished)) as Job;
  }

  return { store, setup, teardown, settled };
}

/** What every group of record-truth tests is given. */
export type RecordTruth = ReturnType<typeof recordTruthHarness>;
