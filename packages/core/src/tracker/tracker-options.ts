import type { BackoffPolicy } from '../backoff/backoff.js';
import type { TypeLimits } from '../flow/type-limits.js';
import type { ErrorClassifier } from '../errors/classify-error.js';
import type { JobStore } from '../store/job-store.js';
import type { JobTelemetry } from '../telemetry/telemetry-port.js';
import type { Clock } from '../util/clock.js';

/**
 * Retry behaviour and flow control of one job type; anything unset falls back to the tracker's
 * setting. The limits (`maxRunning`, `maxRunningPerGroup`, `rateLimit`: see `TypeLimits`) are
 * stored when the tracker starts and honoured by every process's claim; when any of them is
 * given, they replace what the store holds for the type (a limit not given is cleared, the pause
 * stays). Give none of them to leave the stored limits (set with `tracker.setTypeLimits`) alone.
 */
export interface JobTypeOptions extends TypeLimits {
  backoff?: BackoffPolicy;
  maxAttempts?: number;
  classify?: ErrorClassifier;
}

export interface TrackerOptions {
  store: JobStore;
  /**
   * Default: the system clock, corrected by this process's measured offset to the store's clock
   * when the store has one (`serverTime`), so that leases and due times are judged on one clock
   * across processes. Inject a fake one to test retry and lease logic (no offset is applied then).
   */
  clock?: Clock;
  /** Measure and apply the offset to the store's clock (see `clock`). Default true. */
  clockSync?: boolean;
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
  /**
   * Lease of a job run by `track()` or started with `start(id)`, renewed by heartbeat (every
   * third of it) while this process drives the job. Default 60 s.
   */
  leaseMs?: number;
  /**
   * How often this tracker takes back running jobs whose lease expired (their process died), in
   * ms, or `false` to leave recovery to workers. Default: half of `leaseMs`, at least 1 s. Every
   * tracker runs it, so a deployment that only tracks work (no worker) recovers its crashed jobs.
   */
  recoverIntervalMs?: number | false;
  /**
   * Cap of a delay a failing call asked for (`Retry-After`, `RetryableJobError.retryAfterMs`), in
   * ms. Default 3 600 000 (1 h): a server asking for a year is not obeyed for a year.
   */
  maxRetryAfterMs?: number;
  /** How many earlier attempts' errors a job keeps. Default 20. */
  maxErrors?: number;
  /** How many entries `job.history` keeps (attempts and manual retries, newest kept). Default 50. */
  maxHistory?: number;
  /** Store error stacks with each attempt's error. Default false. */
  keepStacks?: boolean;
  telemetry?: JobTelemetry;
  /** Names this tracker as a lease owner. Default: a random id. */
  id?: string;
}
