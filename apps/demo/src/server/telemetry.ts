import { context, propagation, trace, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

export type TracesMode = 'console' | 'otlp' | 'off';

export interface DemoTelemetry {
  mode: TracesMode;
  tracerProvider: TracerProvider | undefined;
  shutdown(): Promise<void>;
}

/**
 * The OpenTelemetry SDK set-up an application does once at start-up (the library, @jobtrail/otel,
 * only uses the API). `otlp` sends to OTEL_EXPORTER_OTLP_ENDPOINT (Jaeger, a collector...);
 * `console` prints one line per span.
 */
export function setupTelemetry(serviceName: string, mode: TracesMode): DemoTelemetry {
  if (mode === 'off') return { mode, tracerProvider: undefined, shutdown: async () => {} };
  const processor =
    mode === 'otlp'
      ? new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1_000 })
      : new SimpleSpanProcessor(new OneLineConsoleExporter());
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return { mode, tracerProvider: provider, shutdown: () => provider.shutdown() };
}

export function defaultTracesMode(env: NodeJS.ProcessEnv): TracesMode {
  return env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ? 'otlp' : 'console';
}

/** One readable line per span: the SDK's ConsoleSpanExporter prints a page per span. */
class OneLineConsoleExporter implements SpanExporter {
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const ms = hrTimeToMilliseconds(span.duration).toFixed(1);
      const jobId = span.attributes['messaging.message.id'];
      const status = span.status.code === 2 ? `ERROR ${span.status.message ?? ''}`.trim() : 'ok';
      const traceId = span.spanContext().traceId;
      const linked = span.links[0]?.context.traceId;
      console.log(
        `[trace ${traceId.slice(0, 8)}] ${span.name} ${ms} ms ${status}` +
          (jobId ? ` job=${String(jobId)}` : '') +
          (linked ? ` (linked to trace ${linked.slice(0, 8)})` : ''),
      );
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}
