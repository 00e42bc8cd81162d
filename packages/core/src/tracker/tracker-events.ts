import type { Job } from '../model/job.js';

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
}

/** Events on `tracker.events`; every listener receives a snapshot, never a live record. */
export interface TrackerEvents {
  created: [job: Job];
  started: [job: Job];
  progress: [update: ProgressEvent];
  retrying: [job: Job];
  completed: [job: Job];
  failed: [job: Job];
  skipped: [job: Job];
  cancelled: [job: Job];
  /** A running job whose lease expired was taken back (its status is now retrying or failed). */
  recovered: [job: Job];
  /**
   * A write of an attempt that no longer owns its job (it was cancelled, recovered or retried
   * meanwhile) was dropped, so the newer attempt's record stays its own.
   */
  stale: [info: StaleWrite];
  /** A tracking or store failure that did not reach the caller (safe mode, background writes). */
  error: [error: unknown, context: TrackerErrorContext];
}
