import type { BackoffPolicy } from '../backoff/backoff.js';
import type { ErrorClassifier } from '../errors/classify-error.js';
import type { JobStore } from '../store/job-store.js';
import type { JobTelemetry } from '../telemetry/telemetry-port.js';
import type { Clock } from '../util/clock.js';

/** Retry behaviour of one job type; anything unset falls back to the tracker's setting. */
export interface JobTypeOptions {
  backoff?: BackoffPolicy;
  maxAttempts?: number;
  classify?: ErrorClassifier;
}

export interface TrackerOptions {
  store: JobStore;
  /** Default: the system clock. Inject a fake one to test retry and lease logic. */
  clock?: Clock;
  /** Delay before the next attempt. Default: exponential, 1 s base, factor 2, 1 h cap, full jitter. */
  backoff?: BackoffPolicy;
  /** Attempts for queued jobs unless the job or its type says otherwise. Default 3. */
  maxAttempts?: number;
  /** Decides retry vs fail before the built-in rules; return undefined to defer to them. */
  classify?: ErrorClassifier;
  /** Per job type overrides of backoff, attempts and classification. */
  types?: Record<string, JobTypeOptions>;
  /** At most one progress write per job per interval. Default 250 ms. */
  progressIntervalMs?: number;
  /** Lease of a job run by `track()`, renewed while it runs. Default 60 s. */
  leaseMs?: number;
  /** How many earlier attempts' errors a job keeps. Default 20. */
  maxErrors?: number;
  /** Store error stacks with each attempt's error. Default false. */
  keepStacks?: boolean;
  telemetry?: JobTelemetry;
  /** Names this tracker as a lease owner. Default: a random id. */
  id?: string;
}
