import type { Job } from '../model/job.js';
import type { AnyJob } from '../model/job-types.js';

export interface ProgressEvent {
  jobId: string;
  type: string;
  progress: number;
  stage: string | null;
  current: number | null;
  total: number | null;
}

export interface StaleWrite {
  jobId: string;
  type: string;
  /** The attempt whose write was dropped. */
  attempt: number;
  operation: 'progress' | 'metrics' | 'outcome';
}

export interface TrackerErrorContext {
  /** What jobtrail was doing: `create`, `progress`, `complete`, `heartbeat`, ... */
  operation: string;
  jobId?: string;
  type?: string;
  /** The schedule being fired (operation `schedule`). */
  schedule?: string;
}

/**
 * Events on `tracker.events`; every listener receives a snapshot, never a live record. Jobs are
 * {@link AnyJob}: with a filled `JobTypes` registry, a union narrowed by `job.type` (types only,
 * see `RegisteredJob`). `TJob` is for core's own modules, which emit jobs as read (`Job`).
 */
export interface TrackerEvents<TJob extends Job = AnyJob> {
  created: [job: TJob];
  started: [job: TJob];
  progress: [update: ProgressEvent];
  retrying: [job: TJob];
  completed: [job: TJob];
  failed: [job: TJob];
  skipped: [job: TJob];
  cancelled: [job: TJob];
  /** A running job whose lease expired was taken back (its status is now retrying or failed). */
  recovered: [job: TJob];
  /**
   * A write of an attempt that no longer owns its job (it was cancelled, recovered or retried
   * meanwhile) was dropped, so the newer attempt's record stays its own.
   */
  stale: [info: StaleWrite];
  /** A tracking or store failure that did not reach the caller (safe mode, background writes). */
  error: [error: unknown, context: TrackerErrorContext];
}
