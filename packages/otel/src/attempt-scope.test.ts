import { JobAbortedError } from '@jobtrail/core';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createOtelHarness, type OtelHarness } from '../test/otel-harness.js';
import { AttemptScope } from './attempt-scope.js';
import { JobMetrics } from './job-metrics.js';

let otel: OtelHarness;
afterEach(() => otel.shutdown());

/** One attempt's scope over a real SDK span, to drive outcomes a worker rarely produces on cue. */
function scope(progressIntervalMs = 1000) {
  otel = createOtelHarness();
  const span = otel.tracerProvider.getTracer('test').startSpan('process scan');
  return new AttemptScope(span, null, 'scan', new JobMetrics(otel.meterProvider), progressIntervalMs);
}

describe('AttemptScope outcomes', () => {
  it('marks an attempt whose lease was taken over as an error even when the handler returned', async () => {
    scope().end({ status: 'retrying', kind: 'lost', job: null });
    const span = otel.span('process scan');
    expect(span.attributes).toMatchObject({ 'error.type': 'job_lease_lost', 'jobtrail.job.status': 'retrying' });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toMatch(/lost its lease/);
    // Recovery elsewhere decides the final status; this attempt must not count it.
    expect(await otel.sum('jobtrail.jobs.finished')).toBe(0);
  });

  it('names the lost lease rather than the abort error the handler threw on the way out', () => {
    scope().end({ status: 'failed', kind: 'lost', job: null, error: new JobAbortedError('j1', 'lease_lost') });
    const span = otel.span('process scan');
    expect(span.attributes['error.type']).toBe('job_lease_lost');
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('marks an outcome the store could not record', () => {
    scope().end({ status: 'running', kind: 'unsettled', job: null });
    const span = otel.span('process scan');
    expect(span.attributes['error.type']).toBe('store_error');
    expect(span.status.message).toMatch(/could not be recorded/);
  });

  it('treats a job handed back on shutdown as no failure', async () => {
    scope().end({ status: 'queued', kind: 'released', job: null, error: new JobAbortedError('j1', 'shutdown') });
    const span = otel.span('process scan');
    expect(span.attributes['jobtrail.job.status']).toBe('queued');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events).toEqual([]);
    expect(await otel.sum('jobtrail.jobs.finished')).toBe(0);
  });

  it('records non-Error throwables with error.type _OTHER', () => {
    scope().end({ status: 'failed', kind: 'failed', job: null, error: { reason: 42 } });
    const span = otel.span('process scan');
    expect(span.attributes['error.type']).toBe('_OTHER');
    expect(span.status.message).toBe('{"reason":42}');
  });

  it('ends once: a second end and late progress change nothing', () => {
    const attempt = scope(0);
    attempt.end({ status: 'completed', kind: 'completed', job: null });
    attempt.end({ status: 'failed', kind: 'failed', job: null, error: new Error('late') });
    attempt.progress({ progress: 1, stage: null });
    const span = otel.span('process scan');
    expect(span.attributes['jobtrail.job.status']).toBe('completed');
    expect(span.events).toEqual([]);
  });
});
