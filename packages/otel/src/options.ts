import { JobValidationError } from '@jobtrail/core';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';

/**
 * How a worker's `process` span relates to the `send` span that created the job:
 * - `link` (default): each attempt starts a trace of its own with a span link to the creation
 *   context, as the messaging conventions recommend (a job may run hours later, many times).
 * - `parent`: each attempt is a child of the `send` span, so one trace shows request and work.
 */
export type ParentMode = 'link' | 'parent';

export interface JobtrailOtelOptions {
  /** Default: the global tracer provider (whatever `NodeSDK` or `trace.setGlobalTracerProvider` registered). */
  tracerProvider?: TracerProvider;
  /** Default: the global meter provider, looked up again whenever it changes. */
  meterProvider?: MeterProvider;
  /** Default `link`. */
  parentMode?: ParentMode;
  /**
   * At most one progress span event per attempt per interval; the latest update is always
   * recorded when the attempt ends. Default 1000 ms; 0 records every `ctx.progress` call.
   */
  progressEventIntervalMs?: number;
}

export interface ResolvedOptions {
  tracerProvider: TracerProvider | undefined;
  meterProvider: MeterProvider | undefined;
  parentMode: ParentMode;
  progressEventIntervalMs: number;
}

const KNOWN = new Set(['tracerProvider', 'meterProvider', 'parentMode', 'progressEventIntervalMs']);

export function resolveOptions(options: JobtrailOtelOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object') {
    throw new JobValidationError('options', 'must be an object such as { parentMode: "link" }.');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new JobValidationError(key, `is not an option of @jobtrail/otel; known options: ${[...KNOWN].join(', ')}.`);
    }
  }
  const parentMode = options.parentMode ?? 'link';
  if (parentMode !== 'link' && parentMode !== 'parent') {
    throw new JobValidationError('parentMode', `must be "link" or "parent"; got ${JSON.stringify(parentMode)}.`);
  }
  const interval = options.progressEventIntervalMs ?? 1000;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
    throw new JobValidationError('progressEventIntervalMs', `must be a number of milliseconds >= 0; got ${String(interval)}.`);
  }
  checkProvider(options.tracerProvider, 'tracerProvider', 'getTracer');
  checkProvider(options.meterProvider, 'meterProvider', 'getMeter');
  return {
    tracerProvider: options.tracerProvider,
    meterProvider: options.meterProvider,
    parentMode,
    progressEventIntervalMs: interval,
  };
}

function checkProvider(provider: unknown, field: string, method: string): void {
  if (provider === undefined) return;
  if (!provider || typeof (provider as Record<string, unknown>)[method] !== 'function') {
    throw new JobValidationError(field, `must be an OpenTelemetry ${field} (an object with ${method}()).`);
  }
}
