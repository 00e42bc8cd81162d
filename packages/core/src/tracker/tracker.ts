import { EventEmitter } from 'eventemitter3';
import type { Job, JobScope } from '../model/job.js';
import type { AnyJob, PayloadOf, RegisteredJobType, ResultOf, UnregisteredJobType } from '../model/job-types.js';
import { guardStore } from '../store/guarded-store.js';
import type { FieldReads, JobStore } from '../store/job-store.js';
import { combineTelemetry, type JobTelemetry } from '../telemetry/telemetry-port.js';
import { readInput } from '../util/read-input.js';
import { uuidv7 } from '../util/uuid-v7.js';
import { AttemptRunner } from './attempt-runner.js';
import type { ProgressDetails } from './attempt-writer.js';
import { ByIdLifecycle } from './by-id-lifecycle.js';
import { ClockSync } from './clock-sync.js';
import { trackInline, type TrackOptions } from './inline-tracking.js';
import type { JobContext } from './job-context.js';
import { actOnMatches, type BulkActionResult } from './bulk-actions.js';
import { JobCreation, type EnqueueManyItem, type EnqueueManyOptions, type EnqueueManyResult } from './job-creation.js';
import { readActivity, type ActivityOptions, type JobActivity } from './job-activity.js';
import { JobQueries, type ActiveOptions, type JobPage, type JobRollup, type JobStats, type PruneOptions } from './job-queries.js';
import { JobWatches, type WatchOptions } from './job-watches.js';
import { relayAllProcesses, type AllProcessesOptions } from './cross-process-events.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LeaseRecovery } from './lease-recovery.js';
import type { JobFilter, ListFilter } from './query-filters.js';
import { TrackerEmitter } from './tracker-emitter.js';
import type { TrackerEvents } from './tracker-events.js';
import type { TrackerOptions } from './tracker-options.js';
import { resolveTrackerSettings } from './tracker-settings.js';
import { TypePolicies } from './type-policies.js';
import { JobValidationError } from '../errors/jobtrail-error.js';
import type { CreateJobInput } from './validate-input.js';
import { ScheduleCommands, type ScheduleScope } from '../schedule/schedule-commands.js';
import { ScheduleFiring, type FireDueOptions, type FiringPass } from '../schedule/schedule-firing.js';
import type { ListSchedulesOptions, Schedule, SchedulePage } from '../schedule/schedule.js';
import type { ScheduleSpec } from '../schedule/schedule-spec.js';
import { TypeCommands, type JobTypeInfo, type TypeReadOptions } from '../flow/type-commands.js';
import type { CheckedTypeLimits, TypeLimits } from '../flow/type-limits.js';
import { keepsFlowControl } from '../store/guarded-store.js';

/**
 * Creates the tracker of a process: one per store, shared by everything that creates, runs or
 * reads jobs.
 *
 * @throws {JobValidationError} (`invalid_input`) for bad options.
 */
export function createTracker(options: TrackerOptions): Tracker {
  return new Tracker(options);
}

/**
 * The lifecycle of every job, over any store: creation, attempts, progress, outcomes, recovery of
 * expired leases, and queries. A thin front: each concern lives in its own module (see
 * docs/design.md, "Core's modules").
 */
export class Tracker {
  readonly id: string;
  readonly store: JobStore;
  /**
   * Jobs in events are {@link AnyJob}: typed by job type once the `JobTypes` registry is filled.
   * Annotated, not inferred, so that the published declarations keep `AnyJob` for the
   * application's registry rather than core's empty one.
   */
  readonly events: EventEmitter<TrackerEvents> = new EventEmitter<TrackerEvents>();
  /**
   * Runs and settles attempts, and holds the registry of those running in this process: what a
   * worker is handed (`createWorker({ tracker })`). Tracking and enqueueing never need it.
   */
  readonly attempts: AttemptRunner;

  private readonly clockSync: ClockSync;
  private readonly telemetry: { current: JobTelemetry | null } = { current: null };
  private telemetryParts: JobTelemetry[] = [];
  private readonly creation: JobCreation;
  private readonly byId: ByIdLifecycle;
  private readonly queries: JobQueries;
  private readonly recovery: LeaseRecovery;
  private readonly scheduleCommands: ScheduleCommands;
  private readonly firing: ScheduleFiring;
  private readonly typeCommands: TypeCommands;
  /** The limits `createTracker({ types })` declares, stored by {@link limitsReady}. */
  private readonly declaredLimits: ReadonlyMap<string, CheckedTypeLimits>;
  private declaring: Promise<void> | null = null;
  /** Leases of jobs this tracker drives itself (`track()`, `start(id)`), renewed by heartbeat. */
  private readonly leases: LeaseKeeper;
  private readonly watches: JobWatches;
  private readonly emitter: TrackerEmitter;
  private readonly runInline: <T>(type: string, fn: (ctx: JobContext) => T | Promise<T>, options: TrackOptions) => Promise<Awaited<T>>;

  constructor(options: TrackerOptions) {
    const settings = resolveTrackerSettings(options);
    // Every store is used through the wrapper that checks its input, once, for all stores.
    this.store = guardStore(options.store);
    const store = this.store;
    const limits = store.limits ?? {};
    // Core emits jobs as read (`Job`); listeners see them typed by job type (types only, see AnyJob).
    const emitter = new TrackerEmitter(this.events as EventEmitter<TrackerEvents<Job>>);
    this.emitter = emitter;
    // Leases and due times are judged on the store's clock: local time plus a measured offset.
    this.clockSync = new ClockSync(store, options, emitter);
    const clock = this.clockSync.clock;
    const policies = new TypePolicies(options.backoff, options.classify, settings, clock, emitter);
    const telemetry = this.telemetry;
    this.id = options.id ?? `tracker-${uuidv7(clock.now()).slice(-12)}`;
    if (options.telemetry) this.useTelemetry(options.telemetry);
    const runner = new AttemptRunner({ store, clock, limits, settings, policies, emitter, telemetry });
    this.attempts = runner;
    this.leases = new LeaseKeeper({
      store,
      clock,
      owner: this.id,
      leaseMs: settings.leaseMs,
      heartbeatMs: Math.max(50, Math.floor(settings.leaseMs / 3)),
      onLost: (jobId) => void runner.leaseLost(jobId),
      onError: (error) => emitter.error(error, { operation: 'heartbeat' }),
    });
    const owner = this.id;
    const leases = this.leases;
    this.creation = new JobCreation({ store, clock: this.clockSync, limits, policies, emitter, telemetry });
    this.byId = new ByIdLifecycle({ store, clock: this.clockSync, limits, settings, runner, emitter, leases, owner });
    this.queries = new JobQueries(store, clock);
    this.scheduleCommands = new ScheduleCommands({ store, clock: this.clockSync, limits });
    this.firing = new ScheduleFiring({ store, clock: this.clockSync, creation: this.creation, emitter });
    this.typeCommands = new TypeCommands({ store, clock: this.clockSync });
    this.declaredLimits = settings.declaredLimits;
    if (this.declaredLimits.size > 0) {
      if (!keepsFlowControl(store)) {
        const [type] = this.declaredLimits.keys();
        throw new JobValidationError(`types.${type}`, 'declares limits, but this job store has no flow control (it implements no FlowStore methods).');
      }
      // Stored at once; workers wait for it before their first claim (see limitsReady).
      this.limitsReady().catch((error: unknown) => emitter.error(error, { operation: 'setTypeLimits' }));
    }
    this.watches = new JobWatches(store, emitter);
    const inline = { clock: this.clockSync, settings, creation: this.creation, runner, emitter, leases, limits, owner };
    this.runInline = (type, fn, trackOptions) => trackInline(inline, type, fn, trackOptions);
    this.recovery = new LeaseRecovery({
      store,
      clock: this.clockSync,
      policies,
      runner,
      emitter,
      telemetry,
      intervalMs: settings.recoverIntervalMs,
    });
  }

  on<E extends keyof TrackerEvents>(event: E, listener: (...args: TrackerEvents[E]) => void): this {
    this.events.on(event, listener as never);
    return this;
  }

  off<E extends keyof TrackerEvents>(event: E, listener: (...args: TrackerEvents[E]) => void): this {
    this.events.off(event, listener as never);
    return this;
  }

  /** Adds a telemetry implementation (see @jobtrail/otel); returns a function that removes it. */
  useTelemetry(telemetry: JobTelemetry): () => void {
    this.telemetryParts = [...this.telemetryParts, telemetry];
    this.telemetry.current = combineTelemetry(this.telemetryParts);
    return () => {
      this.telemetryParts = this.telemetryParts.filter((part) => part !== telemetry);
      this.telemetry.current = this.telemetryParts.length ? combineTelemetry(this.telemetryParts) : null;
    };
  }

  /**
   * Resolves once this process's offset to the store's clock has been measured (at once for
   * stores without a clock of their own, or with an injected clock). Creating, starting, claiming
   * and recovering wait for it, so that no lease or due time is ever judged on a skewed clock.
   */
  clockReady(): Promise<void> {
    return this.clockSync.ready();
  }

  /**
   * Resolves once the limits declared in `createTracker({ types })` are stored (at once when none
   * are declared). Workers wait for it before their first claim. A failed attempt is reported as
   * an `error` event (operation `setTypeLimits`); the next call tries again.
   *
   * @throws {StoreError} when the store fails.
   */
  limitsReady(): Promise<void> {
    if (this.declaredLimits.size === 0) return Promise.resolve();
    this.declaring ??= (async () => {
      for (const [type, limits] of this.declaredLimits) await this.typeCommands.declare(type, limits);
    })().catch((error: unknown) => {
      this.declaring = null;
      throw error;
    });
    return this.declaring;
  }

  // ---- creation -------------------------------------------------------------------------------

  /**
   * Creates a queued job. With a `key`, an unfinished job of the same type, key, tenant and owner
   * (`null` tenant or owner counts as a value of its own) is returned instead, and nothing is
   * created: a key is never shared across tenants or owners, so the same key in two tenants makes
   * two jobs, and another tenant's job is never returned.
   *
   * @throws {JobValidationError} (`invalid_input`) for bad input.
   * @throws {StoreError} (`store_error`) when the store fails, or answers another tenant's or
   *   owner's job for the key (a store whose schema predates per-scope keys).
   */
  create<T extends RegisteredJobType>(type: T, input?: CreateJobInput<PayloadOf<T>>): Promise<Job<PayloadOf<T>, ResultOf<T>>>;
  create<TPayload = unknown>(type: UnregisteredJobType, input?: CreateJobInput<TPayload>): Promise<Job<TPayload>>;
  create(type: string, input?: CreateJobInput): Promise<Job> {
    return this.creation.create(type, input);
  }

  /** Queues `payload` for a worker's `type` handler; `options.key` dedupes as in {@link create}. */
  enqueue<T extends RegisteredJobType>(
    type: T,
    payload: PayloadOf<T>,
    options?: Omit<CreateJobInput<PayloadOf<T>>, 'payload'>,
  ): Promise<Job<PayloadOf<T>, ResultOf<T>>>;
  enqueue<TPayload = unknown>(type: UnregisteredJobType, payload: TPayload, options?: Omit<CreateJobInput<TPayload>, 'payload'>): Promise<Job<TPayload>>;
  async enqueue(type: string, payload: unknown, options?: Omit<CreateJobInput, 'payload'>): Promise<Job> {
    const input = readInput('options', () => {
      if (options && typeof options === 'object' && 'payload' in options) {
        throw new JobValidationError('payload', 'is the second argument of enqueue(); do not repeat it in the options.');
      }
      return { ...options, payload };
    });
    return this.creation.create(type, input);
  }
  /**
   * Enqueues many jobs at once: one store round trip per 1,000 (PostgreSQL: one multi-row insert
   * each), workers woken once per type. Each item is `{ type, payload?, ...enqueue options }`
   * (key, tenantId, ownerId, group, priority, runAt or delayMs, maxAttempts, metadata, parentId).
   * Every item is checked before anything is written: a bad one throws `JobValidationError`
   * naming its index (`jobs[3].payload`) and nothing is stored. Keys dedupe per item as in
   * `enqueue`, also against earlier items of the same call: `results[i].created` says whether
   * item `i` made a new job or answered an unfinished one with its key.
   *
   * With `{ transaction }` (a TypeORM `EntityManager`, a MongoDB `ClientSession`) every job is
   * inserted inside the caller's transaction: all exist if it commits, none if it rolls back, and
   * `created` events and workers' wake-ups come only after the commit. Without one, each chunk
   * of 1,000 is all or nothing, but an error in a later chunk leaves the earlier ones stored.
   *
   * @example
   * const { created, existing } = await tracker.enqueueMany(
   *   rows.map((row) => ({ type: 'leads.score', payload: { id: row.id }, key: `lead-${row.id}`, tenantId: row.tenant })),
   * );
   *
   * @throws {JobValidationError} (`invalid_input`) for a bad item (named by index) or option.
   * @throws {StoreError} when the store fails before any chunk was stored.
   * @throws {EnqueueManyError} (`enqueue_many_interrupted`) when it fails after some chunks were
   *   stored: no chunk is started after the failure, and `error.results` says which items were
   *   stored (chunks are stored whole or not at all), so the others can be sent again.
   */
  enqueueMany(jobs: readonly EnqueueManyItem[], options?: EnqueueManyOptions): Promise<EnqueueManyResult> {
    return this.creation.createMany(jobs, options);
  }


  // ---- lifecycle by id -------------------------------------------------------------------------

  /**
   * Marks a queued or retrying job as running (attempt + 1) under a lease of `leaseMs` (default:
   * the tracker's `leaseMs`). When this tracker owns the lease (no `owner` given) it renews it by
   * heartbeat until the job is settled or the tracker closes, so if this process dies the job is
   * recovered like a worker's. With another `owner`, renew it with {@link heartbeat}.
   *
   * @throws {InvalidTransitionError} when the job is not queued or retrying.
   */
  start(id: string, options?: { leaseMs?: number; owner?: string }): Promise<Job> {
    return this.byId.start(id, options);
  }

  /**
   * Renews the lease of a running job driven by hand, on behalf of whoever holds it, for
   * `leaseMs` (default: the tracker's `leaseMs`). Answers the new expiry. A job started without a
   * lease (by an older version) gets one owned by this tracker.
   *
   * @throws {JobNotFoundError} for a missing job; {@link InvalidTransitionError} when it is not running.
   */
  heartbeat(id: string, options?: { leaseMs?: number }): Promise<Date> {
    return this.byId.heartbeat(id, options);
  }

  /**
   * Records progress (0..1, clamped) of a running job; coalesced like `ctx.progress`. Progress of
   * a job that is not running (finished, or never started) is dropped, and emits no event.
   */
  progress(id: string, fraction: number, details?: ProgressDetails | string): void {
    this.byId.progress(id, fraction, details);
  }

  /** Writes buffered progress of jobs driven through `tracker.progress()`. */
  flush(id?: string): Promise<void> {
    return this.byId.flush(id);
  }

  /** Completes a running job with `result` (JSON) and an optional note. @throws {InvalidTransitionError} when it is not running. */
  complete(id: string, outcome?: { result?: unknown; note?: string | null }): Promise<Job> {
    return this.byId.complete(id, outcome);
  }

  /** Fails the current attempt: `retrying` when the error is retryable and attempts remain, else `failed`. */
  fail(id: string, error: unknown): Promise<Job> {
    return this.byId.fail(id, error);
  }

  /** Ends a running job as `skipped` ("finished, nothing to do"). @throws {InvalidTransitionError} when it is not running. */
  skip(id: string, outcome?: { note?: string | null }): Promise<Job> {
    return this.byId.skip(id, outcome);
  }

  /** Cancels a queued, retrying or running job; a running handler's `ctx.signal` aborts. */
  cancel(id: string, scope?: JobScope): Promise<Job> {
    return this.byId.cancel(id, scope);
  }

  /**
   * Queues a failed or cancelled job again with a fresh set of attempts: as many as its last run
   * was given. Attempts keep their numbers (the next one is the job's attempt
   * + 1), and the retry is recorded in `job.history`, so no earlier attempt's record is rewritten.
   *
   * @throws {JobValidationError} (`invalid_input`, field `key`) when the job has a key and another
   *   unfinished job of its type, tenant and owner holds that key now (the message names that job).
   */
  retry(id: string, scope?: JobScope): Promise<Job> {
    return this.byId.retry(id, scope);
  }
  /**
   * Makes a `queued` or `retrying` job that is due later (a delay, a backoff) due now, so the
   * next claim may take it (workers are woken). A job due already is answered as it is: its
   * place in the claim order is kept. Nothing else changes: attempts, history, limits.
   *
   * @throws {JobNotFoundError} when it does not exist or lies outside `scope`.
   * @throws {InvalidTransitionError} (`invalid_transition`) for a job that is running or finished.
   */
  runNow(id: string, scope?: JobScope): Promise<Job> {
    return this.byId.runNow(id, scope);
  }
  /**
   * Retries every failed or cancelled job the filter matches, as `retry(id)` would one by one
   * (same history entry and key rules), reading and changing 500 at a time so any number of
   * matches never sits in memory. The filter is a list filter (`status`, `type`, `tenantId`,
   * `ownerId`, `group`, `key`, `scheduleName`, `errorCode`, `metadata`, `parentId`,
   * `createdAfter`, `createdBefore`, `scope`) with at least one condition besides `scope`. Jobs
   * that cannot be retried (running, queued) count as matched, not changed. One call retries a
   * job at most once; a job that a worker fails again while two calls run can be retried by
   * each (their counts stay true).
   *
   * @example
   * // After an incident: every failed job of a type, once more.
   * const { matched, changed } = await tracker.retryMany({ type: 'partners.sync', status: 'failed' });
   *
   * @throws {JobValidationError} (`invalid_input`) for a bad or empty filter.
   * @throws {BulkActionError} (`bulk_action_interrupted`) when the store fails part-way: its
   *   `matched` / `changed` count what was done (those jobs stay changed), `cause` is the store's error.
   */
  retryMany(filter: JobFilter): Promise<BulkActionResult> {
    return actOnMatches(this.store, filter, 'retry', (job, scope) => this.byId.retry(job.id, scope, job));
  }

  /**
   * Cancels every unfinished job the filter matches, as `cancel(id)` would (events, aborting
   * handlers that run here), 500 at a time. The filter as for `retryMany`. @throws as `retryMany`.
   */
  cancelMany(filter: JobFilter): Promise<BulkActionResult> {
    return actOnMatches(this.store, filter, 'cancel', (job, scope) => this.byId.cancel(job.id, scope, job));
  }



  /** Adds to named metrics atomically; answers the job's metrics after the increment. */
  incrementMetrics(id: string, deltas: Record<string, number>): Promise<Record<string, number>> {
    return this.byId.incrementMetrics(id, deltas);
  }

  // ---- reads -----------------------------------------------------------------------------------
  // Jobs are read as stored (`Job`) and answered as {@link AnyJob}: a union narrowed by `job.type`
  // once the `JobTypes` registry is filled. Types only, so the casts live here, at the front.

  /**
   * The job, or null when it does not exist or lies outside `scope` (decided in the store's
   * query: an out-of-scope job is never read). `read` leaves large fields out or caps them (see
   * `FieldReads`; such fields are `undefined` and listed in `job.unread`).
   *
   * With a filled `JobTypes` registry the job is a union narrowed by `job.type`; the store may
   * still hold jobs of types no longer registered, which the union does not describe.
   *
   * @throws {JobValidationError} for a bad scope or `read`.
   */
  async get(id: string, scope?: JobScope, read?: FieldReads): Promise<AnyJob | null> {
    const job = await this.queries.get(id, scope, read);
    if (job !== null) {
      // Null at once for a store without flow control or a job that is not due and waiting.
      const waitingFor = await this.typeCommands.waitingFor(job);
      if (waitingFor !== null) job.waitingFor = waitingFor;
    }
    return job as AnyJob | null;
  }

  /** Newest first, paged by cursor. `read`: as for `get`; jobs: as for `get`. */
  list(filter?: ListFilter): Promise<JobPage> {
    return this.queries.list(filter) as Promise<JobPage>;
  }

  /**
   * Running, queued and retrying jobs, plus those that finished within `withinMs` (default 5 min).
   * `read`: as for `get`; jobs: as for `get`.
   */
  active(options?: ActiveOptions): Promise<AnyJob[]> {
    return this.queries.active(options) as Promise<AnyJob[]>;
  }

  /** Counts by status, and by type and status. */
  stats(filter?: JobFilter): Promise<JobStats> {
    return this.queries.stats(filter);
  }

  /**
   * What happened over time: per bucket of `bucketMs` ms (default 1 h) from `since` (default
   * `until` − 24 h, floored to a multiple of `bucketMs` since the epoch) to `until` (default now,
   * exclusive), the jobs `started` (by their latest `startedAt`), `completed` and `failed` (by
   * `finishedAt`), and the wait from due to start of those started (`waitMsAvg`, `waitMsMax`,
   * in whole ms; null when none started). Every bucket is answered, empty ones as zeros. The
   * filter (scope included) narrows the jobs counted, as for `stats`.
   *
   * @example
   * const { buckets } = await tracker.activity({ bucketMs: 60_000, since: new Date(Date.now() - 3_600_000), type: 'email.send' });
   *
   * @throws {JobValidationError} (`invalid_input`) for a `since` / `until` that is not a Date,
   *   `since` not before `until`, `bucketMs` not an integer of at least 1000, more than 1440
   *   buckets, or a bad filter.
   * @throws {JobtrailError} (`activity_unavailable`) when the store has no `activity`.
   */
  activity(options?: ActivityOptions): Promise<JobActivity> {
    return readActivity(this.store, this.clockSync.clock, options);
  }

  /** A parent's children: counts by status and summed metrics. */
  rollup(parentId: string, scope?: JobScope): Promise<JobRollup> {
    return this.queries.rollup(parentId, scope);
  }

  /** Deletes finished jobs older than the cut-off; answers how many. */
  prune(options: PruneOptions): Promise<number> {
    return this.queries.prune(options);
  }

  /**
   * Takes back running jobs whose lease expired (their worker died or stalled): `retrying` while
   * attempts remain, else `failed` with code `lease_expired`. Compare-and-set on lease owner and
   * attempt, so a late completion by the original worker and this recovery never both win.
   * A job that cannot be recovered is reported (an `error` event naming it) and the others are
   * recovered all the same. Concurrent calls share one pass.
   */
  recoverExpired(): Promise<Job[]> {
    return this.recovery.recoverExpired();
  }

  // ---- recurring schedules --------------------------------------------------------------------

  /**
   * Creates or updates the schedule `name` (1 to 255 characters, unique across tenants): every
   * tick enqueues one job of `spec.type`, carrying `scheduleName` and `scheduledFor` (the tick).
   * Stored durably: workers of every process fire it (`createWorker({ schedules: false })` opts
   * out), and each tick fires exactly once however many do (the job's id is derived from name and
   * tick, and the store's primary key decides). Idempotent: declaring an unchanged schedule at
   * every start writes nothing; a change of timing starts it afresh from now; a pause
   * ({@link pauseSchedule}) is kept. See `ScheduleSpec` for the fields and defaults, and
   * docs/design.md ("Recurring schedules") for DST, catch-up and overlap rules.
   *
   * @example
   * await tracker.schedule('reports.nightly', { type: 'report', cron: '0 2 * * *', timezone: 'Europe/Berlin' });
   * await tracker.schedule('sync.orders', { type: 'orders.sync', every: '5m', payload: { batch: 500 } });
   *
   * @throws {JobValidationError} (`invalid_input`, naming the field: `cron`, `timezone`, `every`,
   *   `endAt`, ...) for a bad spec, or `tenantId` when the name belongs to another tenant; nothing
   *   is stored.
   * @throws {StoreError} when the store keeps no schedules or fails.
   */
  schedule<T extends RegisteredJobType>(name: string, spec: ScheduleSpec<PayloadOf<T>> & { type: T }): Promise<Schedule>;
  schedule<TPayload = unknown>(name: string, spec: ScheduleSpec<TPayload> & { type: UnregisteredJobType }): Promise<Schedule>;
  schedule(name: string, spec: ScheduleSpec): Promise<Schedule> {
    return this.scheduleCommands.schedule(name, spec);
  }

  /**
   * Deletes the schedule (jobs it made stay, and a tick being fired right now may still create
   * its job); answers whether it existed in `scope`.
   */
  unschedule(name: string, scope?: ScheduleScope): Promise<boolean> {
    return this.scheduleCommands.unschedule(name, scope);
  }

  /**
   * Stops the schedule firing until {@link resumeSchedule}; kept when the code declares the
   * schedule again. @throws {ScheduleNotFoundError} (`schedule_not_found`) when it does not exist in `scope`.
   */
  pauseSchedule(name: string, scope?: ScheduleScope): Promise<Schedule> {
    return this.scheduleCommands.pause(name, scope);
  }

  /**
   * Lets a paused schedule fire again from its next tick: ticks due while it was paused are not
   * fired. @throws {ScheduleNotFoundError} (`schedule_not_found`) when it does not exist in `scope`.
   */
  resumeSchedule(name: string, scope?: ScheduleScope): Promise<Schedule> {
    return this.scheduleCommands.resume(name, scope);
  }

  /** The schedule, or null when it does not exist in `scope`. */
  getSchedule(name: string, scope?: ScheduleScope): Promise<Schedule | null> {
    return this.scheduleCommands.get(name, scope);
  }

  /** Schedules by name, paged (`options.after` = the previous page's `nextCursor`). */
  listSchedules(options?: ListSchedulesOptions): Promise<SchedulePage> {
    return this.scheduleCommands.list(options);
  }

  /**
   * Fires every due schedule once, as a worker's scheduler does in the background: for a process
   * that runs no worker (a serverless cron hook) or a test. Safe alongside any number of workers.
   * `options.signal` stops it between schedules (a firing under way completes).
   */
  fireDueSchedules(options?: FireDueOptions): Promise<FiringPass> {
    return this.firing.fireDue(options);
  }

  // ---- flow control ---------------------------------------------------------------------------

  /**
   * Sets the limits of job type `type`, stored in the store and honoured by the claim of every
   * worker in every process from its next claim, without a restart (see docs/design.md, "Flow
   * control"). The limits given replace the type's limits: one not given is cleared
   * (`setTypeLimits(type, {})` clears them all); the pause stays as it is.
   *
   * - `maxRunning`: at most this many jobs of the type `running` at once, across all processes;
   * - `maxRunningPerGroup`: at most this many `running` per job `group` (jobs without one form a group);
   * - `rateLimit: { limit, intervalMs, perGroup? }`: at most `limit` starts in any window of
   *   `intervalMs` ms (a sliding window), per group with `perGroup`.
   *
   * Limits are whole numbers from 1 to 100 000; `intervalMs` from 1 000 to 86 400 000.
   *
   * @example
   * await tracker.setTypeLimits('email.send', { maxRunning: 5, rateLimit: { limit: 100, intervalMs: 60_000 } });
   *
   * @throws {JobValidationError} (`invalid_input`, naming the field) for a negative, zero,
   *   fractional, NaN or non-number limit, or an unknown key.
   * @throws {StoreError} when the store has no flow control or fails.
   */
  setTypeLimits(type: string, limits: TypeLimits): Promise<JobTypeInfo> {
    return this.typeCommands.setLimits(type, limits);
  }

  /**
   * Pauses job type `type`: no worker of any process claims its jobs from its next claim; jobs
   * running finish, enqueue still works, and due jobs wait `queued` (`waitingFor: 'paused'`).
   *
   * @throws {StoreError} when the store has no flow control or fails.
   */
  pauseType(type: string): Promise<JobTypeInfo> {
    return this.typeCommands.pause(type);
  }

  /** Lets workers claim a paused type again (they are woken at once). @throws {StoreError} as `pauseType`. */
  resumeType(type: string): Promise<JobTypeInfo> {
    return this.typeCommands.resume(type);
  }

  /**
   * One job type's limits, pause and counts (a type never seen answers no limits and zero
   * counts). With `options.scope`, the counts are that scope's jobs only.
   */
  getType(type: string, options?: TypeReadOptions): Promise<JobTypeInfo> {
    return this.typeCommands.get(type, options?.scope);
  }

  /**
   * Every job type with limits, a pause or jobs in the store, by name: limits, paused, counts.
   * With `options.scope`: the types that scope has jobs of, counted in the scope, plus the types
   * paused or limited (their counts in the scope too) — never another scope's types or counts.
   */
  listTypes(options?: TypeReadOptions): Promise<JobTypeInfo[]> {
    return this.typeCommands.list(options?.scope);
  }

  // ---- inline tracking -------------------------------------------------------------------------

  /**
   * Runs `fn` as a tracked job: creates and starts it, lets `fn` report progress, completes it
   * with the return value or fails it on throw (rethrowing the original error). In safe mode (the
   * default) tracking failures never change what `fn` returns or throws.
   */
  track<TType extends RegisteredJobType>(
    type: TType,
    fn: (ctx: JobContext<PayloadOf<TType>>) => ResultOf<TType> | Promise<ResultOf<TType>>,
    options?: TrackOptions<PayloadOf<TType>>,
  ): Promise<Awaited<ResultOf<TType>>>;
  track<T, TPayload = unknown>(
    type: UnregisteredJobType,
    fn: (ctx: JobContext<TPayload>) => T | Promise<T>,
    options?: TrackOptions<TPayload>,
  ): Promise<Awaited<T>>;
  track<T>(type: string, fn: (ctx: JobContext) => T | Promise<T>, options: TrackOptions = {}): Promise<Awaited<T>> {
    return this.runInline(type, fn, options);
  }

  /**
   * Stops background timers (lease renewal, recovery) and writes buffered progress. The store
   * stays open (it is yours). Jobs this tracker was renewing are recovered once their lease expires.
   */
  /**
   * Watches jobs as they change, written by this process or any other sharing the store (its
   * change feed: PostgreSQL LISTEN/NOTIFY, MongoDB change streams, memory in process).
   *
   * - `watch(id, listener, { scope? })`: `listener(job)` after each change of that job.
   * - `watch(filter, listener)`: after each change of a job the list filter matches (scope in the
   *   filter); a job that stops matching (a failed job retried, under `status: 'failed'`) is
   *   delivered once more, so a view can drop it.
   *
   * Each changed job is read once after the change (in `read`), however many watches want it.
   * Quick successive changes may arrive as the latest only. `onGap` is called when changes may
   * have been missed (the feed reconnected): re-read what you show. Listener errors are reported
   * as `error` events (operation `watch`).
   *
   * @example
   * const stop = tracker.watch(job.id, (current) => console.log(current.status, current.progress));
   *
   * @returns A function that stops the watch (safe to call twice).
   * @throws {JobValidationError} (`invalid_input`) for a bad id, filter, listener or options.
   * @throws {JobtrailError} (`change_feed_unavailable`) when the store has no change feed.
   */
  watch(target: string | JobFilter, listener: (job: AnyJob) => void, options?: WatchOptions): () => void {
    return this.watches.watch(target, listener as (job: Job) => void, options);
  }

  /**
   * Cross-process events: from now on, `created`, `started`, `retrying`, `completed`, `failed`,
   * `skipped` and `cancelled` also fire for jobs changed by other processes sharing the store (a
   * web process hearing that a worker finished a job), through the store's change feed. Each
   * status of each attempt of a job is told once, whether the change was made here or elsewhere.
   * Quick successive changes may arrive as the latest only, so an intermediate event (the
   * `started` of a short job) can be skipped; `progress` stays local; events of changes made
   * while nothing listened are not replayed. Each changed job is read once (in `read`).
   *
   * @example
   * tracker.on('completed', (job) => notifyUser(job));
   * const stop = tracker.listenToAllProcesses({ filter: { type: 'reports.build' } });
   *
   * @returns A function that stops relaying.
   * @throws {JobtrailError} `change_feed_unavailable` when the store has no change feed; as
   *   `watch` for a bad filter.
   */
  listenToAllProcesses(options?: AllProcessesOptions): () => void {
    return relayAllProcesses(this.watches, this.emitter, options);
  }

  async close(): Promise<void> {
    this.watches.close();
    this.byId.close();
    this.recovery.stop();
    this.leases.stop();
    await this.flush();
  }
}
