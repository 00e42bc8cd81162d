import { createTracker, MemoryJobStore, type JobTelemetry } from '@jobtrail/core';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { describe, expectTypeOf, it } from 'vitest';
import { instrument, jobtrailTelemetry, type JobtrailOtelOptions, type ParentMode } from './index.js';

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
});
