import { context, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** Collects on demand: tests read metrics exactly when they want, with no export timer. */
class OnDemandMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A real SDK (tracer and meter providers) that keeps everything in memory for assertions. */
export function createOtelHarness() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new OnDemandMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });

  async function metric(name: string): Promise<MetricData | undefined> {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length) throw errors[0];
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
  }

  return {
    exporter,
    tracerProvider,
    meterProvider,
    /** Finished spans, optionally only those with this name. */
    spans(name?: string): ReadableSpan[] {
      const all = exporter.getFinishedSpans();
      return name === undefined ? all : all.filter((span) => span.name === name);
    },
    span(name: string): ReadableSpan {
      const found = exporter.getFinishedSpans().filter((span) => span.name === name);
      if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}`);
      return found[0]!;
    },
    metric,
    /** Sum of a counter's (or gauge's) points whose attributes include `match`. */
    async sum(name: string, match: Attributes = {}): Promise<number> {
      const points = ((await metric(name))?.dataPoints ?? []) as DataPoint<number>[];
      return points.filter((p) => matches(p.attributes, match)).reduce((total, p) => total + p.value, 0);
    },
    /** Histogram points whose attributes include `match`. */
    async histogram(name: string, match: Attributes = {}): Promise<DataPoint<Histogram>[]> {
      const points = ((await metric(name))?.dataPoints ?? []) as DataPoint<Histogram>[];
      return points.filter((p) => matches(p.attributes, match));
    },
    async shutdown(): Promise<void> {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

export type OtelHarness = ReturnType<typeof createOtelHarness>;

function matches(attributes: Attributes, match: Attributes): boolean {
  return Object.entries(match).every(([key, value]) => attributes[key] === value);
}

/** Handler work nests under the process span only with a context manager, as NodeSDK installs. */
export function useAsyncContext(): () => void {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  return () => {
    context.disable();
    manager.disable();
  };
}

/** A promise and its resolver, to hold a handler at a known point. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
