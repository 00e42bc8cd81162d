import { backoff, type JobTypeOptions } from '@jobtrail/core';
import { JOB_TYPES } from '../shared/workflows.js';

/**
 * Retry behaviour per job type. The server's tracker (which enqueues) and the worker's tracker
 * (which runs, retries and recovers) must agree on it, so both import this one table.
 * The delays are short so that a person watching the page sees each retry happen.
 */
export const JOB_POLICIES: Record<string, JobTypeOptions> = {
  [JOB_TYPES.deepScan]: { maxAttempts: 3, backoff: backoff.fixed(2_000) },
  [JOB_TYPES.fileImport]: { maxAttempts: 3, backoff: backoff.fixed(2_000) },
  [JOB_TYPES.leadScoringRun]: { maxAttempts: 2, backoff: backoff.fixed(1_000) },
  [JOB_TYPES.leadScoringClient]: { maxAttempts: 3, backoff: backoff.fixed(1_000) },
  // Long enough between attempts that the page can show "retrying, next attempt in 3s".
  [JOB_TYPES.flakyApi]: { maxAttempts: 5, backoff: backoff.fixed(3_000) },
  [JOB_TYPES.badInput]: { maxAttempts: 3, backoff: backoff.fixed(1_000) },
  [JOB_TYPES.crashWorker]: { maxAttempts: 3, backoff: backoff.fixed(500) },
  // A missed heartbeat is not worth retrying: the next tick checks again.
  [JOB_TYPES.heartbeat]: { maxAttempts: 1 },
};

/**
 * The worker's lease. Short, so that a crashed worker's job is recovered within seconds while
 * someone watches; a production app keeps the 30 s default.
 */
export const WORKER_LEASE_MS = 6_000;
export const WORKER_POLL_INTERVAL_MS = 250;
