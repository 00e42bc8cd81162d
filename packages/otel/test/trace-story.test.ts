import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { backoff, createTracker, createWorker, MemoryJobStore } from '@jobtrail/core';
import { createFakeClock } from '@jobtrail/core/testing';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrument } from '../src/instrument.js';
import { createOtelHarness, useAsyncContext } from './otel-harness.js';

// The README's "What a trace looks like", replayed against a real HTTP upstream: the first call
// answers 503, the second 200.
let stopContext: () => void;
beforeAll(() => (stopContext = useAsyncContext()));
afterAll(() => {
  stopContext();
  trace.disable();
});

describe('the trace the README describes', () => {
  it.each(['link', 'parent'] as const)('holds together in %s mode', async (parentMode) => {
    let calls = 0;
    const upstream = createServer((_req, res) => res.writeHead(++calls === 1 ? 503 : 200).end('{}'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1/p-123`;
    const otel = createOtelHarness();
    trace.setGlobalTracerProvider(otel.tracerProvider); // what NodeSDK.start() does
    try {
      const clock = createFakeClock(Date.UTC(2026, 0, 1));
      const tracker = createTracker({ store: new MemoryJobStore(), clock, backoff: backoff.fixed(1000) });
      instrument(tracker, { parentMode });
      const tracer = trace.getTracer('places-api');
      const worker = createWorker({
        tracker,
        handlers: {
          'places.deepScan': async (ctx) => {
            ctx.progress(0.2, 'Calling the places API');
            // Stands in for HTTP client instrumentation: a span around the real call.
            const response = await tracer.startActiveSpan('GET', { kind: SpanKind.CLIENT }, async (span) => {
              const answer = await fetch(url);
              if (answer.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
              span.end();
              return answer;
            });
            if (!response.ok) throw Object.assign(new Error('places API failed'), { status: response.status });
            ctx.progress(0.8, 'Saving details');
            return { saved: true };
          },
        },
      });
      await tracer.startActiveSpan('POST /places', { kind: SpanKind.SERVER }, async (request) => {
        await tracker.enqueue('places.deepScan', { placeId: 'p-123' });
        request.end();
      });
      await worker.runOnce();
      await clock.advance(1000);
      await worker.runOnce();

      const request = otel.span('POST /places');
      const send = otel.span('send places.deepScan');
      const [first, second] = otel.spans('process places.deepScan');
      const [firstGet, secondGet] = otel.spans('GET');
      expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(first?.attributes).toMatchObject({ 'jobtrail.job.attempt': 1, 'jobtrail.job.status': 'retrying', 'error.type': '503' });
      expect(first?.status.code).toBe(SpanStatusCode.ERROR);
      expect(first?.events.map((e) => [e.name, e.attributes?.['jobtrail.job.stage']])).toEqual([
        ['jobtrail.job.progress', 'Calling the places API'],
        ['exception', undefined],
      ]);
      expect(second?.attributes).toMatchObject({ 'jobtrail.job.attempt': 2, 'jobtrail.job.status': 'completed' });
      expect(second?.status.code).toBe(SpanStatusCode.UNSET);
      expect(firstGet?.parentSpanContext?.spanId).toBe(first?.spanContext().spanId);
      expect(secondGet?.parentSpanContext?.spanId).toBe(second?.spanContext().spanId);
      for (const attempt of [first!, second!]) {
        if (parentMode === 'link') {
          expect(attempt.spanContext().traceId).not.toBe(request.spanContext().traceId);
          expect(attempt.links[0]?.context.spanId).toBe(send.spanContext().spanId);
        } else {
          expect(attempt.spanContext().traceId).toBe(request.spanContext().traceId);
          expect(attempt.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
        }
      }
    } finally {
      trace.disable();
      await otel.shutdown();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});
