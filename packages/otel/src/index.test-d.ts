import { createTracker, MemoryJobStore, type JobTelemetry } from '@jobtrail/core';
import type { Context, MeterProvider, TracerProvider } from '@opentelemetry/api';
import { describe, expectTypeOf, it } from 'vitest';
import {
  decodeTraceCarrier,
  encodeTraceCarrier,
  extractJobTrace,
  injectJobTrace,
  instrument,
  jobtrailTelemetry,
  type JobtrailOtelOptions,
  type ParentMode,
  type TraceCarrier,
} from './index.js';

describe('public types', () => {
  it('plugs into a tracker both ways', () => {
    const tracker = createTracker({ store: new MemoryJobStore(), telemetry: jobtrailTelemetry() });
    expectTypeOf(jobtrailTelemetry).returns.toEqualTypeOf<JobTelemetry>();
    expectTypeOf(instrument(tracker)).toEqualTypeOf<() => void>();
  });

  it('takes the providers and modes the README documents', () => {
    expectTypeOf<ParentMode>().toEqualTypeOf<'link' | 'parent'>();
    expectTypeOf<JobtrailOtelOptions>().toEqualTypeOf<{
      tracerProvider?: TracerProvider;
      meterProvider?: MeterProvider;
      parentMode?: ParentMode;
      progressEventIntervalMs?: number;
    }>();
    // @ts-expect-error not a parent mode
    jobtrailTelemetry({ parentMode: 'child' });
    // @ts-expect-error instrument() needs a tracker
    instrument({});
  });

  it('reads and writes job.trace as a string, through a carrier of strings', () => {
    expectTypeOf<TraceCarrier>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf(decodeTraceCarrier).returns.toEqualTypeOf<TraceCarrier>();
    expectTypeOf(encodeTraceCarrier).returns.toEqualTypeOf<string | null>();
    expectTypeOf(injectJobTrace).parameters.toEqualTypeOf<[Context]>();
    expectTypeOf(injectJobTrace).returns.toEqualTypeOf<string | null>();
    expectTypeOf(extractJobTrace).returns.toEqualTypeOf<Context>();
  });
});
