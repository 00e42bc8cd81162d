import { defaultTextMapSetter, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

describe('traceparent', () => {
  it('formats a valid span context and round-trips it', () => {
    const value = formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED });
    expect(value).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(parseTraceparent(value)).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true });
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.NONE })).toBe(`00-${TRACE}-${SPAN}-00`);
  });

  it('answers null for an invalid context (no SDK, no incoming trace)', () => {
    expect(formatTraceparent(INVALID_SPAN_CONTEXT)).toBeNull();
  });

  it.each([
    null,
    undefined,
    42,
    '',
    'not a traceparent',
    `00-${TRACE}-${SPAN}`,
    `00-${'0'.repeat(32)}-${SPAN}-01`,
    `00-${TRACE}-${'0'.repeat(16)}-01`,
    `ff-${TRACE}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-01-extra`,
    `00-${TRACE.toUpperCase()}-${SPAN}-01`,
    `00-${TRACE}x-${SPAN}-01`,
  ])('rejects %j', (value) => {
    expect(parseTraceparent(value)).toBeNull();
  });

  it('accepts a later version with extra fields, as the W3C spec asks', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-00-future`)).toMatchObject({ traceId: TRACE, traceFlags: 0 });
  });
});

describe('agreement with the SDK W3C propagator', () => {
  const propagator = new W3CTraceContextPropagator();
  const getter = { get: (carrier: Record<string, string>, key: string) => carrier[key], keys: (carrier: Record<string, string>) => Object.keys(carrier) };

  it.each([TraceFlags.SAMPLED, TraceFlags.NONE])('writes what the propagator writes and reads what it reads (flags %i)', (traceFlags) => {
    const spanContext = { traceId: TRACE, spanId: SPAN, traceFlags };
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), carrier, defaultTextMapSetter);
    expect(formatTraceparent(spanContext)).toBe(carrier.traceparent);
    const extracted = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, getter));
    expect(parseTraceparent(carrier.traceparent)).toEqual(extracted);
  });
});
