import type { JobStatus } from './job-status.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who holds a running job and until when. */
export interface JobLease {
  owner: string;
  expiresAt: Date;
}

/** The failure of one attempt. */
export interface JobError {
  message: string;
  /** A stable, machine-readable code: the thrown error's `code`, or e.g. `lease_expired`. */
  code: string | null;
  /** The error's class name (`TypeError`, `FatalJobError`, ...). */
  name: string | null;
  retryable: boolean;
  attempt: number;
  at: Date;
  /** Only stored when the tracker is configured to keep stacks. */
  stack?: string | null;
}

/** The durable record of one unit of work. */
export interface Job<TPayload = unknown, TResult = unknown> {
  /** UUIDv7: time-ordered and unguessable. */
  id: string;
  type: string;
  /** Idempotency key: unique among the non-finished jobs of one type, tenant and owner. */
  key: string | null;
  parentId: string | null;
  tenantId: string | null;
  ownerId: string | null;
  /**
   * The job's group (given at enqueue: a tenant, an upstream account), or null. A type's
   * `maxRunningPerGroup` and per-group rate limit count per group, and groups are served
   * round-robin; jobs without a group form one group of their own.
   */
  group: string | null;
  /** The schedule that fired this job (`tracker.schedule`), or null. */
  scheduleName: string | null;
  /** The tick this job stands for: the instant its schedule was due (null when not scheduled). */
  scheduledFor: Date | null;

  status: JobStatus;
  /** 0 before the first start, then 1-based. */
  attempt: number;
  maxAttempts: number;
  /** Higher runs first. */
  priority: number;
  /** The job is not claimable before this instant. */
  runAt: Date;
  lease: JobLease | null;

  /** Fraction 0..1. */
  progress: number;
  stage: string | null;
  current: number | null;
  total: number | null;

  payload: TPayload;
  result: TResult | null;
  metadata: Record<string, unknown>;
  metrics: Record<string, number>;
  note: string | null;

  error: JobError | null;
  /** Errors of earlier attempts, oldest first, bounded. */
  errors: JobError[];
  /**
   * Every earlier attempt (its times, owner, outcome, error, last progress, stage and metrics) and
   * every manual retry, oldest first, bounded (the tracker's `maxHistory`, default 50). The latest
   * attempt is the job's own fields (`attempt`, `startedAt`, `finishedAt`, `status`, `error`,
   * `progress`, `stage`, `metrics`); it becomes an entry when another attempt follows it.
   */
  history: JobHistoryEntry[];

  createdAt: Date;
  /** When the latest attempt started. */
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;

  /**
   * The context that created the job, as the telemetry implementation wrote it (`@jobtrail/otel`:
   * a bare W3C traceparent, or a JSON object of the registered propagator's fields). Opaque to
   * core and stores; null when nothing was propagated.
   */
  trace: string | null;

  /**
   * Present only on a job read with read options (`store.get(id, { read })`, `query({ read })`,
   * the tracker's `read`): the large fields this read did not load. A field listed here is
   * `undefined` on the job (never `null`, which is a real value). A field read within its cap is
   * not listed. Absent on every job read without read options.
   */
  unread?: UnreadFields;

  /**
   * Only on a job read with `tracker.get()` (and `GET /jobs/:id`), and only while something holds
   * it back: why a due `queued` or `retrying` job is not claimed yet (its type is paused, or a
   * limit of its type is reached: see {@link WaitingFor}). Absent when nothing does.
   */
  waitingFor?: WaitingFor;
}

/**
 * What holds a due job back: its type is `'paused'`, or at `maxRunning`, or its group at
 * `maxRunningPerGroup` (`'group'`), or the rate limit's window is full (`'rateLimit'`).
 */
export type WaitingFor = 'maxRunning' | 'group' | 'rateLimit' | 'paused';

/** The large free-form JSON fields a read can leave out or cap. */
export type LargeJobField = 'payload' | 'result' | 'metadata';

/**
 * Why a field was not read: `omitted` (the read asked not to load it) or `too_large` (its JSON
 * is larger than the read's cap). `bytes` is its size as the store measures it (see `FieldRead`),
 * or, when the store proved it too large without measuring it in full (PostgreSQL, from the
 * stored size), a lower bound of that size; either way above the cap.
 */
export type UnreadField = { reason: 'omitted' } | { reason: 'too_large'; bytes: number };

export type UnreadFields = Partial<Record<LargeJobField, UnreadField>>;

/** How one attempt ended. `released`: handed back at shutdown without counting against the attempts. */
export type JobAttemptOutcome =
  | 'completed'
  | 'failed'
  | 'retrying'
  | 'skipped'
  | 'cancelled'
  | 'released'
  | 'lease_expired';

/** One attempt that ended: kept in `job.history` so a retry never overwrites what happened before. */
export interface JobAttemptEntry {
  kind: 'attempt';
  /** 1-based and unique within the job: attempts are never renumbered, not even by a manual retry. */
  attempt: number;
  /** The worker or tracker id that ran it. */
  owner: string | null;
  startedAt: Date | null;
  finishedAt: Date;
  outcome: JobAttemptOutcome;
  error: JobError | null;
  /** The attempt's last progress (fraction 0..1) and stage. */
  progress: number;
  stage: string | null;
  /** What this attempt counted (metrics are per attempt: see `Job.metrics`). */
  metrics: Record<string, number>;
}

/** A manual retry (`tracker.retry`, `POST /jobs/:id/retry`): the job was queued again by hand. */
export interface JobRetryEntry {
  kind: 'retry';
  at: Date;
  /** The job's attempt number when it was retried; the next attempt is this + 1. */
  afterAttempt: number;
}

export type JobHistoryEntry = JobAttemptEntry | JobRetryEntry;

/** Who is asking: every read path can be narrowed to one tenant and/or one owner. */
export interface JobScope {
  tenantId?: string | null;
  ownerId?: string | null;
}
