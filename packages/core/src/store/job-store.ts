import type { NewJobBatch } from './new-job-batch.js';
import type { JobChangeListener } from './change-feed.js';
import type { MetadataFilter } from './metadata-filter.js';
import type { Job, JobError, JobHistoryEntry, JobLease, JobScope, LargeJobField } from '../model/job.js';
import type { JobStatus, TerminalStatus } from '../model/job-status.js';
import type { FlowStore } from './flow-store.js';
import type { ScheduleStore } from './schedule-store.js';

/**
 * The persistence port. A store is a thin, atomic layer: it never decides a status or computes a
 * delay, it performs the compare-and-set core asks for. Every method must be safe under
 * concurrent calls from many processes.
 *
 * Core calls a store only through `guardStore`, which checks every argument against the types
 * below (refusing bad ones with `JobValidationError`, `invalid_input`), answers "not there" for
 * ids that are not job ids, refuses calls once the store is `closed` and turns unknown errors into
 * `StoreError`. A store therefore receives only well-formed input and checks only what its
 * database adds (integer widths, index sizes); the `@throws` of each method below are the
 * guarded store's.
 *
 * The schedule methods ({@link ScheduleStore}) and the flow-control methods ({@link FlowStore})
 * are each optional as a whole: all or none. A store with flow control honours each type's
 * limits in `claim` (see `FlowStore`).
 */
export interface JobStore extends Partial<ScheduleStore>, Partial<FlowStore> {
  /**
   * Inserts a new job. When `job.key` is set and a non-finished job has the same type, key,
   * `tenantId` and `ownerId` (a key's scope; `null` is a value of its own, so two jobs without a
   * tenant share a scope, a job without one and a job of tenant `'x'` do not), nothing is
   * inserted and that job is returned with `created: false`. A job of another tenant or owner is
   * never returned, never merged with and never revealed: the same key there is simply another
   * job. An id that already exists is rejected with `JobValidationError` (`invalid_input`).
   */
  insert(job: Job, options?: InsertOptions): Promise<InsertResult>;

  /**
   * Optional: inserts many jobs in one round trip (`tracker.enqueueMany`; core inserts them one
   * by one through `insert` for a store without it). Each job as `insert` would: a job whose key
   * scope an unfinished job holds is not inserted and that job is answered with `created: false`,
   * also when the holder is an earlier job of the same call. `results` are in the order of `jobs`.
   * All or nothing: a refused job (an id that exists) fails the call with nothing inserted. With
   * `options.transaction`, inside the caller's transaction (`committed` as for `insert`). Stores
   * wake workers once per type. A result may build its `job` on first read (an own enumerable
   * accessor, stable once read, holding what was stored): core reads it only when someone is
   * told (a `created` listener, telemetry) and passes `{ job, created }` results to the caller
   * as they are.
   */
  insertMany?(jobs: readonly Job[], options?: InsertOptions): Promise<InsertManyResult>;

  /**
   * Optional, only beside `insertMany`: inserts new jobs without keys given as columns (see
   * {@link NewJobBatch}), as `insertMany` would insert `batch.job(0)`, `batch.job(1)`, … : same
   * rows, ids, defaults and times, all or nothing, `options.transaction` and `committed` as
   * there, workers woken once per type, and every result `{ job, created: true }` in batch order
   * (`job` may be built on first read). `tracker.enqueueMany` uses it for chunks without keys when
   * no telemetry hook needs the drafts, so no `Job` object is made per item; a store gains only
   * by encoding the columns straight into its write (PostgreSQL). The guard passes a batch core
   * made without checking it again, and turns any other into checked jobs for `insertMany`.
   */
  insertNewJobs?(batch: NewJobBatch, options?: InsertOptions): Promise<InsertManyResult>;

  /**
   * The job, or null when it does not exist. With `options.scope`, a job outside that scope is
   * null too, decided in the store's query (never by reading the job first): an out-of-scope
   * job costs what a missing one does. With `options.read`, large fields are left out or capped
   * (see {@link FieldReads}); without options the whole job is read.
   */
  get(id: string, options?: ReadOptions): Promise<Job | null>;

  /**
   * Compare-and-set: applies `patch` only if the job still matches `expected`. A lost race answers
   * `conflict` with the current record, never a silent overwrite. A transition that would give an
   * unfinished job the type, key, tenant and owner of another unfinished job (a manual retry back
   * to `queued`) answers `duplicate_key` with the job that holds the key — always one of the same
   * tenant and owner.
   */
  transition(id: string, expected: Expectation, patch: JobPatch): Promise<TransitionResult>;

  /**
   * Atomically leases up to `limit` due jobs (status queued or retrying, runAt <= now) of the
   * types in `limits`, at most `limits[type]` of each, ordered by priority desc, runAt asc, id asc.
   * Each claimed job becomes running with attempt + 1, the given lease, startedAt = now. No job is
   * ever leased twice. A store with flow control ({@link FlowStore}) also honours each type's
   * limits and pause here, in the same atomic step, and serves a controlled type's groups
   * round-robin.
   */
  claim(request: ClaimRequest): Promise<Job[]>;

  /**
   * Extends the leases `owner` holds on `ids` to `expiresAt`. Answers the ids it still holds
   * (running, leased by owner); a missing id means the lease was lost (cancelled, recovered).
   */
  heartbeat(owner: string, ids: readonly string[], expiresAt: Date): Promise<string[]>;

  /** Running jobs whose lease expired before `now`, oldest lease first. */
  findExpired(now: Date, limit: number): Promise<Job[]>;

  /**
   * Writes progress fields of a running job. With `owner` a string, only while that owner holds
   * the lease; `null` or absent means no owner check. With `attempt`, only while the job runs that
   * attempt (the fence that keeps a stale attempt's writes out of a newer one). Answers false when
   * the job is not running (or not leased by owner, or on another attempt).
   */
  updateProgress(id: string, patch: ProgressPatch, owner?: string | null, attempt?: number): Promise<boolean>;

  /**
   * Atomically adds `deltas` to the job's metrics (missing names start at 0). Answers the metrics
   * after the increment, `null` for a missing job and `'finished'` for a terminal one (left as is).
   * With `owner` (a string) and/or `attempt`, the increment is fenced like `updateProgress`: it
   * applies only while the job is running that attempt under that owner, and answers `'stale'`
   * (nothing written) when the job is unfinished but not running that attempt. An increment that
   * would take a metric beyond ±Number.MAX_VALUE throws `JobValidationError` (`invalid_input`,
   * field `deltas.<name>`) and writes none of its deltas.
   */
  incrementMetrics(
    id: string,
    deltas: Readonly<Record<string, number>>,
    updatedAt: Date,
    owner?: string | null,
    attempt?: number,
  ): Promise<Record<string, number> | null | 'finished' | 'stale'>;

  /** Newest first (id desc: ids are time-ordered), or oldest first with `order: 'oldest'`. */
  query(filter: StoreQuery): Promise<StoreQueryResult>;

  /** Counts grouped by type and status. */
  count(filter: StoreFilter): Promise<StatusCount[]>;

  /** Sums each metric name over the matching jobs; a sum beyond ±Number.MAX_VALUE is ±Infinity. */
  sumMetrics(filter: StoreFilter): Promise<Record<string, number>>;

  /** Deletes finished jobs with finishedAt before the cut-off of their status. */
  prune(request: PruneRequest): Promise<number>;

  /**
   * Optional: what happened over time, in buckets of `query.bucketMs` ms starting at
   * `query.since` (bucket `k` is `[since + k·bucketMs, since + (k+1)·bucketMs)`), up to `until`
   * (exclusive), over the jobs `query.filter` matches. Per bucket: `completed` / `failed`, the
   * jobs of that status whose `finishedAt` falls in it; `started`, the jobs whose (latest)
   * `startedAt` falls in it, and over those the wait `max(0, startedAt - runAt)` in ms (average
   * and maximum; null when none started). Only buckets with at least one count need be answered,
   * in any order. `tracker.activity()` answers `activity_unavailable` for a store without it.
   */
  activity?(query: ActivityQuery): Promise<ActivityBucket[]>;

  /**
   * Optional: true once `close()` has been called. `guardStore` (which every tracker puts around
   * its store) then refuses every call with `StoreError`, so a store need not check it in each
   * operation. A store without it is never refused as closed.
   */
  readonly closed?: boolean;

  /**
   * Optional: true when every rejection of this store is already a jobtrail error (it maps its
   * own failures). `guardStore` then hands the store's promises back as they are instead of
   * deriving one per call to map them: an in-process store (memory) saves a microtask per
   * operation, which caps worker throughput there. A store that talks to a database over a
   * network gains nothing measurable and should leave it unset, so anything its driver throws
   * unexpectedly is still mapped to `StoreError`. Only an own property counts (a class field): an
   * object made with `Object.create(store)` is mapped as usual.
   */
  readonly mapsErrors?: boolean;

  /** Optional: the limits of what this store can hold (see {@link StoreLimits}). */
  readonly limits?: StoreLimits;

  /**
   * Optional: the store's own clock (PostgreSQL `clock_timestamp()`, MongoDB `hello.localTime`).
   * Core measures each process's offset to it, so leases and due times are judged on one clock
   * however skewed the processes' clocks are. Stores in the same process (memory) omit it.
   */
  serverTime?(): Promise<Date>;

  /**
   * Optional: calls `listener` when jobs become claimable (e.g. PostgreSQL LISTEN/NOTIFY), so
   * workers wake at once instead of waiting for the poll. Returns an unsubscribe function.
   */
  subscribe?(listener: (event: StoreWakeEvent) => void): () => void;

  /**
   * Optional: the change feed. Calls `listener` with every committed change of any job, written
   * by this process or any other (PostgreSQL LISTEN/NOTIFY, MongoDB change streams, memory in
   * process), after the write (never inside it, never for a rolled-back one), and with
   * `{ gap: true }` when changes may have been missed. Inserts, transitions, claims, progress and
   * metric writes are changes; lease renewals and deletions by `prune` are not. Returns an
   * unsubscribe function.
   */
  subscribeChanges?(listener: JobChangeListener): () => void;

  close(): Promise<void>;
}

/**
 * What a store cannot hold, declared so that core refuses it up front (`invalid_input`, naming the
 * field) instead of the store failing later, possibly inside the caller's transaction.
 */
export interface StoreLimits {
  /** Largest payload, metadata or result, in bytes of UTF-8 JSON. Default: no limit. */
  maxJsonBytes?: number;
  /** Deepest nesting of objects and arrays in such a value. Default (and cap): 1000. */
  maxJsonDepth?: number;
}

export interface InsertOptions {
  /**
   * A store-specific transaction handle (a TypeORM EntityManager, a MongoDB ClientSession): the
   * job is inserted inside it, so it exists if and only if the caller's transaction commits.
   */
  transaction?: unknown;
}

export interface InsertResult {
  job: Job;
  created: boolean;
  /**
   * For an insert inside the caller's transaction, where the store can tell: resolves `true` once
   * that transaction commits and `false` if it rolls back (the job then never existed). Core
   * fires `created` and ends the enqueue span only after a commit, never on rollback. Absent:
   * the insert is already durable (or the store cannot tell, and events fire at once).
   */
  committed?: Promise<boolean>;
}

export interface InsertManyResult {
  /** One per job, in the order given. */
  results: Array<{ job: Job; created: boolean }>;
  /** As `InsertResult.committed`, for the whole call. */
  committed?: Promise<boolean>;
}

export interface Expectation {
  status?: JobStatus | readonly JobStatus[];
  /** Lease owner the job must have; `null` means it must have no lease. */
  leaseOwner?: string | null;
  attempt?: number;
  /**
   * The job must hold a lease that expires strictly before this instant. Recovery sets it so a
   * lease its owner renewed after `findExpired` saw it expired is never taken away.
   */
  leaseExpiresBefore?: Date;
}

/** The fields a transition may set. `undefined` leaves a field as it is. */
export interface JobPatch {
  status?: JobStatus;
  attempt?: number;
  maxAttempts?: number;
  runAt?: Date;
  lease?: JobLease | null;
  progress?: number;
  stage?: string | null;
  current?: number | null;
  total?: number | null;
  result?: unknown;
  note?: string | null;
  error?: JobError | null;
  errors?: JobError[];
  /** Replaces the job's history (core appends to what it read, under the compare-and-set). */
  history?: JobHistoryEntry[];
  /** Replaces the job's metrics (a new attempt starts from none). */
  metrics?: Record<string, number>;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  updatedAt: Date;
}

export type TransitionResult =
  | { ok: true; job: Job }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'conflict'; current: Job }
  | { ok: false; reason: 'duplicate_key'; holder: Job };

export interface ClaimRequest {
  owner: string;
  now: Date;
  leaseExpiresAt: Date;
  /** Type → most jobs of it to claim now. Types absent or at 0 are not claimed. */
  limits: Readonly<Record<string, number>>;
  /** Most jobs in all. */
  limit: number;
}

export interface ProgressPatch {
  progress?: number;
  stage?: string | null;
  current?: number | null;
  total?: number | null;
  updatedAt: Date;
}

/**
 * Filters combine by AND. `createdAfter` is inclusive, `createdBefore` exclusive; `tenantId: null`
 * means "jobs without a tenant" while undefined means no condition; an empty list matches nothing.
 */
export interface StoreFilter {
  status?: readonly JobStatus[];
  type?: readonly string[];
  tenantId?: string | null;
  ownerId?: string | null;
  /** Jobs of this group (`null`: jobs without one). */
  group?: string | null;
  /** Jobs with this dedupe key (`null`: jobs without one), in any scope the other fields allow. */
  key?: string | null;
  /** Jobs fired by this schedule (`null`: jobs no schedule made). */
  scheduleName?: string | null;
  /** Jobs whose current error (`job.error`) has this code. */
  errorCode?: string;
  /** Jobs whose `metadata` has each of these top-level fields equal to its value (see `MetadataFilter`). */
  metadata?: MetadataFilter;
  parentId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  /**
   * "Active" view: keeps jobs that are not finished, or finished at or after this instant.
   * Combined with the other conditions by AND.
   */
  activeSince?: Date;
}

/**
 * How a read treats one large field:
 * - `'full'` (the default): read it.
 * - `'omit'`: never read it; the job lists it in `job.unread` as `{ reason: 'omitted' }`.
 * - `{ maxBytes }`: read it only if its JSON is at most `maxBytes` bytes (an integer from 0 to
 *   2^30), else list it as `{ reason: 'too_large', bytes }`. The size is the store's own JSON
 *   text where it has one (memory: UTF-8 `JSON.stringify`; PostgreSQL: jsonb text output, which
 *   has a space after `:` and `,`; MongoDB: the BSON size of `{ v: value }`), so stores agree
 *   on small and large values but may differ by a few percent near the cap. A store may report
 *   a lower bound (above the cap) instead of the exact size when it can prove a value too large
 *   more cheaply than measuring it.
 */
export type FieldRead = 'full' | 'omit' | { maxBytes: number };

/** Per large field, how to read it; fields not named are read in full. */
export type FieldReads = Partial<Record<LargeJobField, FieldRead>>;

/** Options of `JobStore.get`. Bad values → `JobValidationError` (`invalid_input`). */
export interface ReadOptions {
  /**
   * Only a job of this tenant / owner (`null`: without one; undefined: any). Applied in the
   * store's query, so a job outside it is never read.
   */
  scope?: JobScope;
  read?: FieldReads;
}

export interface StoreQuery extends StoreFilter {
  /** How to read the large fields of each job (see {@link FieldReads}). Default: in full. */
  read?: FieldReads;
  /**
   * Only jobs after the cursor (the previous page's last id) in the page order: id < cursor for
   * `'newest'`, id > cursor for `'oldest'`; not a UUID → `invalid_input`.
   */
  cursor?: string;
  /** `'newest'` (the default: id desc, ids being time-ordered) or `'oldest'` (id asc). */
  order?: QueryOrder;
  /** An integer from 1 to 1000, else `invalid_input`. */
  limit: number;
}

/** The order of a page of jobs: by id, which is creation order (UUIDv7). */
export type QueryOrder = 'newest' | 'oldest';

export interface StoreQueryResult {
  jobs: Job[];
  /** The id to pass as `cursor` for the next page, or null when this was the last. */
  nextCursor: string | null;
}

/** `JobStore.activity`'s question. The guard checks it (`invalid_input` otherwise). */
export interface ActivityQuery {
  /** The jobs counted (scope folded in as `tenantId` / `ownerId`, like every other read). */
  filter: StoreFilter;
  /** Start of the first bucket (inclusive). */
  since: Date;
  /** End of the range (exclusive); later than `since`. */
  until: Date;
  /** Bucket width in ms: an integer of at least 1000. */
  bucketMs: number;
}

/** One bucket of `JobStore.activity`. */
export interface ActivityBucket {
  /** `since + k·bucketMs`. */
  start: Date;
  started: number;
  completed: number;
  failed: number;
  /** Average of `max(0, startedAt - runAt)` over the jobs started in the bucket (ms), or null. */
  waitMsAvg: number | null;
  /** Largest such wait (ms), or null when none started. */
  waitMsMax: number | null;
}

export interface StatusCount {
  type: string;
  status: JobStatus;
  count: number;
}

export interface PruneRequest {
  /** Terminal status → delete jobs of that status finished before this instant. */
  before: Partial<Record<TerminalStatus, Date>>;
  /** Most jobs to delete in this call (stores delete in bounded batches). */
  limit?: number;
}

/** A wake-up: `{}` (neither field) means anything may have changed, as after a reconnect. */
export interface StoreWakeEvent {
  /** The type of job that became claimable, when known. */
  type?: string;
  /** The name of a schedule that was inserted, updated or deleted (schedulers recompute their sleep). */
  schedule?: string;
}
