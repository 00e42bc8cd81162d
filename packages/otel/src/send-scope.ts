import type { CreateTelemetry, Job } from '@jobtrail/core';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { asException, errorTypeOf, messageOf } from './error-type.js';
import type { JobMetrics } from './job-metrics.js';
import { ATTR_ERROR_TYPE, ATTR_JOBTRAIL_JOB_DEDUPLICATED, ATTR_MESSAGING_MESSAGE_ID } from './semconv.js';

/** The PRODUCER `send {type}` span of one enqueue, ended when the insert finished. */
export class SendScope implements CreateTelemetry {
  constructor(
    private readonly span: Span,
    private readonly draft: Readonly<Job>,
    private readonly metrics: JobMetrics,
    readonly trace: string | null,
  ) {}

  end(outcome: { job: Readonly<Job> | null; created: boolean; error?: unknown }): void {
    try {
      const { span } = this;
      if (outcome.error !== undefined) {
        const errorType = errorTypeOf(outcome.error);
        span.setAttribute(ATTR_ERROR_TYPE, errorType);
        span.recordException(asException(outcome.error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(outcome.error) });
        this.metrics.sent(this.draft.type, errorType);
      } else if (outcome.created) {
        this.metrics.sent(this.draft.type);
      } else if (outcome.job) {
        // A dedupe hit: the job with the same key is the message; its own send span made it.
        span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, outcome.job.id);
        span.setAttribute(ATTR_JOBTRAIL_JOB_DEDUPLICATED, true);
      }
      span.end();
    } catch {
      // Telemetry must never break an enqueue.
    }
  }
}
