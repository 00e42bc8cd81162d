import type { AttemptTelemetry, CreateTelemetry, Job, JobTelemetry } from '@jobtrail/core';
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { AttemptScope } from './attempt-scope.js';
import { JobMetrics } from './job-metrics.js';
import { extractJobTrace, injectJobTrace } from './job-propagation.js';
import { resolveOptions, type JobtrailOtelOptions, type ResolvedOptions } from './options.js';
import { ATTR_JOBTRAIL_JOB_GROUP, ATTR_JOBTRAIL_JOB_SCHEDULED_FOR, ATTR_JOBTRAIL_SCHEDULE_NAME, INSTRUMENTATION_SCOPE, MESSAGING_SYSTEM } from './semconv.js';
import { SendScope } from './send-scope.js';

// Attribute objects are written as literals with the semconv.ts names spelled out: V8 builds a
// literal from a template, while computed keys or spreads cost a slow path on every job.

/** Nothing to end for an inline job's creation: its span is the attempt's. */
const NOOP_END = (): void => undefined;

/**
 * Core's telemetry port, implemented with OpenTelemetry: pass it to
 * `createTracker({ telemetry: jobtrailTelemetry() })`, or use `instrument(tracker)`.
 * Everything is a no-op until the application registers an SDK.
 */
export function jobtrailTelemetry(options?: JobtrailOtelOptions): JobTelemetry {
  return new OtelJobTelemetry(resolveOptions(options));
}

class OtelJobTelemetry implements JobTelemetry {
  private readonly metrics: JobMetrics;
  private tracerSource: TracerProvider | null = null;
  private cachedTracer: Tracer | null = null;

  constructor(private readonly options: ResolvedOptions) {
    this.metrics = new JobMetrics(options.meterProvider);
  }

  onCreate(draft: Readonly<Job>): CreateTelemetry | undefined {
    try {
      if (draft.status !== 'queued') {
        // track(): the job starts running at once; the caller's context is its creation context.
        const stored = injectJobTrace(context.active());
        return stored ? { trace: stored, end: NOOP_END } : undefined;
      }
      const attributes: Record<string, string> = {
        'messaging.system': MESSAGING_SYSTEM,
        'messaging.operation.name': 'send',
        'messaging.operation.type': 'send',
        'messaging.destination.name': draft.type,
        'messaging.message.id': draft.id,
      };
      if (draft.scheduleName != null) attributes[ATTR_JOBTRAIL_SCHEDULE_NAME] = draft.scheduleName;
      if (draft.group != null) attributes[ATTR_JOBTRAIL_JOB_GROUP] = draft.group;
      if (draft.scheduledFor != null) attributes[ATTR_JOBTRAIL_JOB_SCHEDULED_FOR] = draft.scheduledFor.toISOString();
      const span = this.tracer().startSpan(`send ${draft.type}`, { kind: SpanKind.PRODUCER, attributes });
      // The caller's baggage travels with the job, under the send span's context.
      const stored = injectJobTrace(trace.setSpan(context.active(), span));
      // No SDK at all: nothing to record, nothing to propagate.
      if (stored === null && !isSpanContextValid(span.spanContext()) && this.metrics.isOff()) return undefined;
      return new SendScope(span, draft, this.metrics, stored);
    } catch {
      return undefined;
    }
  }

  onAttempt(job: Readonly<Job>, info: { mode: 'queue' | 'inline' }): AttemptTelemetry | undefined {
    try {
      const ambient = context.active();
      const attributes: Attributes = {
        'messaging.system': MESSAGING_SYSTEM,
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.destination.name': job.type,
        'messaging.message.id': job.id,
        'jobtrail.job.attempt': job.attempt,
        'jobtrail.job.max_attempts': job.maxAttempts,
      };
      if (job.group != null) attributes[ATTR_JOBTRAIL_JOB_GROUP] = job.group;
      const name = `process ${job.type}`;
      let span: Span;
      let base = ambient;
      if (info.mode === 'inline') {
        span = this.tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes }, ambient);
      } else {
        // The handler sees what the job carries (baggage...), whatever the poll loop's context held.
        base = extractJobTrace(trace.deleteSpan(ambient), job.trace);
        span = this.startWorkerSpan(name, base, SpanKind.CONSUMER, attributes);
        this.metrics.consumed(job.type, waitSeconds(job));
      }
      const propagates = isSpanContextValid(span.spanContext());
      // Baggage reaches the handler even when no tracer records anything.
      const carriesBaggage = info.mode === 'queue' && propagation.getBaggage(base) !== undefined;
      // No SDK at all and nothing carried: the tracker runs the job as if uninstrumented.
      if (!propagates && !carriesBaggage && this.metrics.isOff()) return undefined;
      const runContext = propagates ? trace.setSpan(base, span) : carriesBaggage ? trace.deleteSpan(base) : null;
      return new AttemptScope(span, runContext, job.type, this.metrics, this.options.progressEventIntervalMs);
    } catch {
      return undefined;
    }
  }

  /**
   * The worker that ran the attempt died, so its span never reached the exporter: a short
   * `recover {type}` span records what happened to that attempt, and a final failure counts.
   */
  onRecovered(job: Readonly<Job>): void {
    try {
      const created = extractJobTrace(ROOT_CONTEXT, job.trace);
      const span = this.startWorkerSpan(`recover ${job.type}`, created, SpanKind.INTERNAL, {
        'messaging.system': MESSAGING_SYSTEM,
        'messaging.operation.name': 'recover',
        'messaging.operation.type': 'settle',
        'messaging.destination.name': job.type,
        'messaging.message.id': job.id,
        'jobtrail.job.attempt': job.attempt,
        'jobtrail.job.max_attempts': job.maxAttempts,
        'jobtrail.job.status': job.status,
        'error.type': job.error?.code ?? 'lease_expired',
      });
      const message = job.error?.message ?? 'The lease of the running attempt expired.';
      span.recordException({ name: job.error?.name ?? 'LeaseExpiredError', message });
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      span.end();
      if (job.status === 'failed') this.metrics.finished(job.type, job.status);
    } catch {
      // Telemetry must never break recovery.
    }
  }

  /**
   * A worker-side span: under the `send` span (parent mode) or in a trace of its own linked to
   * it. `created` is the job's extracted creation context, whose span (if any) is the `send` span.
   */
  private startWorkerSpan(name: string, created: Context, kind: SpanKind, attributes: Attributes): Span {
    const found = trace.getSpanContext(created);
    const origin = found && isSpanContextValid(found) ? found : undefined;
    const tracer = this.tracer();
    if (this.options.parentMode === 'parent') {
      return tracer.startSpan(name, origin ? { kind, attributes } : { kind, attributes, root: true }, created);
    }
    // A new trace per attempt, whatever context the worker's poll loop happens to carry.
    const options = origin ? { kind, attributes, root: true, links: [{ context: origin }] } : { kind, attributes, root: true };
    return tracer.startSpan(name, options, created);
  }

  private tracer(): Tracer {
    // The global provider object changes when an SDK is (re)registered after trace.disable().
    const source = this.options.tracerProvider ?? trace.getTracerProvider();
    if (source !== this.tracerSource || !this.cachedTracer) {
      this.tracerSource = source;
      this.cachedTracer = source.getTracer(INSTRUMENTATION_SCOPE);
    }
    return this.cachedTracer;
  }
}

/** From when the job was due (created, delayed or retry time) to this attempt's start. */
function waitSeconds(job: Readonly<Job>): number {
  const started = job.startedAt ? job.startedAt.getTime() : Date.now();
  const due = job.runAt ? job.runAt.getTime() : job.createdAt.getTime();
  return Math.max(0, started - due) / 1000;
}
