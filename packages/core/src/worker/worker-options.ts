import type { BackoffPolicy } from '../backoff/backoff.js';
import type { ErrorClassifier } from '../errors/classify-error.js';
import type { TerminalStatus } from '../model/job-status.js';
import type { JobContext } from '../tracker/job-context.js';
import type { Tracker } from '../tracker/tracker.js';
import type { HasJobTypes, PayloadOf, RegisteredJobType, ResultOf } from '../model/job-types.js';

/** Runs one job; the return value becomes the job's result. */
// biome-ignore lint/suspicious/noExplicitAny: the default lets handlers typed for a specific payload sit in one handlers map (parameters are contravariant; `unknown` would reject them)
export type JobHandler<TPayload = any, TResult = unknown> = (ctx: JobContext<TPayload>) => TResult | Promise<TResult>;

// biome-ignore lint/suspicious/noExplicitAny: same default as JobHandler, for the same reason
export interface HandlerDefinition<TPayload = any, TResult = unknown> {
  handler: JobHandler<TPayload, TResult>;
  /** Slots for this type (overrides the worker's `concurrency` for it). */
  concurrency?: number;
  /**
   * Abort the handler's signal and fail the attempt (retryable) after this long, freeing the
   * slot even if the handler ignores the signal. Default: no limit.
   */
  timeoutMs?: number;
  /** Overrides the tracker's backoff for this type in this worker. */
  backoff?: BackoffPolicy;
  /** Runs before the tracker's classifier for this type in this worker. */
  classify?: ErrorClassifier;
}

/** Handlers by job type, each taking any payload: the shape while the `JobTypes` registry is empty. */
export type UntypedJobHandlers = Record<string, JobHandler | HandlerDefinition>;

/** Handlers for registered job types only, each typed by its type's payload and result. */
export type TypedJobHandlers = {
  [K in RegisteredJobType]?: JobHandler<PayloadOf<K>, ResultOf<K>> | HandlerDefinition<PayloadOf<K>, ResultOf<K>>;
};

/** The worker's `handlers` map: typed by the `JobTypes` registry once it has entries. */
export type JobHandlers = HasJobTypes extends true ? TypedJobHandlers : UntypedJobHandlers;

/** Per-type slots: `{ default: 10, 'places.deepScan': 2 }`. */
export type ConcurrencyOption = number | ({ default?: number } & Record<string, number>);

export type RetentionOption = Partial<Record<TerminalStatus, number | string>>;

export interface WorkerOptions {
  tracker: Tracker;
  /** Handlers by job type; with a filled `JobTypes` registry, only registered types, each typed. */
  handlers: JobHandlers;
  /**
   * Slots per job type, so that a slow or failing type cannot starve another. A number gives
   * every type that many slots. Default 10 per type.
   */
  concurrency?: ConcurrencyOption;
  /** How long a claimed job is leased before another worker may recover it. Default 30 s. */
  leaseMs?: number;
  /** How often leases of running jobs are renewed (one store call for all). Default leaseMs / 3. */
  heartbeatMs?: number;
  /** How often the worker looks for due jobs when nothing woke it. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Most jobs claimed per store round trip. Default 20. */
  batchSize?: number;
  /** Lease owner name. Default: a random id. */
  workerId?: string;
  /** How long stop() waits for running handlers before aborting and releasing them. Default 10 s. */
  shutdownGraceMs?: number;
  /** How often this worker recovers jobs with expired leases. Default leaseMs / 2. */
  recoverIntervalMs?: number;
  /** Prune finished jobs older than these ages, per status ('7d' or ms). Off unless set. */
  retention?: RetentionOption;
  /** How often retention runs. Default 1 h. */
  retentionIntervalMs?: number;
  /**
   * Keep the process alive while the worker is started (until `stop()`), even when nothing else
   * does: a worker-only process then survives a database outage and resumes. Default true.
   */
  keepAlive?: boolean;
  /**
   * Run the scheduler: fire the store's due recurring schedules (`tracker.schedule()`), sleeping
   * until the next tick and waking when a schedule changes. Every process may run it: each tick
   * fires exactly once all the same. Default true; false leaves firing to other processes.
   */
  schedules?: boolean;
}
