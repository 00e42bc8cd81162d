import type { JobStatus } from '../model/job-status.js';
import type { WaitingFor } from '../model/job.js';
import type { HasJobTypes, PayloadOf, RegisteredJobType, ResultOf } from '../model/job-types.js';
import type { ScheduleCatchUp, ScheduleOverlap } from '../schedule/schedule-spec.js';

/**
 * What the jobs HTTP handler sends and the browser client receives: a `Job` as JSON, with ISO
 * date strings. Pure types, shared by the server and `@jobtrail/core/client`.
 */
export interface JobErrorJson {
  message: string;
  code: string | null;
  name: string | null;
  retryable: boolean;
  attempt: number;
  at: string;
}

/** One entry of `job.history` on the wire: ISO dates, no lease owner, errors only where exposed. */
export type JobHistoryEntryJson =
  | {
      kind: 'attempt';
      attempt: number;
      startedAt: string | null;
      finishedAt: string;
      outcome: 'completed' | 'failed' | 'retrying' | 'skipped' | 'cancelled' | 'released' | 'lease_expired';
      error: JobErrorJson | null;
      progress: number;
      stage: string | null;
      metrics: Record<string, number>;
    }
  | { kind: 'retry'; at: string; afterAttempt: number };

export interface JobJson<TPayload = unknown, TResult = unknown> {
  id: string;
  type: string;
  key: string | null;
  parentId: string | null;
  tenantId: string | null;
  ownerId: string | null;
  group: string | null;
  /**
   * Why a due job is not claimed yet (`GET /jobs/:id` only; lists answer null): its type is
   * `'paused'`, at `'maxRunning'`, its group at `maxRunningPerGroup` (`'group'`), or the rate
   * limit's window is full (`'rateLimit'`). Null when nothing holds it back.
   */
  waitingFor: WaitingFor | null;
  status: JobStatus;
  attempt: number;
  maxAttempts: number;
  priority: number;
  /** When the job becomes claimable: for `retrying`, when the next attempt is due. */
  runAt: string;
  /** Held while running; the owner (a worker id) is not exposed. */
  lease: { expiresAt: string } | null;
  progress: number;
  stage: string | null;
  current: number | null;
  total: number | null;
  /** Present only when the handler's `expose.payload` allows it. */
  payload?: TPayload;
  /** Present only when the handler's `expose.result` allows it. */
  result?: TResult | null;
  /** Present unless the handler's `expose.metadata` is false. */
  metadata?: Record<string, unknown>;
  /**
   * Exposed fields that were NOT sent because their JSON is larger than the handler's
   * `maxExposedBytes`: field name → its size in bytes as the store measured it (PostgreSQL may
   * answer a lower bound, still above the cap, for a value it proved too large cheaply). Absent when
   * every exposed field was sent. A field listed here is absent from the job (never `null`).
   */
  tooLarge?: Partial<Record<'payload' | 'result' | 'metadata', number>>;
  metrics: Record<string, number>;
  note: string | null;
  /** The last attempt's error (never with a stack); null unless `expose.errors` is false. */
  error: JobErrorJson | null;
  errors: JobErrorJson[];
  /** Every ended attempt and manual retry, oldest first (see `Job.history`). */
  history: JobHistoryEntryJson[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** The job's W3C `traceparent`, or null: never the rest of its stored trace context (tracestate, baggage). */
  trace: string | null;
  /** The schedule that made this job (`tracker.schedule`), or null for a job enqueued otherwise. */
  scheduleName: string | null;
  /** The tick this job stands for (ISO), the instant its schedule was due; null when not scheduled. */
  scheduledFor: string | null;
}

/**
 * A wire job of any registered type, discriminated by `type` (see `RegisteredJob`): `payload` and
 * `result` typed from the `JobTypes` registry, still optional as the handler's `expose` decides.
 * `never` while the registry is empty. Types only: the union is what the application declared.
 */
export type RegisteredJobJson = {
  [K in RegisteredJobType]: JobJson<PayloadOf<K>, ResultOf<K>> & { type: K };
}[RegisteredJobType];

/** What the browser hooks answer for jobs of any type: {@link RegisteredJobJson} once the registry is filled, else `JobJson`. */
export type AnyJobJson = HasJobTypes extends true ? RegisteredJobJson : JobJson;

/**
 * Wire jobs of the registered type(s) `T` (a union for a union of types), discriminated by
 * `type`; plain `JobJson` while the `JobTypes` registry is empty. E.g. what
 * `useJobs({ type: 'emails.send' })` answers.
 */
export type JobJsonOfType<T extends string> = HasJobTypes extends true ? Extract<RegisteredJobJson, { type: T }> : JobJson;

/** `GET /jobs/:id`, `POST /jobs/:id/retry`, `POST /jobs/:id/cancel`. */
export interface JobResponse<TPayload = unknown, TResult = unknown> {
  job: JobJson<TPayload, TResult>;
}

/** `GET /jobs`: newest first; pass `nextCursor` as `cursor` for the next page. */
export interface JobListResponse {
  jobs: JobJson[];
  nextCursor: string | null;
}

/** `GET /jobs/active`: queued, running and retrying jobs plus those finished within `withinMs`. */
export interface ActiveJobsResponse {
  jobs: JobJson[];
  withinMs: number;
}

export interface StatusCountsJson {
  total: number;
  byStatus: Record<JobStatus, number>;
}

/** `GET /jobs/stats`. */
export interface JobStatsResponse extends StatusCountsJson {
  byType: Record<string, StatusCountsJson>;
}

/**
 * A recurring schedule on the wire (`GET /schedules`): `Schedule` of `@jobtrail/core` with ISO date
 * strings. Its `payload` and `metadata` leave the server under the handler's `expose` rules for
 * jobs, see `ExposeOptions`.
 */
export interface ScheduleJson {
  /** Unique across tenants. */
  name: string;
  /** The job type each tick enqueues. */
  type: string;
  /** The payload each tick's job gets. Present only when the handler's `expose.payload` is `true`. */
  payload?: unknown;
  /** Present unless the handler's `expose.metadata` is `false` or a function. */
  metadata?: Record<string, unknown>;
  /** Exposed fields not sent for being over the handler's `maxExposedBytes`: field → bytes, as in `JobJson`. */
  tooLarge?: Partial<Record<'payload' | 'metadata', number>>;
  tenantId: string | null;
  /** The cron pattern, or null for an `every` schedule. */
  cron: string | null;
  /** The IANA zone the cron pattern is read in, or null for an `every` schedule. */
  timezone: string | null;
  /** The interval in ms, or null for a cron schedule. */
  every: number | null;
  startAt: string | null;
  endAt: string | null;
  overlap: ScheduleOverlap;
  catchUp: ScheduleCatchUp;
  maxCatchUp: number;
  /** The code's say (`spec.enabled`): a disabled schedule never fires. */
  enabled: boolean;
  /** The operator's say (`tracker.pauseSchedule`): a paused schedule does not fire until resumed. */
  paused: boolean;
  /** When the next tick is due; null when there is none (past `endAt`). */
  nextRunAt: string | null;
  /** The newest tick fired, or null before the first. */
  lastRunAt: string | null;
  /** The job of `lastRunAt`'s tick (readable with `GET /jobs/:id` in the same scope), or null. */
  lastJobId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `GET /schedules`: name ascending; pass `nextCursor` as `after` for the next page. */
export interface ScheduleListResponse {
  schedules: ScheduleJson[];
  nextCursor: string | null;
}

/** Every error response: `{ error: { code, message } }`, never a stack trace. */
export interface ErrorResponse {
  error: { code: string; message: string };
}

/** The actions a caller can take on a job over HTTP (`POST /jobs/:id/<action>`). */
export type JobAction = 'retry' | 'cancel' | 'run-now';

/** Actions on every job a filter matches: `POST /jobs/retry` and `POST /jobs/cancel`. */
export type JobBulkAction = 'retry' | 'cancel';

/**
 * What `POST /jobs/retry` and `POST /jobs/cancel` answer: the jobs the filter matched within the
 * caller's scope, and how many of them the action changed (see `tracker.retryMany`).
 */
export interface BulkActionResponse {
  matched: number;
  changed: number;
}

/** What `POST /types/:type/<action>` and `POST /schedules/:name/<action>` do. */
export type TypeAction = 'pause' | 'resume';
export type ScheduleAction = 'pause' | 'resume';

/** One bucket of `GET /jobs/activity`: `[start, start + bucketMs)`. */
export interface ActivityBucketJson {
  /** ISO instant: the activity's `since` + k·`bucketMs`. */
  start: string;
  /** Jobs whose latest `startedAt` falls in the bucket. */
  started: number;
  /** Jobs now `completed` whose `finishedAt` falls in the bucket. */
  completed: number;
  /** Jobs now `failed` whose `finishedAt` falls in the bucket. */
  failed: number;
  /** Average wait from due (`runAt`) to start of the jobs started in the bucket, in whole ms; null when none. */
  waitMsAvg: number | null;
  /** Longest such wait (ms); null when none started. */
  waitMsMax: number | null;
}

/** `GET /jobs/activity`: contiguous buckets, oldest first, empty ones as zeros. */
export interface ActivityJson {
  /** Bucket width in ms. */
  bucketMs: number;
  /** ISO instant: the range's start, floored to a multiple of `bucketMs` since the epoch (the first bucket's start). */
  since: string;
  /** ISO instant: the range's end (exclusive). */
  until: string;
  buckets: ActivityBucketJson[];
}

/** A job type on the wire (`GET /types`, `POST /types/:type/pause|resume`). */
export interface TypeJson {
  type: string;
  /** The limits every worker's claim honours; null: none. Global, the same for every caller. */
  limits: {
    maxRunning: number | null;
    maxRunningPerGroup: number | null;
    /** `limit` starts per `intervalMs` ms (per job group when `perGroup`). */
    rateLimit: { limit: number; intervalMs: number; perGroup: boolean } | null;
  };
  /** Paused: no worker claims its jobs (global). */
  paused: boolean;
  /** Its jobs by status, in the caller's scope only. */
  counts: StatusCountsJson;
  /** ISO instant its limits or pause last changed, or null. */
  updatedAt: string | null;
}

/** `GET /types`: by type name. */
export interface TypeListResponse {
  types: TypeJson[];
}

/** `POST /types/:type/pause` and `/resume`. */
export interface TypeResponse {
  type: TypeJson;
}

/** `POST /schedules/:name/pause` and `/resume`. */
export interface ScheduleResponse {
  schedule: ScheduleJson;
}
