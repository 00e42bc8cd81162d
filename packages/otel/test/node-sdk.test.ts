import { createTracker, createWorker, MemoryJobStore } from '@jobtrail/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { metrics, NodeSDK } from '@opentelemetry/sdk-node';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { instrument } from '../src/instrument.js';
import { attributesOf, startOtlpReceiver, type OtlpKeyValue } from './otlp-receiver.js';

interface TraceRequest {
  resourceSpans: Array<{
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; spanId: string; parentSpanId?: string; links?: Array<{ spanId: string }> }> }>;
  }>;
}
interface NumberPoint {
  attributes: OtlpKeyValue[];
  asInt?: number | string;
  asDouble?: number;
  count?: number | string;
}
interface MetricsRequest {
  resourceMetrics: Array<{
    scopeMetrics: Array<{
      scope: { name: string };
      metrics: Array<{
        name: string;
        unit?: string;
        sum?: { dataPoints: NumberPoint[] };
        gauge?: { dataPoints: NumberPoint[] };
        histogram?: { dataPoints: NumberPoint[] };
      }>;
    }>;
  }>;
}

// The README's set-up, verbatim apart from the collector's address: global providers registered
// by NodeSDK, instrument() with no providers given, OTLP/HTTP JSON for traces and metrics.
describe('NodeSDK set-up from the README', () => {
  it('exports job spans and metrics through the globally registered SDK', async () => {
    const receiver = await startOtlpReceiver();
    const sdk = new NodeSDK({
      serviceName: 'places-api',
      traceExporter: new OTLPTraceExporter({ url: `${receiver.origin}/v1/traces` }),
      metricReaders: [
        new metrics.PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${receiver.origin}/v1/metrics` }),
          exportIntervalMillis: 60_000,
        }),
      ],
    });
    sdk.start();
    try {
      const tracker = createTracker({ store: new MemoryJobStore() });
      instrument(tracker);
      const app = trace.getTracer('places-api');
      await app.startActiveSpan('POST /places', async (request) => {
        await tracker.enqueue('places.deepScan', { placeId: 'p-123' });
        request.end();
      });
      await createWorker({
        tracker,
        handlers: {
          'places.deepScan': async () => {
            // Handler work joins the process span through NodeSDK's context manager.
            await app.startActiveSpan('GET places.example', async (span) => {
              await new Promise((resolve) => setImmediate(resolve));
              span.end();
            });
            return { saved: true };
          },
        },
      }).runOnce();
    } finally {
      await sdk.shutdown(); // flushes the batch span processor and the metric reader
      await receiver.close();
    }

    const spans = ((receiver.bodies.get('/v1/traces') ?? []) as TraceRequest[]).flatMap((r) =>
      r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ ...span, resource: rs.resource })))),
    );
    const byName = (name: string) => spans.find((span) => span.name === name)!;
    expect(attributesOf(byName('send places.deepScan').resource.attributes)['service.name']).toBe('places-api');
    expect(byName('send places.deepScan').parentSpanId).toBe(byName('POST /places').spanId);
    expect(byName('process places.deepScan').links?.[0]?.spanId).toBe(byName('send places.deepScan').spanId);
    expect(byName('GET places.example').parentSpanId).toBe(byName('process places.deepScan').spanId);

    const exported = ((receiver.bodies.get('/v1/metrics') ?? []) as MetricsRequest[])
      .flatMap((r) => r.resourceMetrics.flatMap((rm) => rm.scopeMetrics))
      .filter((sm) => sm.scope.name === '@jobtrail/otel')
      .flatMap((sm) => sm.metrics);
    const points = (name: string) => {
      const metric = exported.find((m) => m.name === name);
      return (metric?.sum ?? metric?.gauge ?? metric?.histogram)?.dataPoints ?? [];
    };
    const value = (p: NumberPoint | undefined) => Number(p?.asInt ?? p?.asDouble ?? p?.count);
    expect(value(points('messaging.client.sent.messages')[0])).toBe(1);
    expect(value(points('messaging.client.consumed.messages')[0])).toBe(1);
    expect(value(points('messaging.process.duration')[0])).toBe(1);
    expect(value(points('jobtrail.job.wait.duration')[0])).toBe(1);
    const finished = points('jobtrail.jobs.finished')[0];
    expect(attributesOf(finished?.attributes)).toEqual({
      'messaging.system': 'jobtrail',
      'messaging.destination.name': 'places.deepScan',
      'jobtrail.job.status': 'completed',
    });
    expect(value(finished)).toBe(1);
    expect(value(points('jobtrail.jobs.running')[0])).toBe(0);
    expect(exported.find((m) => m.name === 'messaging.process.duration')?.unit).toBe('s');
  });
});
