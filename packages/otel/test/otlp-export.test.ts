import { backoff, createTracker, createWorker, MemoryJobStore } from '@jobtrail/core';
import { createFakeClock } from '@jobtrail/core/testing';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrument } from '../src/instrument.js';
import { useAsyncContext } from './otel-harness.js';
import { attributesOf, startOtlpReceiver, type OtlpKeyValue } from './otlp-receiver.js';

/** The parts of an OTLP/JSON ExportTraceServiceRequest this test reads. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpKeyValue[];
  events?: Array<{ name: string; attributes: OtlpKeyValue[] }>;
  links?: Array<{ traceId: string; spanId: string }>;
  status?: { code?: number; message?: string };
}
interface OtlpRequest {
  resourceSpans: Array<{
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }>;
  }>;
}

// OTLP enum values, from opentelemetry-proto.
const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_PRODUCER = 4;
const SPAN_KIND_CONSUMER = 5;
const STATUS_CODE_ERROR = 2;

let stopContext: () => void;
beforeAll(() => (stopContext = useAsyncContext()));
afterAll(() => stopContext());

describe('OTLP/HTTP export', () => {
  it('delivers send, process and recover spans a collector can decode', async () => {
    const receiver = await startOtlpReceiver();
    const traceRequests = (): OtlpRequest[] => (receiver.bodies.get('/v1/traces') ?? []) as OtlpRequest[];
    const tracerProvider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'jobtrail-otel-test' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.origin}/v1/traces` }))],
    });
    try {
      const clock = createFakeClock(Date.UTC(2026, 0, 1));
      const store = new MemoryJobStore();
      const tracker = createTracker({ store, clock, backoff: backoff.fixed(1000) });
      instrument(tracker, { tracerProvider, progressEventIntervalMs: 0 });
      const app = tracerProvider.getTracer('app');

      const job = await app.startActiveSpan('POST /scan', async (request) => {
        try {
          return await tracker.enqueue('places.deepScan', { placeId: 'p1' });
        } finally {
          request.end();
        }
      });
      const worker = createWorker({
        tracker,
        handlers: {
          'places.deepScan': (ctx) => {
            ctx.progress(0.5, 'Calling the places API');
            if (ctx.attempt === 1) throw Object.assign(new Error('upstream 503'), { code: 'upstream_unavailable' });
            return { saved: true };
          },
        },
      });
      await worker.runOnce();
      await clock.advance(1000);
      await worker.runOnce();
      await tracerProvider.forceFlush();

      expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/json']));
      const resourceSpans = traceRequests().flatMap((r) => r.resourceSpans);
      expect(attributesOf(resourceSpans[0]?.resource.attributes)['service.name']).toBe('jobtrail-otel-test');
      const ours = resourceSpans
        .flatMap((r) => r.scopeSpans)
        .filter((s) => s.scope.name === '@jobtrail/otel')
        .flatMap((s) => s.spans);
      const request = resourceSpans.flatMap((r) => r.scopeSpans).flatMap((s) => s.spans).find((s) => s.name === 'POST /scan')!;

      const send = ours.find((s) => s.name === 'send places.deepScan')!;
      expect(send.kind).toBe(SPAN_KIND_PRODUCER);
      expect(send.traceId).toBe(request.traceId);
      expect(send.parentSpanId).toBe(request.spanId);
      expect(job.trace).toBe(`00-${send.traceId}-${send.spanId}-01`);
      expect(attributesOf(send.attributes)).toEqual({
        'messaging.system': 'jobtrail',
        'messaging.operation.name': 'send',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'places.deepScan',
        'messaging.message.id': job.id,
      });

      const attempts = ours.filter((s) => s.name === 'process places.deepScan');
      expect(attempts.map((s) => s.kind)).toEqual([SPAN_KIND_CONSUMER, SPAN_KIND_CONSUMER]);
      const [first, second] = attempts.map((s) => ({ span: s, attributes: attributesOf(s.attributes) }));
      expect(first?.attributes).toMatchObject({
        'messaging.message.id': job.id,
        'jobtrail.job.attempt': 1,
        'jobtrail.job.status': 'retrying',
        'error.type': 'upstream_unavailable',
      });
      expect(first?.span.status).toMatchObject({ code: STATUS_CODE_ERROR, message: 'upstream 503' });
      expect(first?.span.events?.map((e) => e.name)).toEqual(['jobtrail.job.progress', 'exception']);
      expect(attributesOf(first?.span.events?.[0]?.attributes)).toEqual({
        'jobtrail.job.progress': 0.5,
        'jobtrail.job.stage': 'Calling the places API',
      });
      expect(second?.attributes).toMatchObject({ 'jobtrail.job.attempt': 2, 'jobtrail.job.status': 'completed' });
      expect(second?.span.status?.code ?? 0).toBe(0);
      for (const attempt of attempts) {
        expect(attempt.links).toEqual([expect.objectContaining({ traceId: send.traceId, spanId: send.spanId })]);
        expect(attempt.traceId).not.toBe(send.traceId);
        expect(attempt.parentSpanId ?? '').toBe('');
      }

      // A crashed worker's attempt shows up as a recover span once the lease expires.
      const lost = await tracker.enqueue('places.deepScan', { placeId: 'p2' });
      await store.claim({ owner: 'crashed', now: new Date(clock.now()), leaseExpiresAt: new Date(clock.now() + 100), limits: { 'places.deepScan': 1 }, limit: 1 });
      await clock.advance(200);
      await tracker.recoverExpired();
      await tracerProvider.forceFlush();
      const recover = traceRequests()
        .flatMap((r) => r.resourceSpans)
        .flatMap((r) => r.scopeSpans)
        .flatMap((s) => s.spans)
        .find((s) => s.name === 'recover places.deepScan')!;
      expect(recover.kind).toBe(SPAN_KIND_INTERNAL);
      expect(recover.status?.code).toBe(STATUS_CODE_ERROR);
      expect(attributesOf(recover.attributes)).toMatchObject({ 'messaging.message.id': lost.id, 'error.type': 'lease_expired' });
    } finally {
      await tracerProvider.shutdown();
      await receiver.close();
    }
  });
});
