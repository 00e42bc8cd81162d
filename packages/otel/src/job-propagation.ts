import { defaultTextMapGetter, defaultTextMapSetter, propagation, trace, type Context } from '@opentelemetry/api';
import { decodeTraceCarrier, encodeTraceCarrier, type TraceCarrier } from './trace-carrier.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

// The creation context crosses processes through `job.trace` the way it crosses them through
// HTTP headers: the application's registered propagator writes and reads it, so its formats,
// `tracestate` and baggage travel with the job. Without one (the API's no-op propagator, whose
// fields() is empty) a tracer provider alone would lose every link, so jobtrail falls back to the
// W3C traceparent it always stored: the span context crosses, tracestate and baggage do not.

/** True when the application registered a propagator (NodeSDK does; `setGlobalPropagator` does). */
export function hasRegisteredPropagator(): boolean {
  return propagation.fields().length > 0;
}

/**
 * `job.trace` for a context (see `encodeTraceCarrier`), or null when there is nothing to
 * propagate. A propagator that throws leaves the job without a trace rather than without a record.
 */
export function injectJobTrace(ctx: Context): string | null {
  if (!hasRegisteredPropagator()) {
    const spanContext = trace.getSpanContext(ctx);
    return spanContext ? formatTraceparent(spanContext) : null;
  }
  const carrier = Object.create(null) as TraceCarrier;
  try {
    propagation.inject(ctx, carrier, defaultTextMapSetter);
  } catch {
    return null;
  }
  return encodeTraceCarrier(carrier);
}

/**
 * `base` with what `job.trace` carries: the creation span context (remote) and, through the
 * registered propagator, its tracestate, baggage and anything else the propagator reads. A
 * propagator that throws yields `base` unchanged.
 */
export function extractJobTrace(base: Context, stored: string | null | undefined): Context {
  const carrier = decodeTraceCarrier(stored);
  if (!hasRegisteredPropagator()) {
    const origin = parseTraceparent(carrier['traceparent']);
    return origin ? trace.setSpanContext(base, origin) : base;
  }
  try {
    return propagation.extract(base, carrier, defaultTextMapGetter);
  } catch {
    return base;
  }
}
