import { JobAbortedError } from '../errors/job-aborted-error.js';
import { JobConflictError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import type { JobStatus } from '../model/job-status.js';
import type { Expectation, JobPatch, JobStore, ProgressPatch, StoreLimits, TransitionResult } from '../store/job-store.js';
import type { AttemptTelemetry, JobTelemetry } from '../telemetry/telemetry-port.js';
import type { Clock } from '../util/clock.js';
import type { LazyAbortController } from '../util/lazy-abort-controller.js';
import type { AttemptOutcomeKind } from './attempt-outcome-kind.js';
import { AttemptWriter, type AttemptWriterDeps } from './attempt-writer.js';
import { createJobContext, type AttemptState, type JobContext } from './job-context.js';
import {
  claimUndone,
  completeTransition,
  failTransition,
  lateOutcomeTransition,
  lostClaim,
  releaseTransition,
  retakeTransition,
  runningAttempt,
  skipTransition,
} from './lifecycle-transitions.js';
import { withWarning, writeOutcome } from './outcome-writer.js';
import type { TrackerEmitter } from './tracker-emitter.js';
import type { TrackerErrorContext } from './tracker-events.js';
import type { TrackerSettings } from './tracker-settings.js';
import type { RetryPolicy, TypePolicies } from './type-policies.js';
import { assertJson, storableText } from './validate-input.js';

/** One attempt to run: the job as claimed (or created by `track`), and how to run it. */
export interface AttemptRun<T> {
  job: Job;
  owner: string;
  mode: 'queue' | 'inline';
  fn: (ctx: JobContext) => T | Promise<T>;
  controller: LazyAbortController;
  storeResult?: boolean;
  /** The retry policy when it is not the type's own (a worker's handler overrides), resolved once. */
  policy?: RetryPolicy | undefined;
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

export interface AttemptResult<T> {
  outcome: AttemptOutcomeKind;
  job: Job | null;
  threw: boolean;
  value?: T;
  error?: unknown;
  /** A store failure while settling (the lease will expire and recovery takes over). */
  storeError?: unknown;
}

export interface AttemptRunnerDeps {
  store: JobStore;
  clock: Clock;
  limits: StoreLimits;
  settings: TrackerSettings;
  policies: TypePolicies;
  emitter: TrackerEmitter;
  /** The tracker's telemetry as it is now (it can be added and removed while attempts run). */
  telemetry: { current: JobTelemetry | null };
}

type SettledEvent = 'completed' | 'skipped' | 'retrying' | 'failed';

/**
 * Runs attempts and settles them: hands the handler its context, writes its outcome (retried
 * while the lease lasts, see `writeOutcome`), and keeps the one registry of attempts running in
 * this process, through which cancels, lost leases and shutdowns abort them. The tracker's
 * `track()` and every worker run attempts here; neither writes an outcome itself.
 */
export class AttemptRunner {
  readonly clock: Clock;
  /** Shared by every attempt's writer; only an attempt with telemetry needs its own copy. */
  readonly writerDeps: AttemptWriterDeps;
  readonly policies: TypePolicies;
  private readonly running = new Map<string, LazyAbortController>();

  constructor(private readonly deps: AttemptRunnerDeps) {
    this.clock = deps.clock;
    this.policies = deps.policies;
    const { emitter } = deps;
    this.writerDeps = {
      store: deps.store,
      clock: deps.clock,
      intervalMs: deps.settings.progressIntervalMs,
      onProgress: (event) => emitter.progress(event),
      onError: (error, operation) => emitter.error(error, { operation }),
      onStale: (jobId, type, attempt, operation) => emitter.stale({ jobId, type, attempt, operation }),
      telemetry: undefined,
    };
  }

  /** Runs the attempt's function, then writes its outcome; never throws (store failures are in the result). */
  async run<T>(run: AttemptRun<T>): Promise<AttemptResult<T>> {
    const { job, owner, controller } = run;
    const attemptScope = run.detached ? undefined : this.deps.telemetry.current?.onAttempt?.(job, { mode: run.mode });
    const writerDeps = this.depsFor(attemptScope);
    const writer = new AttemptWriter(run.detached ? { ...writerDeps, store: detachedStore } : writerDeps, job, owner, job.attempt, controller);
    const state: AttemptState = { skipped: false };
    const ctx = createJobContext(job, writer, controller, state);
    this.running.set(job.id, controller);
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
      if (this.running.get(job.id) === controller) this.running.delete(job.id);
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
      this.deps.emitter.error(storeError, { operation: 'settle', jobId: job.id, type: job.type });
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

  /** Reports a failure that reached no caller, as the tracker's `error` event. */
  readonly report = (error: unknown, context: TrackerErrorContext): void => {
    this.deps.emitter.error(error, context);
  };

  /** Aborts the handler of a job running in this process, if any. */
  abort(jobId: string, cause: JobAbortedError['cause_']): void {
    const controller = this.running.get(jobId);
    if (controller && !controller.aborted) controller.abort(new JobAbortedError(jobId, cause));
  }

  /**
   * The lease of a job running here was lost: its handler is aborted, as cancelled when the job
   * was cancelled meanwhile, else as lease lost (recovered or retried elsewhere).
   */
  async leaseLost(jobId: string, report: (error: unknown, context: TrackerErrorContext) => void = this.report): Promise<void> {
    try {
      const current = await this.deps.store.get(jobId);
      this.abort(jobId, current?.status === 'cancelled' ? 'cancelled' : 'lease_lost');
    } catch (error) {
      this.abort(jobId, 'lease_lost');
      report(error, { operation: 'heartbeat', jobId });
    }
  }

  /** Hands a running job this owner holds back to the queue without counting the attempt (shutdown). */
  async release(job: Job, owner: string): Promise<Job | null> {
    const at = new Date(this.clock.now());
    const result = await this.deps.store.transition(job.id, runningAttempt(job, owner), releaseTransition(job, at, this.deps.settings.maxHistory));
    return result.ok ? result.job : null;
  }

  /**
   * Takes a job back whose claim the store lost (a database crash undid it) while its handler
   * still runs here; answers whether it did.
   */
  async retake(job: Job, owner: string, leaseExpiresAt: Date): Promise<boolean> {
    const patch = retakeTransition(job, owner, leaseExpiresAt, this.clock.now());
    const result = await this.deps.store.transition(job.id, claimUndone(job), patch);
    return result.ok;
  }

  private depsFor(telemetry: AttemptTelemetry | undefined): AttemptWriterDeps {
    return telemetry ? { ...this.writerDeps, telemetry } : this.writerDeps;
  }

  private async settle<T>(run: AttemptRun<T>, writer: AttemptWriter, state: AttemptState, result: AttemptResult<T>) {
    const { job, owner, controller } = run;
    const { emitter } = this.deps;
    const reason: unknown = controller.aborted ? controller.reason : undefined;
    const abortCause = JobAbortedError.isInstance(reason) ? reason.abortCause : undefined;
    if (abortCause === 'cancelled' || abortCause === 'lease_lost') {
      // The job is no longer this attempt's (cancelled, recovered, retried): nothing of it is written.
      writer.abandon();
      const current = await this.deps.store.get(job.id);
      result.job = current;
      result.outcome = current?.status === 'cancelled' ? 'cancelled' : 'lost';
      if (result.outcome === 'lost') emitter.stale({ jobId: job.id, type: job.type, attempt: job.attempt, operation: 'outcome' });
      return;
    }
    const expected = runningAttempt(job, owner);
    const finished = writer.finish();
    const progress = finished instanceof Promise ? await finished : finished;
    const { patch, event } = this.outcomePatch(run, writer, state, result, abortCause, progress);
    // Increments the store could not take before the outcome (an outage) go with it: the attempt's
    // own count is complete in its snapshot, and only this attempt writes the job's metrics.
    if (writer.hasUnwrittenMetrics && patch.metrics === undefined) patch.metrics = { ...job.metrics };
    // The attempt's own start: a claim the same worker had to make again (after a database crash
    // undid the first) stamped a later one.
    if (patch.status !== 'queued') patch.startedAt = job.startedAt;
    writer.abandon();
    let outcome = await this.writeOutcome(run, expected, patch);
    for (let tries = 0; tries < 3 && !outcome.ok && outcome.reason === 'conflict'; tries++) {
      const current = outcome.current;
      if (lostClaim(current, job)) {
        // A database crash undid our claim after the handler started: the outcome is still ours.
        outcome = await this.writeOutcome(run, claimUndone(job), { ...patch, attempt: job.attempt, startedAt: job.startedAt });
      } else if (current.status === 'running' && current.lease?.owner === owner && current.attempt === job.attempt) {
        // ...and this process claimed it again meanwhile (same attempt): this run stands for that claim.
        outcome = await this.writeOutcome(run, expected, patch);
      } else {
        break;
      }
    }
    if (!outcome.ok) {
      result.job = outcome.reason === 'conflict' ? outcome.current : null;
      result.outcome = result.job?.status === 'cancelled' ? 'cancelled' : 'lost';
      if (result.outcome === 'lost') emitter.stale({ jobId: job.id, type: job.type, attempt: job.attempt, operation: 'outcome' });
      // Cancelled while this attempt's outcome was being written: the handler had finished, so
      // what it did is kept on the cancelled record rather than lost (or reported when it cannot be).
      if (event !== null && result.job !== null && cancelledDuring(result.job, job)) {
        result.job = (await this.keepLateOutcome(job, patch, event)) ?? result.job;
      }
      return;
    }
    result.job = outcome.job;
    result.outcome = event ?? 'released';
    if (event) emitter.job(event, outcome.job);
  }

  /** What the attempt ended as, from the state machine's transitions out of `running`. */
  private outcomePatch<T>(
    run: AttemptRun<T>,
    writer: AttemptWriter,
    state: AttemptState,
    result: AttemptResult<T>,
    abortCause: string | undefined,
    progress: Omit<ProgressPatch, 'updatedAt'> | null | undefined,
  ): { patch: JobPatch; event: SettledEvent | null } {
    const { job } = run;
    const at = new Date(this.clock.now());
    if (abortCause === 'shutdown') return { patch: releaseTransition(job, at, this.deps.settings.maxHistory), event: null };
    if (result.threw) {
      const policy = run.policy ?? this.policies.forType(job.type);
      const classification = this.policies.classify(policy, result.error, job);
      const decision = failTransition(job, result.error, classification, policy.backoff, at.getTime(), this.policies.failureOptions(job));
      return { patch: { ...progress, ...decision.patch }, event: decision.status };
    }
    const noteBefore = job.note;
    if (writer.note !== undefined) job.note = writer.note;
    const value = state.skipped || run.storeResult === false ? null : this.storableResult(result.value, job);
    const patch = state.skipped ? skipTransition(job, at) : completeTransition(job, value, at, this.deps.settings.maxErrors);
    if (progress) copyProgress(patch, progress);
    if (writer.note !== undefined || job.note !== noteBefore) patch.note = job.note;
    return { patch, event: state.skipped ? 'skipped' : 'completed' };
  }

  /**
   * Records on a job cancelled while this attempt's outcome was being written what the attempt
   * ended as (see `lateOutcomeTransition`). Best effort: the cancel stands either way, and a
   * failure is reported. Answers the job as written, or null when it was not.
   */
  private async keepLateOutcome(job: Job, outcome: JobPatch, event: SettledEvent): Promise<Job | null> {
    const { store, emitter, settings } = this.deps;
    const ended = event === 'retrying' ? 'failed' : event;
    try {
      // Decided on the job as it is now, not as the failed write saw it: a retry (and a second
      // cancel) in between must never be written over.
      const current = await store.get(job.id);
      if (current !== null && lateOutcomeFits(current, job)) {
        const patch = lateOutcomeTransition(current, job, ended, outcome, new Date(this.clock.now()), settings.maxHistory);
        const written = await store.transition(job.id, { status: 'cancelled', attempt: job.attempt, leaseOwner: null }, patch);
        if (written.ok) return written.job;
      }
      const lost = new JobConflictError(
        job.id,
        `attempt ${job.attempt} ${ended} after the job was cancelled, but the job changed (it was retried) before that could be recorded; its history shows the attempt as cancelled.`,
      );
      emitter.error(lost, { operation: 'settle:late', jobId: job.id, type: job.type });
      return current;
    } catch (error) {
      emitter.error(error, { operation: 'settle:late', jobId: job.id, type: job.type });
      return null;
    }
  }

  /** The outcome write: one `transition` on the common path, the retrying writer only when it fails. */
  private writeOutcome<T>(run: AttemptRun<T>, expected: Expectation, patch: JobPatch): Promise<TransitionResult> {
    const { job } = run;
    const { store, emitter } = this.deps;
    return store.transition(job.id, expected, patch).catch((firstError: unknown) =>
      writeOutcome(job.id, expected, patch, {
        store,
        clock: this.clock,
        leaseExpiresAt: run.leaseExpiresAt,
        onRetry: (error, what) => {
          if (what === 'retry') run.onStoreUnreachable?.();
          emitter.error(error, { operation: what === 'retry' ? 'settle:retry' : 'settle:degrade', jobId: job.id, type: job.type });
        },
        firstError,
      }),
    );
  }

  /**
   * A result that cannot be stored (not JSON, or text no store holds) never keeps the job from
   * completing: it is dropped, the note says so, and an `error` event carries the reason.
   */
  private storableResult(value: unknown, job: Job): unknown {
    if (value === undefined) return null;
    try {
      assertJson(value, 'result', this.deps.limits);
      return value;
    } catch (error) {
      this.deps.emitter.error(error, { operation: 'complete', jobId: job.id, type: job.type });
      const reason = error instanceof Error ? error.message : String(error);
      job.note = withWarning(job.note, `jobtrail: the result was not stored (${storableText(reason.slice(0, 300))})`);
      return null;
    }
  }
}

/** Copies buffered progress into a terminal patch; a completion's progress of 1 wins. */
function copyProgress(patch: JobPatch, progress: Omit<ProgressPatch, 'updatedAt'>): void {
  if (progress.progress !== undefined && patch.progress === undefined) patch.progress = progress.progress;
  if (progress.stage !== undefined) patch.stage = progress.stage;
  if (progress.current !== undefined) patch.current = progress.current;
  if (progress.total !== undefined) patch.total = progress.total;
}

/** The job was cancelled during this attempt: it still is, or a retry since recorded the attempt as cancelled. */
function cancelledDuring(current: Job, attempt: Job): boolean {
  if (current.status === 'cancelled' && current.attempt === attempt.attempt) return true;
  return (current.history ?? []).some((entry) => entry.kind === 'attempt' && entry.attempt === attempt.attempt && entry.outcome === 'cancelled');
}

/** The cancelled record is still the one this attempt's cancel left: nothing recorded the attempt since. */
function lateOutcomeFits(current: Job, attempt: Job): boolean {
  if (current.status !== 'cancelled' || current.attempt !== attempt.attempt) return false;
  return !(current.history ?? []).some(
    (entry) => (entry.kind === 'attempt' && entry.attempt === attempt.attempt) || (entry.kind === 'retry' && entry.afterAttempt >= attempt.attempt),
  );
}

function statusOf(result: AttemptResult<unknown>, job: Job): JobStatus {
  if (result.job) return result.job.status;
  if (result.outcome === 'released') return 'queued';
  return result.threw ? 'failed' : job.status;
}

/** Stands in for the store when a tracked job could not be recorded. */
const detachedStore = {
  updateProgress: async () => false,
  incrementMetrics: async () => null,
} as unknown as JobStore;
