import { EventEmitter } from 'eventemitter3';
import { DEFAULT_BACKOFF, resolveBackoff, type BackoffPolicy } from '../backoff/backoff.js';
import {
  classifyError,
  composeClassifier,
  type ComposedClassifier,
  type ErrorClassification,
  type ErrorClassifier,
} from '../errors/classify-error.js';
import { JobAbortedError } from '../errors/job-aborted-error.js';
import {
  InvalidTransitionError,
  JobConflictError,
  JobFinishedError,
  JobNotFoundError,
  JobValidationError,
  StoreError,
} from '../errors/jobtrail-error.js';
import type { Job, JobHistoryEntry, JobScope } from '../model/job.js';
import { JOB_STATUSES, TERMINAL_STATUSES, isTerminal, type JobStatus, type TerminalStatus } from '../model/job-status.js';
import { canTransition } from '../model/state-machine.js';
import type { Expectation, FieldReads, JobPatch, JobStore, ProgressPatch, ReadOptions, StoreLimits, TransitionResult } from '../store/job-store.js';
import { checkReadScope, toReadPlan } from '../store/field-reads.js';
import { guardStore } from '../store/guarded-store.js';
import { combineTelemetry, type AttemptTelemetry, type JobTelemetry } from '../telemetry/telemetry-port.js';
import { systemClock, type Clock } from '../util/clock.js';
import { StoreClock } from '../util/store-clock.js';
import { parseDuration } from '../util/duration.js';
import { LazyAbortController } from '../util/lazy-abort-controller.js';
import { isUuid, uuidv7 } from '../util/uuid-v7.js';
import type { AttemptOutcomeKind } from './attempt-outcome-kind.js';
import { AttemptWriter, type AttemptWriterDeps, type ProgressDetails } from './attempt-writer.js';
import { createJobContext, type AttemptState, type JobContext } from './job-context.js';
import { appendHistory, attemptEntry, DEFAULT_MAX_HISTORY, freshAttemptFields, runBudget } from './attempt-history.js';
import { decideFailure, appendBounded, toJobError, type FailureOptions } from './failure.js';
import { checkedInsertAnswer, keyHeldError } from './key-scope.js';
import { LeaseKeeper } from './lease-keeper.js';
import { withWarning, writeOutcome } from './outcome-writer.js';
import { DEFAULT_MAX_RETRY_AFTER_MS } from './retry-delay.js';
import {
  checkCursor,
  checkPageSize,
  inScope,
  toStoreFilter,
  type JobFilter,
  type ListFilter,
} from './query-filters.js';
import type { ProgressEvent, StaleWrite, TrackerEvents } from './tracker-events.js';
import type { TrackerOptions, JobTypeOptions } from './tracker-options.js';
import {
  assertInteger,
  assertJobType,
  assertJson,
  assertMetricIncrement,
  assertOptionalText,
  assertStorableText,
  DATE_MAX,
  DATE_MIN,
  integerOption,
  isPlainObject,
  storableText,
  cutText,
  MAX_NOTE_LENGTH,
  validateCreateInput,
  type CreateJobInput,
} from './validate-input.js';
import type { PayloadOf, RegisteredJobType, ResultOf, UnregisteredJobType } from '../model/job-types.js';

export interface TrackOptions<TPayload = unknown> extends CreateJobInput<TPayload> {
  /**
   * Default true: a store failure never breaks the tracked function; it is emitted as an `error`
   * event and the function's result or error reaches the caller unchanged.
   */
  safe?: boolean;
  /** Store the function's return value as the job's result. Default true. */
  storeResult?: boolean;
}

export interface JobPage {
  jobs: Job[];
  nextCursor: string | null;
}

export interface StatusCounts {
  total: number;
  byStatus: Record<JobStatus, number>;
}

export interface JobStats extends StatusCounts {
  byType: Record<string, StatusCounts>;
}

export interface JobRollup extends StatusCounts {
  parentId: string;
  /** Every child's metrics, summed per name. */
  metrics: Record<string, number>;
  /** True when every child finished. */
  finished: boolean;
}

export interface PruneOptions {
  /** A cut-off for every listed status, or one per status (ms or '7d'-style durations). */
  olderThanMs: number | string | Partial<Record<TerminalStatus, number | string>>;
  /** Default: every terminal status. */
  statuses?: readonly TerminalStatus[];
}

/** What the worker needs from a tracker beyond its public API. */
export interface TrackerInternals {
  clock: Clock;
  runAttempt<T>(run: AttemptRun<T>): Promise<AttemptResult<T>>;
  policyFor(type: string): { backoff: BackoffPolicy; classify: (error: unknown) => ErrorClassification };
  /** Aborts the handler of a job running in this process, if any. */
  abortLocal(jobId: string, cause: JobAbortedError['cause_']): void;
  /** Hands a running job back to the queue without counting the attempt (shutdown). */
  release(job: Job, owner: string): Promise<Job | null>;
  /**
   * Takes a job back whose claim the store lost (a database crash undid it) while its handler
   * still runs here; answers whether it did.
   */
  retake(job: Job, owner: string, leaseExpiresAt: Date): Promise<boolean>;
  emitError(error: unknown, context: { operation: string; jobId?: string; type?: string }): void;
}

export interface AttemptRun<T> {
  job: Job;
  owner: string;
  mode: 'queue' | 'inline';
  fn: (ctx: JobContext) => T | Promise<T>;
  controller: LazyAbortController;
  storeResult?: boolean;
  /** Overrides of the type's backoff/classify; pass the same object each time (its resolution is cached). */
  policy?: JobTypeOptions;
  /** Detached: the job is not in the store (safe-mode tracking after a failed insert). */
  detached?: boolean;
  /**
   * Called once the handler has returned or thrown, before the outcome is written: the worker
   * frees the handler's slot here so the next claim overlaps the settle's round trip.
   */
  onHandlerDone?: () => void;
  /** Until when (epoch ms) the runner holds the lease: an outcome write is retried until then. */
  leaseExpiresAt: () => number;
  /** Told each time the outcome write failed because the store could not be reached. */
  onStoreUnreachable?: () => void;
  /**
   * Set by the runner once the attempt runs: its paused writes (the store refused them while a
   * database crash had undone the claim) go on, for a runner that took the job back.
   */
  resumeWrites?: () => void;
}

export type { AttemptOutcomeKind };

export interface AttemptResult<T> {
  outcome: AttemptOutcomeKind;
  job: Job | null;
  threw: boolean;
  value?: T;
  error?: unknown;
  /** A store failure while settling (the lease will expire and recovery takes over). */
  storeError?: unknown;
}

export type Tracker = JobTracker;

const internalsOf = new WeakMap<object, TrackerInternals>();

/** @internal for the worker. */
export function trackerInternals(tracker: Tracker): TrackerInternals {
  const internals = internalsOf.get(tracker);
  if (!internals) throw new JobValidationError('tracker', 'must be a tracker made by createTracker().');
  return internals;
}

const RECOVERY_BATCH = 100;

/** What cancel and retry read to decide: neither looks at the large fields (nor returns them from this read). */
const DECIDE_WITHOUT_DATA: FieldReads = { payload: 'omit', result: 'omit', metadata: 'omit' };

/** `read` validated (`invalid_input` when bad); undefined when absent. */
function checkedRead(read: FieldReads | undefined): FieldReads | undefined {
  if (read === undefined) return undefined;
  toReadPlan(read);
  return read;
}

/** The store's read options for a scope and/or `read`, or undefined to read whole jobs unscoped. */
function readOptions(scope: JobScope | undefined, read: FieldReads | undefined): ReadOptions | undefined {
  return scope || read ? { ...(scope ? { scope } : {}), ...(read ? { read } : {}) } : undefined;
}
/**
 * One clock per store, shared by every tracker on it (one resync a minute however many trackers
 * a process makes). It holds the store weakly and stops once the store is gone.
 */
const sharedClocks = new WeakMap<JobStore, StoreClock>();
const clockErrors = new WeakMap<StoreClock, unknown>();

function storeClockFor(store: JobStore): StoreClock {
  let clock = sharedClocks.get(store);
  if (clock) return clock;
  const ref = typeof WeakRef === 'function' ? new WeakRef(store) : strongRef(store);
  const made: StoreClock = new StoreClock({
    source: () => {
      const current = ref.deref();
      if (!current) {
        made.stop();
        return Promise.reject(new StoreError('The store this clock measured is gone.'));
      }
      return current.serverTime!();
    },
    onError: (error) => clockErrors.set(made, error),
  });
  clock = made;
  sharedClocks.set(store, clock);
  return clock;
}

/** How soon a failed measurement of the store's clock is tried again by the next caller. */
const CLOCK_RETRY_MS = 5_000;

export function createTracker(options: TrackerOptions): Tracker {
  return new JobTracker(options);
}

/**
 * The lifecycle of every job: creation, attempts, progress, outcomes and queries, over any store.
 * Create one per process with `createTracker()` and share it.
 */
export class JobTracker {
  readonly id: string;
  readonly store: JobStore;
  readonly events = new EventEmitter<TrackerEvents>();

  private readonly clock: Clock;
  /** What the store cannot hold: refused up front. */
  private readonly limits: StoreLimits;
  /** Measures this process's offset to the store's clock (stores with `serverTime`, system clock only). */
  private storeClock: StoreClock | null = null;
  private clockSynced: Promise<void> | null = null;
  /** True until the store's clock has been measured once (hot paths skip the await after). */
  private clockPending: boolean;
  private nextClockSyncAt = 0;
  private readonly backoff: BackoffPolicy;
  private readonly classify: ErrorClassifier | undefined;
  private readonly maxAttempts: number;
  private readonly types: Record<string, JobTypeOptions>;
  private readonly progressIntervalMs: number;
  private readonly leaseMs: number;
  private readonly maxErrors: number;
  private readonly maxHistory: number;
  private readonly maxRetryAfterMs: number;
  private readonly keepStacks: boolean;
  private readonly recoverIntervalMs: number | false;
  private recoverTimer: unknown = null;
  private recovering: Promise<Job[]> | null = null;
  private closed = false;
  /** Types of jobs driven by id in this process (`start`, `progress`), so their events carry it. */
  private readonly manualTypes = new Map<string, string>();
  private telemetryParts: JobTelemetry[] = [];
  private telemetry: JobTelemetry | null = null;
  private readonly localRuns = new Map<string, LazyAbortController>();
  private readonly manualWriters = new Map<string, AttemptWriter>();
  private readonly policies = new Map<string, ReturnType<TrackerInternals['policyFor']>>();
  private readonly runPolicies = new WeakMap<JobTypeOptions, ReturnType<TrackerInternals['policyFor']>>();
  private readonly inlineLeases: LeaseKeeper;
  private readonly baseWriterDeps: AttemptWriterDeps;

  constructor(options: TrackerOptions) {
    if (!options || typeof options !== 'object' || !options.store) {
      throw new JobValidationError('store', 'createTracker() needs a store, e.g. createTracker({ store: new MemoryJobStore() }).');
    }
    this.store = guardStore(options.store);
    this.limits = options.store.limits ?? {};
    // Leases and due times are judged on the store's clock: local time plus a measured offset.
    const syncsClock = options.clock === undefined && options.clockSync !== false && typeof options.store.serverTime === 'function';
    this.clockPending = syncsClock;
    this.clock = options.clock ?? (syncsClock ? this.offsetClock() : systemClock);
    // Measured now, so that the first enqueue or claim rarely has to wait for it.
    if (syncsClock) void this.clockReady();
    this.backoff = options.backoff ? resolveBackoff(options.backoff) : DEFAULT_BACKOFF;
    this.classify = options.classify;
    this.maxAttempts = integerOption(options.maxAttempts, 3, 'maxAttempts', 1, 1000);
    this.types = options.types ?? {};
    for (const [type, typeOptions] of Object.entries(this.types)) {
      if (typeOptions.maxAttempts !== undefined) assertInteger(typeOptions.maxAttempts, `types.${type}.maxAttempts`, 1, 1000);
    }
    this.progressIntervalMs = integerOption(options.progressIntervalMs, 250, 'progressIntervalMs', 0, 3_600_000);
    this.leaseMs = integerOption(options.leaseMs, 60_000, 'leaseMs', 100, 86_400_000);
    this.maxErrors = integerOption(options.maxErrors, 20, 'maxErrors', 0, 1000);
    this.maxHistory = integerOption(options.maxHistory, DEFAULT_MAX_HISTORY, 'maxHistory', 1, 1000);
    this.maxRetryAfterMs = integerOption(options.maxRetryAfterMs, DEFAULT_MAX_RETRY_AFTER_MS, 'maxRetryAfterMs', 0, 366 * 86_400_000);
    this.keepStacks = options.keepStacks ?? false;
    this.recoverIntervalMs =
      options.recoverIntervalMs === false
        ? false
        : integerOption(options.recoverIntervalMs, Math.max(1000, Math.floor(this.leaseMs / 2)), 'recoverIntervalMs', 10, 86_400_000);
    this.baseWriterDeps = {
      store: this.store,
      clock: this.clock,
      intervalMs: this.progressIntervalMs,
      onProgress: (event) => {
        if (this.events.listenerCount('progress') > 0) this.events.emit('progress', event);
      },
      onError: (error, operation) => this.emitError(error, { operation }),
      onStale: (jobId, type, attempt, operation) => this.emitStale({ jobId, type, attempt, operation }),
      telemetry: undefined,
    };
    this.id = options.id ?? `tracker-${uuidv7(this.clock.now()).slice(-12)}`;
    if (options.telemetry) this.useTelemetry(options.telemetry);
    this.inlineLeases = new LeaseKeeper({
      store: this.store,
      clock: this.clock,
      owner: this.id,
      leaseMs: this.leaseMs,
      heartbeatMs: Math.max(50, Math.floor(this.leaseMs / 3)),
      onLost: (jobId) => void this.onLeaseLost(jobId),
      onError: (error) => this.emitError(error, { operation: 'heartbeat' }),
    });
    internalsOf.set(this, {
      clock: this.clock,
      runAttempt: (run) => this.runAttempt(run),
      policyFor: (type) => this.policyFor(type),
      abortLocal: (jobId, cause) => this.abortLocal(jobId, cause),
      release: (job, owner) => this.release(job, owner),
      retake: (job, owner, leaseExpiresAt) => this.retake(job, owner, leaseExpiresAt),
      emitError: (error, context) => this.emitError(error, context),
    });
    this.scheduleRecovery(this.recoverIntervalMs === false ? 0 : Math.min(this.recoverIntervalMs, 1000));
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
    this.telemetry = combineTelemetry(this.telemetryParts);
    return () => {
      this.telemetryParts = this.telemetryParts.filter((part) => part !== telemetry);
      this.telemetry = this.telemetryParts.length ? combineTelemetry(this.telemetryParts) : null;
    };
  }

  /**
   * Resolves once this process's offset to the store's clock has been measured (at once for
   * stores without a clock of their own, or with an injected clock). Creating, starting, claiming
   * and recovering wait for it, so that no lease or due time is ever judged on a skewed clock.
   */
  clockReady(): Promise<void> {
    if (!this.clockPending) return Promise.resolve();
    if (this.clockSynced) return this.clockSynced;
    const now = systemClock.now();
    // After a failed measurement (the store was not reachable yet) callers go on with the offset
    // they have, and one of them measures again at most every few seconds.
    if (now < this.nextClockSyncAt) return Promise.resolve();
    this.nextClockSyncAt = now + CLOCK_RETRY_MS;
    const fresh = this.storeClock === null;
    this.storeClock ??= storeClockFor(this.store);
    const clock = this.storeClock;
    const measured = clock.ready().then(() => (clock.roundTripMs === undefined && !fresh ? clock.sync() : undefined));
    this.clockSynced = measured.then(() => {
      if (clock.roundTripMs !== undefined) this.clockPending = false;
      else this.emitError(clockErrors.get(clock) ?? new StoreError("Could not read the store's clock."), { operation: 'clock' });
      this.clockSynced = null;
    });
    return this.clockSynced;
  }

  /** The store's time measured against `systemClock`; 0 offset until the first measurement. */
  private offsetClock(): Clock {
    return {
      now: () => systemClock.now() + (this.storeClock?.offsetMs ?? 0),
      setTimeout: (callback, ms) => systemClock.setTimeout(callback, ms),
      clearTimeout: (handle) => systemClock.clearTimeout(handle),
    };
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
  create<T extends RegisteredJobType>(
    type: T,
    input?: CreateJobInput<PayloadOf<T>>,
  ): Promise<Job<PayloadOf<T>, ResultOf<T>>>;
  create<TPayload = unknown>(type: UnregisteredJobType, input?: CreateJobInput<TPayload>): Promise<Job<TPayload>>;
  async create(type: string, input?: CreateJobInput): Promise<Job> {
    assertJobType(type);
    const checked = validateCreateInput(input, [], this.limits);
    if (this.clockPending) await this.clockReady();
    const job = this.draft(type, checked, 'queued');
    return this.insert(job, checked.transaction);
  }

  /** Queues `payload` for a worker's `type` handler; `options.key` dedupes as in {@link create}. */
  enqueue<T extends RegisteredJobType>(
    type: T,
    payload: PayloadOf<T>,
    options?: Omit<CreateJobInput<PayloadOf<T>>, 'payload'>,
  ): Promise<Job<PayloadOf<T>, ResultOf<T>>>;
  enqueue<TPayload = unknown>(
    type: UnregisteredJobType,
    payload: TPayload,
    options?: Omit<CreateJobInput<TPayload>, 'payload'>,
  ): Promise<Job<TPayload>>;
  async enqueue(type: string, payload: unknown, options?: Omit<CreateJobInput, 'payload'>): Promise<Job> {
    if (options && typeof options === 'object' && 'payload' in options) {
      throw new JobValidationError('payload', 'is the second argument of enqueue(); do not repeat it in the options.');
    }
    // The implementation signature is not callable from outside; `type` is checked by the overloads.
    return (this.create as (type: string, input: CreateJobInput) => Promise<Job>)(type, { ...options, payload });
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
  async start(id: string, options: { leaseMs?: number; owner?: string } = {}): Promise<Job> {
    const leaseMs = integerOption(options.leaseMs, this.leaseMs, 'leaseMs', 100, 86_400_000);
    assertOptionalText(options.owner, 'owner');
    const owner = options.owner ?? this.id;
    if (this.clockPending) await this.clockReady();
    const job = await this.change(id, 'start', (current) => {
      this.assertCan(current, 'running');
      const now = this.clock.now();
      return {
        status: 'running',
        attempt: current.attempt + 1,
        lease: { owner, expiresAt: new Date(now + leaseMs) },
        startedAt: new Date(now),
        updatedAt: new Date(now),
      };
    });
    this.manualTypes.set(job.id, job.type);
    if (owner === this.id && !this.closed) this.inlineLeases.add(job.id, job.lease!.expiresAt.getTime());
    this.emit('started', job);
    return job;
  }

  /**
   * Renews the lease of a running job driven by hand, on behalf of whoever holds it, for
   * `leaseMs` (default: the tracker's `leaseMs`). Answers the new expiry. A job started without a
   * lease (by an older version) gets one owned by this tracker.
   *
   * @throws {JobNotFoundError} for a missing job; {@link InvalidTransitionError} when it is not running.
   */
  async heartbeat(id: string, options: { leaseMs?: number } = {}): Promise<Date> {
    const leaseMs = integerOption(options.leaseMs, this.leaseMs, 'leaseMs', 100, 86_400_000);
    if (!isUuid(id)) throw new JobNotFoundError(String(id));
    for (let tries = 0; tries < 5; tries++) {
      const current = await this.store.get(id);
      if (!current) throw new JobNotFoundError(id);
      if (current.status !== 'running') {
        throw new InvalidTransitionError(id, current.status, 'running', 'Only a running job has a lease to renew.');
      }
      const now = this.clock.now();
      const expiresAt = new Date(now + leaseMs);
      if (current.lease) {
        const held = await this.store.heartbeat(current.lease.owner, [id], expiresAt);
        if (held.includes(id)) return expiresAt;
      } else {
        const result = await this.store.transition(
          id,
          { status: 'running', leaseOwner: null, attempt: current.attempt },
          { lease: { owner: this.id, expiresAt }, updatedAt: new Date(now) },
        );
        if (result.ok) return expiresAt;
      }
    }
    throw new JobConflictError(id, 'heartbeat kept losing to concurrent changes; try again.');
  }

  /**
   * Records progress (0..1, clamped) of a running job; coalesced like `ctx.progress`. Progress of
   * a job that is not running (finished, or never started) is dropped, and emits no event.
   */
  progress(id: string, fraction: number, details?: ProgressDetails | string): void {
    if (!isUuid(id)) throw new JobValidationError('id', 'must be a job id.');
    this.manualWriter(id).progress(fraction, typeof details === 'string' ? { stage: details } : details);
  }

  /** Writes buffered progress of jobs driven through `tracker.progress()`. */
  async flush(id?: string): Promise<void> {
    const writers = id ? [this.manualWriters.get(id)] : [...this.manualWriters.values()];
    await Promise.all(writers.map((writer) => writer?.flush()));
  }

  async complete(id: string, outcome: { result?: unknown; note?: string | null } = {}): Promise<Job> {
    if (outcome.result !== undefined) assertJson(outcome.result, 'result', this.limits);
    const note = checkNote(outcome.note);
    const progress = await this.takeManualProgress(id);
    const job = await this.change(id, 'complete', (current) => {
      this.assertCan(current, 'completed');
      const at = new Date(this.clock.now());
      return {
        ...progress,
        ...this.completedPatch({ ...current, ...progress }, outcome.result ?? null, at),
        ...(note !== undefined ? { note } : {}),
      };
    });
    this.settledByHand(id);
    this.emit('completed', job);
    return job;
  }

  /** Fails the current attempt: `retrying` when the error is retryable and attempts remain, else `failed`. */
  async fail(id: string, error: unknown): Promise<Job> {
    const progress = await this.takeManualProgress(id);
    const job = await this.change(id, 'fail', (current) => {
      this.assertCan(current, 'failed');
      const policy = this.policyFor(current.type);
      const decision = decideFailure({ ...current, ...progress }, error, this.classifySafely(policy, error, current), policy.backoff, this.clock.now(), this.failureOptions(current));
      return { ...progress, ...decision.patch };
    });
    this.settledByHand(id);
    this.emit(job.status === 'retrying' ? 'retrying' : 'failed', job);
    return job;
  }

  async skip(id: string, outcome: { note?: string | null } = {}): Promise<Job> {
    const note = checkNote(outcome.note);
    const progress = await this.takeManualProgress(id);
    const job = await this.change(id, 'skip', (current) => {
      this.assertCan(current, 'skipped');
      const at = new Date(this.clock.now());
      return {
        ...progress,
        ...this.skippedPatch(at),
        ...(note !== undefined ? { note } : {}),
      };
    });
    this.settledByHand(id);
    this.emit('skipped', job);
    return job;
  }

  /** Cancels a queued, retrying or running job; a running handler's `ctx.signal` aborts. */
  async cancel(id: string, scope?: JobScope): Promise<Job> {
    const job = await this.change(
      id,
      'cancel',
      (current) => {
        this.assertCan(current, 'cancelled');
        const at = new Date(this.clock.now());
        return { status: 'cancelled', lease: null, finishedAt: at, updatedAt: at };
      },
      scope,
      DECIDE_WITHOUT_DATA,
    );
    this.manualWriters.get(id)?.abandon();
    this.manualWriters.delete(id);
    this.settledByHand(id);
    this.abortLocal(id, 'cancelled');
    this.emit('cancelled', job);
    return job;
  }

  /**
   * Queues a failed or cancelled job again with a fresh set of attempts: as many as its last run
   * was given. Attempts keep their numbers (the next one is the job's attempt
   * + 1), and the retry is recorded in `job.history`, so no earlier attempt's record is rewritten.
   *
   * @throws {JobValidationError} (`invalid_input`, field `key`) when the job has a key and another
   *   unfinished job of its type, tenant and owner holds that key now (the message names that job).
   */
  async retry(id: string, scope?: JobScope): Promise<Job> {
    const job = await this.change(
      id,
      'retry',
      (current) => {
        this.assertCan(current, 'queued', 'Only failed or cancelled jobs can be retried.');
        const at = new Date(this.clock.now());
        return {
          status: 'queued',
          maxAttempts: current.attempt + runBudget(current),
          runAt: at,
          lease: null,
          ...freshAttemptFields(),
          result: null,
          error: null,
          errors: appendBounded(current.errors, current.error, this.maxErrors),
          history: this.retriedHistory(current, at),
          startedAt: null,
          finishedAt: null,
          updatedAt: at,
        };
      },
      scope,
      DECIDE_WITHOUT_DATA,
    );
    return job;
  }

  // ---- reads -----------------------------------------------------------------------------------

  /**
   * The job, or null when it does not exist or lies outside `scope` (decided in the store's
   * query: an out-of-scope job is never read). `read` leaves large fields out or caps them (see
   * `FieldReads`; such fields are `undefined` and listed in `job.unread`).
   *
   * @throws {JobValidationError} for a bad scope or `read`.
   */
  async get(id: string, scope?: JobScope, read?: FieldReads): Promise<Job | null> {
    const checkedScope = scope === undefined ? undefined : checkReadScope(scope);
    checkedRead(read);
    if (!isUuid(id)) return null;
    const options = readOptions(checkedScope, read);
    const job = await (options ? this.store.get(id, options) : this.store.get(id));
    // A store that predates read options ignores the scope: never answer what it should not.
    return job && inScope(job, checkedScope) ? job : null;
  }

  /** Newest first, paged by cursor. `read`: as for `get`. */
  async list(filter: ListFilter = {}): Promise<JobPage> {
    const limit = checkPageSize(filter.limit);
    const cursor = checkCursor(filter.cursor);
    const read = checkedRead(filter.read);
    const storeFilter = toStoreFilter(filter);
    if (!storeFilter) return { jobs: [], nextCursor: null };
    return this.store.query({ ...storeFilter, limit, ...(cursor ? { cursor } : {}), ...(read ? { read } : {}) });
  }

  /**
   * Running, queued and retrying jobs, plus those that finished within `withinMs` (default 5 min).
   * `read`: as for `get`.
   */
  async active(
    options: { withinMs?: number; scope?: JobScope; type?: string | string[]; limit?: number; read?: FieldReads } = {},
  ): Promise<Job[]> {
    const withinMs = integerOption(options.withinMs, 300_000, 'withinMs', 0, 31 * 86_400_000);
    const read = checkedRead(options.read);
    const storeFilter = toStoreFilter({ scope: options.scope, ...(options.type ? { type: options.type } : {}) });
    if (!storeFilter) return [];
    const limit = checkPageSize(options.limit ?? 200);
    const page = await this.store.query({
      ...storeFilter,
      activeSince: new Date(this.clock.now() - withinMs),
      limit,
      ...(read ? { read } : {}),
    });
    return page.jobs;
  }

  /** Counts by status, and by type and status. */
  async stats(filter: JobFilter = {}): Promise<JobStats> {
    const storeFilter = toStoreFilter(filter);
    const stats: JobStats = { ...emptyCounts(), byType: {} };
    if (!storeFilter) return stats;
    for (const row of await this.store.count(storeFilter)) {
      let perType = stats.byType[row.type];
      if (perType === undefined) {
        perType = emptyCounts();
        stats.byType[row.type] = perType;
      }
      perType.total += row.count;
      perType.byStatus[row.status] += row.count;
      stats.total += row.count;
      stats.byStatus[row.status] += row.count;
    }
    return stats;
  }

  /** A parent's children: counts by status and summed metrics. */
  async rollup(parentId: string, scope?: JobScope): Promise<JobRollup> {
    if (!isUuid(parentId)) throw new JobValidationError('parentId', 'must be a job id.');
    const storeFilter = toStoreFilter({ parentId, scope });
    if (!storeFilter) return { parentId, ...emptyCounts(), metrics: {}, finished: true };
    const [counts, metrics] = await Promise.all([this.store.count(storeFilter), this.store.sumMetrics(storeFilter)]);
    const totals = emptyCounts();
    for (const row of counts) {
      totals.total += row.count;
      totals.byStatus[row.status] += row.count;
    }
    const unfinished = totals.byStatus.queued + totals.byStatus.running + totals.byStatus.retrying;
    return { parentId, ...totals, metrics, finished: unfinished === 0 };
  }

  /** Adds to named metrics atomically; answers the job's metrics after the increment. */
  async incrementMetrics(id: string, deltas: Record<string, number>): Promise<Record<string, number>> {
    if (!isUuid(id)) throw new JobNotFoundError(String(id));
    if (!isPlainObject(deltas) || Object.getOwnPropertySymbols(deltas).length > 0) {
      throw new JobValidationError('deltas', 'must be a plain object of numbers with string names, e.g. { leadsProcessed: 5 }.');
    }
    for (const [name, delta] of Object.entries(deltas)) assertMetricIncrement(name, delta);
    const result = await this.store.incrementMetrics(id, deltas, new Date(this.clock.now()));
    if (result === null) throw new JobNotFoundError(id);
    // Unfenced increments are never stale; a store answering so anyway is treated as finished.
    if (result === 'finished' || result === 'stale') {
      const job = await this.store.get(id);
      throw new JobFinishedError(id, job?.status ?? 'finished', 'increment metrics of');
    }
    return result;
  }

  /** Deletes finished jobs older than the cut-off; answers how many. */
  async prune(options: PruneOptions): Promise<number> {
    const statuses = options.statuses ?? TERMINAL_STATUSES;
    const now = this.clock.now();
    const before: Partial<Record<TerminalStatus, Date>> = {};
    for (const status of statuses) {
      if (!isTerminal(status)) {
        throw new JobValidationError('statuses', `only finished jobs can be pruned; "${status}" is not a finished status.`);
      }
      const age =
        typeof options.olderThanMs === 'object' ? options.olderThanMs[status] : options.olderThanMs;
      if (age === undefined) continue;
      before[status] = new Date(now - parseDuration(age, `olderThanMs.${status}`));
    }
    let total = 0;
    const batch = 1000;
    for (;;) {
      const deleted = await this.store.prune({ before, limit: batch });
      total += deleted;
      if (deleted < batch) return total;
    }
  }

  /**
   * Takes back running jobs whose lease expired (their worker died or stalled): `retrying` while
   * attempts remain, else `failed` with code `lease_expired`. Compare-and-set on lease owner and
   * attempt, so a late completion by the original worker and this recovery never both win.
   * A job that cannot be recovered is reported (an `error` event naming it) and the others are
   * recovered all the same. Concurrent calls share one pass.
   */
  recoverExpired(): Promise<Job[]> {
    this.recovering ??= this.recoverPass().finally(() => {
      this.recovering = null;
    });
    return this.recovering;
  }

  private async recoverPass(): Promise<Job[]> {
    if (this.clockPending) await this.clockReady();
    const recovered: Job[] = [];
    const refused = new Set<string>();
    for (let round = 0; round < 50; round++) {
      const now = this.clock.now();
      const expired = await this.store.findExpired(new Date(now), RECOVERY_BATCH + refused.size);
      const fresh = expired.filter((job) => !refused.has(job.id));
      for (const job of fresh) {
        try {
          const done = await this.recoverOne(job, now);
          if (done) recovered.push(done);
        } catch (error) {
          refused.add(job.id);
          this.emitError(error, { operation: 'recover', jobId: job.id, type: job.type });
        }
      }
      if (fresh.length === 0 || expired.length < RECOVERY_BATCH + refused.size) break;
    }
    return recovered;
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
  async track<T, TPayload = unknown>(
    type: string,
    fn: (ctx: JobContext<TPayload>) => T | Promise<T>,
    options: TrackOptions<TPayload> = {},
  ): Promise<Awaited<T>> {
    assertJobType(type);
    if (typeof fn !== 'function') throw new JobValidationError('fn', 'track() needs the function to run.');
    const checked = validateCreateInput(options, ['safe', 'storeResult'], this.limits) as TrackOptions<TPayload>;
    const safe = checked.safe ?? true;
    const { safe: _safe, storeResult, ...createInput } = checked;
    if (this.clockPending) await this.clockReady();
    const now = this.clock.now();
    const draft = this.draft(type, { maxAttempts: 1, ...createInput }, 'running');
    draft.attempt = 1;
    draft.startedAt = new Date(now);
    draft.lease = { owner: this.id, expiresAt: new Date(now + this.leaseMs) };

    let job: Job = draft;
    let detached = false;
    try {
      job = await this.insert(draft, createInput.transaction);
      if (job.id !== draft.id) {
        throw new JobValidationError('key', `a job of type "${type}" with key "${draft.key}" in the same tenant and owner is already in progress (${job.id}).`);
      }
    } catch (error) {
      if (!safe || JobValidationError.isInstance(error)) throw error;
      this.emitError(error, { operation: 'create', jobId: draft.id, type });
      detached = true;
      job = draft;
    }
    if (!detached) this.emit('started', job);

    const controller = new LazyAbortController();
    const leaseExpiresAt = job.lease?.expiresAt.getTime() ?? now + this.leaseMs;
    if (!detached) this.inlineLeases.add(job.id, leaseExpiresAt);
    const result = await this.runAttempt<Awaited<T>>({
      job,
      owner: this.id,
      mode: 'inline',
      fn: fn as unknown as (ctx: JobContext) => Awaited<T>,
      controller,
      storeResult: storeResult ?? true,
      detached,
      leaseExpiresAt: () => this.inlineLeases.expiresAt(job.id) ?? leaseExpiresAt,
    }).finally(() => this.inlineLeases.delete(job.id));

    if (result.storeError !== undefined && !safe) {
      throw result.storeError instanceof StoreError || result.storeError instanceof Error
        ? result.storeError
        : new StoreError('Could not record the outcome of the tracked job.', { cause: result.storeError });
    }
    if (result.threw) throw result.error;
    return result.value as Awaited<T>;
  }

  /**
   * Stops background timers (lease renewal, recovery) and writes buffered progress. The store
   * stays open (it is yours). Jobs this tracker was renewing are recovered once their lease expires.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.recoverTimer !== null) this.clock.clearTimeout(this.recoverTimer);
    this.recoverTimer = null;
    this.inlineLeases.stop();
    await this.flush();
  }

  // ---- internals -------------------------------------------------------------------------------

  private draft(type: string, input: CreateJobInput, status: 'queued' | 'running'): Job {
    const now = this.clock.now();
    const typeOptions = this.types[type];
    const at = new Date(now);
    const runAt = input.runAt ?? new Date(now + (input.delayMs ?? 0));
    if (input.delayMs !== undefined && !(runAt.getTime() >= DATE_MIN && runAt.getTime() <= DATE_MAX)) {
      throw new JobValidationError('delayMs', `${input.delayMs} ms from now is past the year 9999, the latest time every store can hold.`);
    }
    return {
      id: uuidv7(now),
      type,
      key: input.key ?? null,
      parentId: input.parentId ?? null,
      tenantId: input.tenantId ?? null,
      ownerId: input.ownerId ?? null,
      status,
      attempt: 0,
      maxAttempts: input.maxAttempts ?? typeOptions?.maxAttempts ?? this.maxAttempts,
      priority: input.priority ?? 0,
      runAt,
      lease: null,
      progress: 0,
      stage: null,
      current: null,
      total: null,
      payload: input.payload === undefined ? null : input.payload,
      result: null,
      metadata: input.metadata ?? {},
      metrics: {},
      note: null,
      error: null,
      errors: [],
      history: [],
      createdAt: at,
      startedAt: null,
      finishedAt: null,
      updatedAt: at,
      trace: null,
    };
  }

  private async insert(job: Job, transaction: unknown): Promise<Job> {
    const scope = this.telemetry?.onCreate?.(job);
    if (scope?.trace) job.trace = scope.trace;
    try {
      const result = await this.store.insert(job, transaction === undefined ? undefined : { transaction });
      checkedInsertAnswer(job, result.job, result.created);
      const announce = () => {
        scope?.end({ job: result.job, created: result.created });
        if (result.created) this.emit('created', result.job);
      };
      if (result.committed) {
        // Inside the caller's transaction: the job exists only once it commits.
        result.committed.then(
          (committed) => {
            if (committed) announce();
          },
          (error: unknown) => this.emitError(error, { operation: 'create', jobId: job.id, type: job.type }),
        );
      } else {
        announce();
      }
      return result.job;
    } catch (error) {
      scope?.end({ job: null, created: false, error });
      throw error;
    }
  }

  /** Read, decide, compare-and-set; re-decides on a lost race a few times before giving up. */
  private async change(
    id: string,
    action: string,
    decide: (current: Job) => JobPatch,
    scope?: JobScope,
    read?: FieldReads,
  ): Promise<Job> {
    const checkedScope = scope === undefined ? undefined : checkReadScope(scope);
    if (!isUuid(id)) throw new JobNotFoundError(String(id));
    // Scope in the store's query: an out-of-scope job is never read, just like a missing one.
    const options = readOptions(checkedScope, read);
    for (let tries = 0; tries < 5; tries++) {
      const current = await (options ? this.store.get(id, options) : this.store.get(id));
      if (!current || !inScope(current, checkedScope)) throw new JobNotFoundError(id);
      const patch = decide(current);
      const expected: Expectation = {
        status: current.status,
        attempt: current.attempt,
        leaseOwner: current.lease?.owner ?? null,
      };
      const result = await this.store.transition(id, expected, patch);
      if (result.ok) return result.job;
      if (result.reason === 'not_found') throw new JobNotFoundError(id);
      if (result.reason === 'duplicate_key') throw keyHeldError(action, current, result.holder);
    }
    throw new JobConflictError(id, `${action} kept losing to concurrent changes; try again.`);
  }

  private assertCan(job: Job, to: JobStatus, hint?: string): void {
    if (!canTransition(job.status, to)) {
      throw new InvalidTransitionError(
        job.id,
        job.status,
        to,
        hint ?? (isTerminal(job.status) ? 'The job already finished.' : undefined),
      );
    }
  }

  private async takeManualProgress(id: string): Promise<Partial<JobPatch>> {
    const writer = this.manualWriters.get(id);
    if (!writer) return {};
    this.manualWriters.delete(id);
    return (await writer.finish()) ?? {};
  }

  /** A job driven by id was settled here: stop renewing its lease and forget it. */
  private settledByHand(id: string): void {
    this.inlineLeases.delete(id);
    this.manualTypes.delete(id);
  }

  /** The coalescing writer of a job driven through `tracker.progress(id)`. */
  private manualWriter(id: string): AttemptWriter {
    let writer = this.manualWriters.get(id);
    if (writer) return writer;
    const local = { id, type: this.manualTypes.get(id) ?? '', progress: 0, stage: null, current: null, total: null, metrics: {} } as unknown as Job;
    // Driven from another process: one read learns the type (and whether the job still runs);
    // events that arrive meanwhile wait for it, and only the latest of them is told.
    let lookup: 'none' | 'pending' | 'running' | 'not running' = local.type === '' ? 'none' : 'running';
    let waiting: ProgressEvent | null = null;
    const deps: AttemptWriterDeps = {
      ...this.baseWriterDeps,
      onProgress: (event) => {
        if (this.events.listenerCount('progress') === 0 || lookup === 'not running') return;
        if (lookup === 'running') {
          this.events.emit('progress', event);
          return;
        }
        waiting = event;
        if (lookup === 'pending') return;
        lookup = 'pending';
        this.store.get(id).then(
          (job) => {
            lookup = job?.status === 'running' ? 'running' : 'not running';
            if (lookup === 'running') local.type = job!.type;
            if (waiting && lookup === 'running') this.events.emit('progress', { ...waiting, type: local.type });
            waiting = null;
          },
          (error: unknown) => {
            lookup = 'none';
            this.emitError(error, { operation: 'progress', jobId: id });
          },
        );
      },
    };
    writer = new AttemptWriter(deps, local, null);
    this.manualWriters.set(id, writer);
    return writer;
  }

  private policyFor(type: string): { backoff: BackoffPolicy; classify: (error: unknown) => ErrorClassification } {
    let policy = this.policies.get(type);
    if (!policy) {
      const typeOptions = this.types[type];
      policy = {
        backoff: typeOptions?.backoff ? resolveBackoff(typeOptions.backoff) : this.backoff,
        classify: withClock(composeClassifier(typeOptions?.classify, this.classify), this.clock),
      };
      this.policies.set(type, policy);
    }
    return policy;
  }

  /** A worker's per-type overrides on top of the type's policy; resolved once per overrides object. */
  private runPolicyFor(type: string, overrides: JobTypeOptions): ReturnType<TrackerInternals['policyFor']> {
    let policy = this.runPolicies.get(overrides);
    if (!policy) {
      const base = this.policyFor(type);
      policy = {
        backoff: overrides.backoff ? resolveBackoff(overrides.backoff) : base.backoff,
        classify: overrides.classify ? withClock(composeClassifier(overrides.classify, this.classify), this.clock) : base.classify,
      };
      this.runPolicies.set(overrides, policy);
    }
    return policy;
  }

  /**
   * A classifier that throws (or answers nonsense) never costs the attempt's outcome: the
   * built-in rules decide instead, and the failure is reported as an `error` event.
   */
  private classifySafely(
    policy: ReturnType<TrackerInternals['policyFor']>,
    error: unknown,
    job: Pick<Job, 'id' | 'type'>,
  ): ErrorClassification {
    try {
      return policy.classify(error);
    } catch (classifierError) {
      this.emitError(classifierError, { operation: 'classify', jobId: job.id, type: job.type });
      try {
        return classifyError(error, { now: this.clock.now() });
      } catch {
        return { retryable: true, reason: 'unclassified' };
      }
    }
  }

  private failureOptions(job: Pick<Job, 'id' | 'type'>): FailureOptions {
    return {
      maxErrors: this.maxErrors,
      keepStacks: this.keepStacks,
      maxHistory: this.maxHistory,
      maxRetryAfterMs: this.maxRetryAfterMs,
      onPolicyError: (error) => this.emitError(error, { operation: 'backoff', jobId: job.id, type: job.type }),
    };
  }

  /** Shared by every attempt's writer; only an attempt with telemetry needs its own copy. */
  private writerDeps(telemetry: AttemptTelemetry | undefined): AttemptWriterDeps {
    return telemetry ? { ...this.baseWriterDeps, telemetry } : this.baseWriterDeps;
  }

  private async runAttempt<T>(run: AttemptRun<T>): Promise<AttemptResult<T>> {
    const { job, owner, controller } = run;
    const attemptScope = run.detached ? undefined : this.telemetry?.onAttempt?.(job, { mode: run.mode });
    const writerDeps = this.writerDeps(attemptScope);
    const writer = new AttemptWriter(
      run.detached ? { ...writerDeps, store: detachedStore } : writerDeps,
      job,
      owner,
      job.attempt,
      controller,
    );
    const state: AttemptState = { skipped: false };
    const ctx = createJobContext(job, writer, controller, state);
    this.localRuns.set(job.id, controller);
    run.resumeWrites = () => writer.resume();

    let value: T | undefined;
    let error: unknown;
    let threw = false;
    try {
      value = await (attemptScope ? attemptScope.run(() => run.fn(ctx)) : run.fn(ctx));
    } catch (caught) {
      threw = true;
      error = caught;
    } finally {
      if (this.localRuns.get(job.id) === controller) this.localRuns.delete(job.id);
      run.onHandlerDone?.();
    }

    const result: AttemptResult<T> = { outcome: 'unsettled', job: null, threw, error };
    if (!threw) result.value = value as T;
    if (run.detached) {
      writer.abandon();
      return result;
    }
    try {
      await this.settle(run, writer, state, result);
    } catch (storeError) {
      result.storeError = storeError;
      result.outcome = 'unsettled';
      writer.abandon();
      this.emitError(storeError, { operation: 'settle', jobId: job.id, type: job.type });
    }
    attemptScope?.end({
      status: statusOf(result, job),
      kind: result.outcome,
      job: result.job,
      ...(threw ? { error } : {}),
      ...(result.job?.status === 'retrying' ? { retryAt: result.job.runAt } : {}),
    });
    return result;
  }

  private async settle<T>(run: AttemptRun<T>, writer: AttemptWriter, state: AttemptState, result: AttemptResult<T>) {
    const { job, owner, controller } = run;
    const reason: unknown = controller.aborted ? controller.reason : undefined;
    const abortCause = JobAbortedError.isInstance(reason) ? reason.abortCause : undefined;
    if (abortCause === 'cancelled' || abortCause === 'lease_lost') {
      // The job is no longer this attempt's (cancelled, recovered, retried): nothing of it is written.
      writer.abandon();
      const current = await this.store.get(job.id);
      result.job = current;
      result.outcome = current?.status === 'cancelled' ? 'cancelled' : 'lost';
      if (result.outcome === 'lost') this.emitStale({ jobId: job.id, type: job.type, attempt: job.attempt, operation: 'outcome' });
      return;
    }
    const expected: Expectation = { status: 'running', leaseOwner: owner, attempt: job.attempt };
    const finished = writer.finish();
    const progress = finished instanceof Promise ? await finished : finished;
    const at = new Date(this.clock.now());
    let patch: JobPatch;
    let event: 'completed' | 'skipped' | 'retrying' | 'failed' | null;
    if (abortCause === 'shutdown') {
      patch = this.releasePatch(job, at);
      event = null;
    } else if (result.threw) {
      const policy = run.policy ? this.runPolicyFor(job.type, run.policy) : this.policyFor(job.type);
      const decision = decideFailure(job, result.error, this.classifySafely(policy, result.error, job), policy.backoff, at.getTime(), this.failureOptions(job));
      patch = { ...progress, ...decision.patch };
      event = decision.status;
    } else {
      const noteBefore = job.note;
      if (writer.note !== undefined) job.note = writer.note;
      const value = state.skipped || run.storeResult === false ? null : this.storableResult(result.value, job);
      patch = state.skipped ? this.skippedPatch(at) : this.completedPatch(job, value, at);
      if (progress) copyProgress(patch, progress);
      if (writer.note !== undefined || job.note !== noteBefore) patch.note = job.note;
      event = state.skipped ? 'skipped' : 'completed';
    }
    // Increments the store could not take before the outcome (an outage) go with it: the attempt's
    // own count is complete in its snapshot, and only this attempt writes the job's metrics.
    if (writer.hasUnwrittenMetrics && patch.metrics === undefined) patch.metrics = { ...job.metrics };
    // The attempt's own start: a claim the same worker had to make again (after a database crash
    // undid the first) stamped a later one.
    if (patch.status !== 'queued') patch.startedAt = job.startedAt;
    writer.abandon();
    let outcome = await this.writeAttemptOutcome(run, expected, patch);
    for (let tries = 0; tries < 3 && !outcome.ok && outcome.reason === 'conflict'; tries++) {
      const current = outcome.current;
      if (lostClaim(current, job)) {
        // A database crash undid our claim after the handler started: the outcome is still ours.
        outcome = await this.writeAttemptOutcome(run, claimUndone(job), { ...patch, attempt: job.attempt, startedAt: job.startedAt });
      } else if (current.status === 'running' && current.lease?.owner === owner && current.attempt === job.attempt) {
        // ...and this process claimed it again meanwhile (same attempt): this run stands for that claim.
        outcome = await this.writeAttemptOutcome(run, expected, patch);
      } else {
        break;
      }
    }
    if (!outcome.ok) {
      result.job = outcome.reason === 'conflict' ? outcome.current : null;
      result.outcome = result.job?.status === 'cancelled' ? 'cancelled' : 'lost';
      if (result.outcome === 'lost') this.emitStale({ jobId: job.id, type: job.type, attempt: job.attempt, operation: 'outcome' });
      return;
    }
    result.job = outcome.job;
    result.outcome = event ?? 'released';
    if (event) this.emit(event, outcome.job);
  }

  /** The outcome write: one `transition` on the common path, the retrying writer only when it fails. */
  private writeAttemptOutcome<T>(run: AttemptRun<T>, expected: Expectation, patch: JobPatch): Promise<TransitionResult> {
    const { job } = run;
    return this.store.transition(job.id, expected, patch).catch((firstError: unknown) =>
      writeOutcome(job.id, expected, patch, {
        store: this.store,
        clock: this.clock,
        leaseExpiresAt: run.leaseExpiresAt,
        onRetry: (error, what) => {
          if (what === 'retry') run.onStoreUnreachable?.();
          this.emitError(error, { operation: what === 'retry' ? 'settle:retry' : 'settle:degrade', jobId: job.id, type: job.type });
        },
        firstError,
      }),
    );
  }

  private async retake(job: Job, owner: string, leaseExpiresAt: Date): Promise<boolean> {
    const result = await this.store.transition(job.id, claimUndone(job), {
      status: 'running',
      attempt: job.attempt,
      lease: { owner, expiresAt: leaseExpiresAt },
      startedAt: job.startedAt,
      updatedAt: new Date(this.clock.now()),
    });
    return result.ok;
  }

  /** `job` is the attempt's own snapshot: the history entry records its progress and metrics. */
  private completedPatch(job: Job, result: unknown, at: Date): JobPatch {
    return {
      status: 'completed',
      progress: 1,
      result,
      error: null,
      errors: appendBounded(job.errors, job.error, this.maxErrors),
      lease: null,
      finishedAt: at,
      updatedAt: at,
    };
  }

  private skippedPatch(at: Date): JobPatch {
    return {
      status: 'skipped',
      lease: null,
      finishedAt: at,
      updatedAt: at,
    };
  }

  /**
   * The history of a job queued again by hand: its last attempt (until now the job's own fields)
   * becomes an entry, followed by the retry itself.
   */
  private retriedHistory(current: Job, at: Date): JobHistoryEntry[] {
    let history = current.history ?? [];
    if (current.startedAt !== null && current.attempt > 0) {
      const outcome = current.status === 'cancelled' ? 'cancelled' : current.error?.code === 'lease_expired' ? 'lease_expired' : 'failed';
      const entry = attemptEntry(current, outcome, current.finishedAt ?? at, current.error);
      history = appendHistory(history, entry, this.maxHistory);
    }
    return appendHistory(history, { kind: 'retry', at, afterAttempt: current.attempt }, this.maxHistory);
  }

  /** Back to the queue without counting the attempt: one more is allowed, and it gets a new number. */
  private releasePatch(job: Job, at: Date): JobPatch {
    return {
      status: 'queued',
      maxAttempts: job.maxAttempts + 1,
      lease: null,
      runAt: at,
      history: appendHistory(job.history, attemptEntry(job, 'released', at, null), this.maxHistory),
      ...freshAttemptFields(),
      updatedAt: at,
    };
  }

  /** Hands a running job this owner holds back to the queue (a worker's shutdown). */
  private async release(job: Job, owner: string): Promise<Job | null> {
    const at = new Date(this.clock.now());
    const result = await this.store.transition(job.id, { status: 'running', leaseOwner: owner, attempt: job.attempt }, this.releasePatch(job, at));
    return result.ok ? result.job : null;
  }

  /**
   * A result that cannot be stored (not JSON, or text no store holds) never keeps the job from
   * completing: it is dropped, the note says so, and an `error` event carries the reason.
   */
  private storableResult(value: unknown, job: Job): unknown {
    if (value === undefined) return null;
    try {
      assertJson(value, 'result', this.limits);
      return value;
    } catch (error) {
      this.emitError(error, { operation: 'complete', jobId: job.id, type: job.type });
      const reason = error instanceof Error ? error.message : String(error);
      job.note = withWarning(job.note, `jobtrail: the result was not stored (${storableText(reason.slice(0, 300))})`);
      return null;
    }
  }

  private async recoverOne(job: Job, now: number): Promise<Job | null> {
    const owner = job.lease?.owner ?? null;
    const at = new Date(now);
    const leaseError = toJobError(
      Object.assign(new Error(
        `The lease held by ${owner ?? 'an unknown worker'} expired at ${job.lease?.expiresAt.toISOString() ?? 'an unknown time'}; the worker likely crashed or stalled.`,
      ), { name: 'LeaseExpiredError', code: 'lease_expired' }),
      job.attempt,
      at,
      true,
      false,
    );
    const policy = this.policyFor(job.type);
    const decision = decideFailure(job, leaseError, { retryable: true, reason: 'lease_expired' }, policy.backoff, now, {
      ...this.failureOptions(job),
      keepStacks: false,
      errorRecord: leaseError,
      outcome: 'lease_expired',
    });
    const result = await writeOutcome(
      job.id,
      { status: 'running', leaseOwner: owner, attempt: job.attempt, leaseExpiresBefore: at },
      decision.patch,
      {
        store: this.store,
        clock: this.clock,
        // Recovery is retried by its next pass, not here.
        leaseExpiresAt: () => 0,
        onRetry: (error) => this.emitError(error, { operation: 'recover:degrade', jobId: job.id, type: job.type }),
      },
    );
    if (!result.ok) return null;
    this.abortLocal(job.id, 'lease_lost');
    this.emit('recovered', result.job);
    this.emit(decision.status, result.job);
    try {
      this.telemetry?.onRecovered?.(result.job);
    } catch (error) {
      this.emitError(error, { operation: 'telemetry', jobId: job.id });
    }
    return result.job;
  }

  private scheduleRecovery(delay: number): void {
    if (this.recoverIntervalMs === false || this.closed) return;
    // The timer holds the tracker weakly: a tracker nobody uses any more (made per request, never
    // closed) is collected, and its recovery stops with it, instead of living on in the timer.
    this.recoverTimer = scheduleWeakly(this.clock, this, delay);
  }

  /** One recovery pass, then the next one is scheduled. */
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: called through the weak timer in scheduleWeakly, which holds the tracker only weakly
  private recoveryTick(): void {
    this.recoverTimer = null;
    void this.recoverExpired()
      .catch((error: unknown) => this.emitError(error, { operation: 'recover' }))
      .finally(() => {
        if (this.recoverIntervalMs !== false) this.scheduleRecovery(this.recoverIntervalMs);
      });
  }

  private async onLeaseLost(jobId: string): Promise<void> {
    try {
      const current = await this.store.get(jobId);
      this.abortLocal(jobId, current?.status === 'cancelled' ? 'cancelled' : 'lease_lost');
    } catch (error) {
      this.abortLocal(jobId, 'lease_lost');
      this.emitError(error, { operation: 'heartbeat', jobId });
    }
  }

  private abortLocal(jobId: string, cause: JobAbortedError['cause_']): void {
    const controller = this.localRuns.get(jobId);
    if (controller && !controller.aborted) controller.abort(new JobAbortedError(jobId, cause));
  }

  private emit(
    event: 'created' | 'started' | 'retrying' | 'completed' | 'failed' | 'skipped' | 'cancelled' | 'recovered',
    job: Job,
  ): void {
    if (this.events.listenerCount(event) === 0) return;
    try {
      this.events.emit(event, job);
    } catch (error) {
      // A throwing listener must not turn a recorded outcome into a failure.
      this.emitError(error, { operation: `listener:${event}`, jobId: job.id, type: job.type });
    }
  }

  private emitStale(info: StaleWrite): void {
    if (this.events.listenerCount('stale') === 0) return;
    try {
      this.events.emit('stale', info);
    } catch (error) {
      this.emitError(error, { operation: 'listener:stale', jobId: info.jobId, type: info.type });
    }
  }

  private emitError(error: unknown, context: { operation: string; jobId?: string; type?: string }): void {
    if (this.events.listenerCount('error') === 0) return;
    try {
      this.events.emit('error', error, context);
    } catch {
      // An error listener that throws has nowhere left to report to.
    }
  }
}

/**
 * A recovery timer that holds its tracker weakly. A function of its own, outside the class: a
 * closure made inside a method shares that method's context, which keeps `this` alive.
 */
function scheduleWeakly(clock: Clock, tracker: JobTracker, delay: number): unknown {
  const ref = typeof WeakRef === 'function' ? new WeakRef(tracker) : strongRef(tracker);
  return clock.setTimeout(() => (ref.deref() as unknown as { recoveryTick(): void } | undefined)?.recoveryTick(), delay);
}

function strongRef<T>(value: T): { deref(): T } {
  return { deref: () => value };
}

/**
 * The store shows the job as it was before this attempt's claim (unleased, one attempt back): the
 * claim was undone by a database crash. Attempt numbers only grow, so no other change (a cancel,
 * a recovery, a manual retry) leaves a job in this shape.
 */
function lostClaim(current: Job, attempt: Job): boolean {
  return current.lease === null && (current.status === 'queued' || current.status === 'retrying') && current.attempt === attempt.attempt - 1;
}

/** The expectation that matches exactly the {@link lostClaim} shape, for a compare-and-set on it. */
function claimUndone(attempt: Job): Expectation {
  return { status: ['queued', 'retrying'], attempt: attempt.attempt - 1, leaseOwner: null };
}

/** A note must be text every store holds (or null to clear it); one longer than MAX_NOTE_LENGTH is cut. */
function checkNote(note: unknown): string | null | undefined {
  if (note === undefined || note === null) return note;
  if (typeof note !== 'string') throw new JobValidationError('note', 'must be a string or null.');
  assertStorableText(note, 'note');
  return cutText(note, MAX_NOTE_LENGTH);
}

/** Copies buffered progress into a terminal patch; a completion's progress of 1 wins. */
function copyProgress(patch: JobPatch, progress: Omit<ProgressPatch, 'updatedAt'>): void {
  if (progress.progress !== undefined && patch.progress === undefined) patch.progress = progress.progress;
  if (progress.stage !== undefined) patch.stage = progress.stage;
  if (progress.current !== undefined) patch.current = progress.current;
  if (progress.total !== undefined) patch.total = progress.total;
}

/** Retry-After dates are measured against the tracker's clock, not the wall clock. */
function withClock(classify: ComposedClassifier, clock: Clock): (error: unknown) => ErrorClassification {
  return (error) => classify(error, { now: clock.now() });
}

function statusOf(result: AttemptResult<unknown>, job: Job): JobStatus {
  if (result.job) return result.job.status;
  if (result.outcome === 'released') return 'queued';
  return result.threw ? 'failed' : job.status;
}

function emptyCounts(): StatusCounts {
  const byStatus = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
  return { total: 0, byStatus };
}

/** Stands in for the store when a tracked job could not be recorded. */
const detachedStore = {
  updateProgress: async () => false,
  incrementMetrics: async () => null,
} as unknown as JobStore;
