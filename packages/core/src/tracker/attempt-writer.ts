import { InvalidProgressError, JobValidationError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import type { ProgressPatch, JobStore } from '../store/job-store.js';
import type { AttemptTelemetry } from '../telemetry/telemetry-port.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { ProgressEvent } from './tracker-events.js';
import { JobAbortedError } from '../errors/job-aborted-error.js';
import type { LazyAbortController } from '../util/lazy-abort-controller.js';
import { addOwn, getOwn, setOwn } from '../util/own-property.js';
import { assertMetricIncrement, assertStorableText, cutText } from './validate-input.js';

export interface ProgressDetails {
  stage?: string | null;
  current?: number | null;
  total?: number | null;
}

export interface AttemptWriterDeps {
  store: JobStore;
  clock: Clock;
  intervalMs: number;
  onProgress(event: ProgressEvent): void;
  onError(error: unknown, operation: string): void;
  /** A write the store dropped because the attempt is no longer the job's current one. */
  onStale?(jobId: string, type: string, attempt: number, operation: 'progress' | 'metrics'): void;
  telemetry?: AttemptTelemetry | undefined;
}

type ProgressFields = Omit<ProgressPatch, 'updatedAt'>;

/**
 * Buffers one running job's progress and metric increments so that a tight loop of
 * `ctx.progress` costs at most one store write per interval: the latest progress wins, metric
 * deltas add up, and nothing is lost when a write fails (it is merged back and written later).
 */
export class AttemptWriter {
  private pendingProgress: ProgressFields | null = null;
  private pendingMetrics: Record<string, number> | null = null;
  private timer: TimerHandle | null = null;
  private inflight: Promise<void> | null = null;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  /**
   * The store refused a write of this attempt (it does not see the attempt as the job's current
   * one): writes pause, keeping what is buffered. Either the attempt lost its job (the outcome
   * write will say so) or a database crash undid its claim and it takes the job back (`resume`).
   */
  private paused = false;
  /** Fields written with the terminal transition. */
  note: string | null | undefined;

  /**
   * @param owner the lease owner every write is fenced by (`null`: no owner check).
   * @param attempt the attempt every write is fenced by (`undefined`: none, for jobs driven by id).
   */
  constructor(
    private readonly deps: AttemptWriterDeps,
    private readonly job: Job,
    private readonly owner: string | null,
    private readonly attempt?: number,
    /** The attempt's abort controller: aborted as cancelled or lease-lost, the attempt is superseded. */
    private readonly controller?: LazyAbortController,
  ) {}

  /** Metric increments that could not be written yet (the store was unreachable, or refused them). */
  get hasUnwrittenMetrics(): boolean {
    return this.pendingMetrics !== null;
  }

  /** The attempt has its job back (its lost claim was retaken): buffered writes go on. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.schedule();
  }

  /** The attempt lost its job (known here): its writes are dropped, and reported once. */
  private superseded(operation: 'progress' | 'metrics' = 'progress'): boolean {
    const controller = this.controller;
    if (controller === undefined || !controller.aborted) return false;
    const reason: unknown = controller.reason;
    const cause = JobAbortedError.isInstance(reason) ? reason.abortCause : undefined;
    if (cause !== 'cancelled' && cause !== 'lease_lost') return false;
    this.abandon();
    if (this.attempt !== undefined) this.deps.onStale?.(this.job.id, this.job.type, this.attempt, operation);
    return true;
  }


  progress(fraction: unknown, details: ProgressDetails = {}): void {
    const value = clampProgress(fraction);
    // A finished or superseded attempt reports nothing more: its record is final (a late timer in
    // a handler, or a handler that ignores its AbortSignal after a cancel).
    if (this.closed || (this.controller?.aborted === true && this.superseded())) return;
    const fields: ProgressFields = { progress: value };
    const stage = details.stage;
    // The same stage again (a loop) was checked when it was first set.
    if (stage !== undefined) fields.stage = stage === this.job.stage ? stage : checkStage(stage);
    if (details.current !== undefined) fields.current = checkCount(details.current, 'current');
    if (details.total !== undefined) fields.total = checkCount(details.total, 'total');
    Object.assign(this.job, fields);
    this.pendingProgress = { ...this.pendingProgress, ...fields };
    this.deps.onProgress({
      jobId: this.job.id,
      type: this.job.type,
      progress: value,
      stage: this.job.stage,
      current: this.job.current,
      total: this.job.total,
    });
    this.deps.telemetry?.progress?.({ progress: value, stage: this.job.stage });
    this.schedule();
  }

  increment(name: unknown, increment: unknown = 1): void {
    assertMetricIncrement(name, increment);
    const by = increment as number;
    if (this.closed || (this.controller?.aborted === true && this.superseded('metrics'))) return;
    const total = (getOwn(this.job.metrics, name) ?? 0) + by;
    if (!Number.isFinite(total)) {
      throw new JobValidationError(`metrics.${name}`, `adding ${by} would make it ${total}, which no store can hold.`);
    }
    // The attempt's own count is always complete here: the outcome carries it if the store could
    // not take every increment (an outage, a paused writer).
    setOwn(this.job.metrics, name, total);
    this.pendingMetrics ??= {};
    addOwn(this.pendingMetrics, name, by);
    this.schedule();
  }

  /** Writes everything buffered now and waits for it. */
  async flush(): Promise<void> {
    this.cancelTimer();
    if (this.inflight) await this.inflight;
    if (this.pendingProgress || this.pendingMetrics) await this.write();
  }

  /**
   * Stops background writes, writes buffered metrics (they cannot be part of a transition) and
   * hands back the latest progress so the terminal transition writes it in the same statement.
   */
  finish(): ProgressFields | null | Promise<ProgressFields | null> {
    this.closed = true;
    this.cancelTimer();
    // Fast path for the common case (nothing in flight): no extra promise per job.
    if (!this.inflight && (!this.pendingMetrics || this.paused)) return this.takeProgress();
    return (async () => {
      if (this.inflight) await this.inflight;
      if (this.pendingMetrics && !this.paused) await this.writeMetrics();
      return this.takeProgress();
    })();
  }

  private takeProgress(): ProgressFields | null {
    const last = this.pendingProgress;
    this.pendingProgress = null;
    return last;
  }

  /** Drops buffered writes (the job is no longer ours). */
  abandon(): void {
    this.closed = true;
    this.cancelTimer();
    this.pendingProgress = null;
    this.pendingMetrics = null;
  }

  private schedule(): void {
    if (this.closed || this.paused || this.timer !== null || this.inflight) return;
    const wait = this.lastWriteAt + this.deps.intervalMs - this.deps.clock.now();
    if (wait <= 0) {
      void this.write();
    } else {
      this.timer = this.deps.clock.setTimeout(() => {
        this.timer = null;
        void this.write();
      }, wait);
    }
  }

  private write(): Promise<void> {
    this.lastWriteAt = this.deps.clock.now();
    const run = Promise.all([this.writeProgress(), this.writeMetrics()]).then(() => undefined);
    const tracked = run.finally(() => {
      if (this.inflight === tracked) this.inflight = null;
      if (this.pendingProgress || this.pendingMetrics) this.schedule();
    });
    this.inflight = tracked;
    return tracked;
  }

  private async writeProgress(): Promise<void> {
    const fields = this.pendingProgress;
    if (!fields) return;
    this.pendingProgress = null;
    try {
      const written = await this.deps.store.updateProgress(
        this.job.id,
        { ...fields, updatedAt: new Date(this.deps.clock.now()) },
        this.owner,
        this.attempt,
      );
      if (!written && this.attempt !== undefined) {
        this.pause();
        const newer = this.pendingProgress as ProgressFields | null;
        this.pendingProgress = newer ? { ...fields, ...newer } : fields;
      }
    } catch (error) {
      // Latest wins: only put the failed write back if nothing newer arrived meanwhile.
      const newer = this.pendingProgress as ProgressFields | null;
      this.pendingProgress = newer ? { ...fields, ...newer } : fields;
      this.deps.onError(error, 'progress');
    }
  }

  private async writeMetrics(): Promise<void> {
    const deltas = this.pendingMetrics;
    if (!deltas) return;
    this.pendingMetrics = null;
    try {
      const answer = await this.deps.store.incrementMetrics(
        this.job.id,
        deltas,
        new Date(this.deps.clock.now()),
        this.owner,
        this.attempt,
      );
      if ((answer === 'stale' || answer === 'finished') && this.attempt !== undefined) {
        this.pause();
        this.requeueMetrics(deltas);
      }
    } catch (error) {
      // A metric the store refuses to add to (its sum would overflow: another writer added to it)
      // would be refused forever: it is dropped, and the others are written next time.
      const refused = refusedMetric(error);
      if (refused !== null) delete deltas[refused];
      this.requeueMetrics(deltas);
      this.deps.onError(error, 'metrics');
    }
  }

  /** Puts increments the store did not take back in front of any newer ones. */
  private requeueMetrics(deltas: Record<string, number>): void {
    const merged: Record<string, number> = (this.pendingMetrics as Record<string, number> | null) ?? {};
    for (const [name, delta] of Object.entries(deltas)) addOwn(merged, name, delta);
    this.pendingMetrics = merged;
  }

  private pause(): void {
    this.paused = true;
    this.cancelTimer();
  }



  private cancelTimer(): void {
    if (this.timer !== null) {
      this.deps.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}

/** Clamps into 0..1; rejects what is not a finite number. */
export function clampProgress(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidProgressError(value);
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

function checkStage(stage: unknown): string | null {
  if (stage === null) return null;
  if (typeof stage !== 'string') throw new JobValidationError('stage', 'must be a string or null.');
  assertStorableText(stage, 'stage');
  return cutText(stage, 500);
}

function checkCount(value: unknown, field: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new JobValidationError(field, `must be a finite number >= 0 or null; got ${String(value)}.`);
  }
  return value;
}

/**
 * The metric named by a store's refusal of an increment (a `JobValidationError` from any copy of
 * core, field `deltas.<name>`), or null.
 */
function refusedMetric(error: unknown): string | null {
  if (!JobValidationError.isInstance(error)) return null;
  const { field } = error as { field: unknown };
  return typeof field === 'string' && field.startsWith('deltas.') ? field.slice('deltas.'.length) : null;
}
