import type { Job } from '../model/job.js';
import type { AttemptOutcomeKind } from '../tracker/attempt-outcome-kind.js';
import type { TrackerErrorContext } from '../tracker/tracker-events.js';

/** Events on `worker.events`. */
export interface WorkerEvents {
  /** A claim found nothing more to do and no handler is running. */
  idle: [];
  claimed: [jobs: Job[]];
  /** An attempt ended; `outcome` says how. */
  settled: [result: { job: Job | null; jobId: string; type: string; outcome: AttemptOutcomeKind }];
  /** Reported here when the worker has `error` listeners, else on the tracker's `error` event. */
  error: [error: unknown, context: TrackerErrorContext];
}
