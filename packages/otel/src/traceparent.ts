import { isSpanContextValid, type SpanContext } from '@opentelemetry/api';

/**
 * W3C Trace Context `traceparent` for a span context, or null when the context is invalid (no
 * SDK and no incoming trace): what `job.trace` stores when no propagator is registered.
 */
export function formatTraceparent(spanContext: SpanContext): string | null {
  if (!isSpanContextValid(spanContext)) return null;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The remote span context a `traceparent` names, or null for anything that is not one (a job
 * created without tracing stores null; a hand-edited record may hold garbage).
 */
export function parseTraceparent(value: unknown): SpanContext | null {
  if (typeof value !== 'string') return null;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return null;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is forbidden; version 00 has exactly four fields, later versions may add more.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  const spanContext: SpanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: parseInt(flags!, 16),
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : null;
}
