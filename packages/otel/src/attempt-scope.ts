import { isTerminal, type AttemptOutcome, type AttemptTelemetry } from '@jobtrail/core';
import { context, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import { asException, errorTypeOf, messageOf } from './error-type.js';
import type { JobMetrics } from './job-metrics.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_JOBTRAIL_JOB_RETRY_AT,
  ATTR_JOBTRAIL_JOB_STATUS,
  EVENT_JOBTRAIL_JOB_PROGRESS,
} from './semconv.js';

interface ProgressUpdate {
  progress: number;
  stage: string | null;
}

/** Outcomes after which this attempt, not someone else, decided the job's final status. */
const SETTLED_HERE = new Set(['completed', 'skipped', 'failed', 'cancelled']);

/** How an attempt that did not end with a thrown error can still have failed. */
const SILENT_FAILURES: Record<string, { type: string; message: string }> = {
  lost: {
    type: 'job_lease_lost',
    message: 'The attempt lost its lease: another worker recovered the job, so this outcome was discarded.',
  },
  unsettled: {
    type: 'store_error',
    message: 'The outcome could not be recorded in the store; lease recovery will settle the job.',
  },
};

/**
 * One attempt's `process {type}` span: the handler runs in its context, progress becomes
 * throttled span events, and the outcome sets status, `error.type` and the metrics.
 */
export class AttemptScope implements AttemptTelemetry {
  private readonly startedAt = performance.now();
  private lastEventAt = Number.NEGATIVE_INFINITY;
  /** The latest throttled update, not yet an event. */
  private pending: (ProgressUpdate & { at: number }) | null = null;
  private ended = false;

  constructor(
    private readonly span: Span,
    /** Null when there is nothing to propagate (no SDK and no incoming trace). */
    private readonly runContext: Context | null,
    private readonly type: string,
    private readonly metrics: JobMetrics,
    private readonly progressIntervalMs: number,
  ) {
    metrics.attemptStarted(type);
  }

  run<T>(fn: () => T): T {
    return this.runContext ? context.with(this.runContext, fn) : fn();
  }

  progress(update: ProgressUpdate): void {
    if (this.ended || !this.span.isRecording()) return;
    const now = Date.now();
    if (now - this.lastEventAt >= this.progressIntervalMs) {
      this.lastEventAt = now;
      this.pending = null;
      this.addProgressEvent(update, now);
    } else {
      // Latest wins: the attempt's end records it if no later event does.
      this.pending = { progress: update.progress, stage: update.stage, at: now };
    }
  }

  end(outcome: AttemptOutcome): void {
    if (this.ended) return;
    this.ended = true;
    const kind = outcome.kind ?? outcome.status;
    let errorType: string | undefined;
    try {
      const { span } = this;
      if (this.pending) this.addProgressEvent(this.pending, this.pending.at);
      this.pending = null;
      errorType = this.recordFailure(outcome, kind);
      span.setAttribute(ATTR_JOBTRAIL_JOB_STATUS, outcome.status);
      if (outcome.status === 'retrying' && outcome.retryAt) {
        span.setAttribute(ATTR_JOBTRAIL_JOB_RETRY_AT, outcome.retryAt.toISOString());
      }
      span.end();
    } catch {
      // Telemetry must never change a job's outcome.
    }
    // Outside the try: the running count must come down whatever the span did.
    const finished = SETTLED_HERE.has(kind) && isTerminal(outcome.status);
    this.metrics.attemptEnded(this.type, (performance.now() - this.startedAt) / 1000, outcome.status, errorType, finished);
  }

  /** Sets the span's error status and answers the `error.type`, or undefined for a success. */
  private recordFailure(outcome: AttemptOutcome, kind: string): string | undefined {
    const { span } = this;
    // Cancelled and handed back on shutdown are decisions, not failures; the abort error the
    // handler may have thrown on the way out is not worth an exception event.
    if (kind === 'cancelled' || kind === 'released') return undefined;
    const silent = SILENT_FAILURES[kind];
    if (outcome.error === undefined && !silent) return undefined;
    // A lost lease explains the outcome better than whatever the aborted handler threw.
    const useSilent = silent !== undefined && (kind === 'lost' || outcome.error === undefined);
    const errorType = useSilent ? silent.type : errorTypeOf(outcome.error);
    span.setAttribute(ATTR_ERROR_TYPE, errorType);
    if (outcome.error !== undefined) span.recordException(asException(outcome.error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: useSilent ? silent.message : messageOf(outcome.error) });
    return errorType;
  }

  private addProgressEvent(update: ProgressUpdate, at: number): void {
    const attributes: Record<string, number | string> = { 'jobtrail.job.progress': update.progress };
    if (update.stage !== null) attributes['jobtrail.job.stage'] = update.stage;
    this.span.addEvent(EVENT_JOBTRAIL_JOB_PROGRESS, attributes, at);
  }
}
