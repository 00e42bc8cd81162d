import type { Job } from '../model/job.js';
import type { AnyJob } from '../model/job-types.js';
import type { AttemptOutcomeKind } from '../tracker/attempt-outcome-kind.js';
import type { TrackerErrorContext } from '../tracker/tracker-events.js';

/**
 * Events on `worker.events`. Jobs are {@link AnyJob}: with a filled `JobTypes` registry, a union
 * narrowed by `job.type` (types only, see `RegisteredJob`). `TJob` is for the worker's own code,
 * which emits jobs as claimed (`Job`).
 */
export interface WorkerEvents<TJob extends Job = AnyJob> {
  /** A claim found nothing more to do and no handler is running. */
  idle: [];
  claimed: [jobs: TJob[]];
  /** An attempt ended; `outcome` says how. */
  settled: [result: { job: TJob | null; jobId: string; type: string; outcome: AttemptOutcomeKind }];
  /** Reported here when the worker has `error` listeners, else on the tracker's `error` event. */
  error: [error: unknown, context: TrackerErrorContext];
}
