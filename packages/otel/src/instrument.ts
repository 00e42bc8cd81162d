import { JobValidationError, type JobTelemetry } from '@jobtrail/core';
import { jobtrailTelemetry } from './jobtrail-telemetry.js';
import type { JobtrailOtelOptions } from './options.js';

/** What `instrument()` needs of a tracker: `createTracker()`'s `Tracker` has it. */
export interface InstrumentableTracker {
  useTelemetry(telemetry: JobTelemetry): () => void;
}

const active = new WeakMap<InstrumentableTracker, () => void>();

/**
 * Adds OpenTelemetry spans and metrics to a tracker that already exists, and to every worker
 * built on it. Instrumenting the same tracker again replaces the earlier instrumentation (so
 * spans are never doubled). Returns a function that removes it.
 */
export function instrument(tracker: InstrumentableTracker, options?: JobtrailOtelOptions): () => void {
  if (!tracker || typeof tracker.useTelemetry !== 'function') {
    throw new JobValidationError('tracker', 'instrument() needs a tracker made by createTracker().');
  }
  const telemetry = jobtrailTelemetry(options);
  active.get(tracker)?.();
  const remove = tracker.useTelemetry(telemetry);
  const uninstrument = (): void => {
    remove();
    if (active.get(tracker) === uninstrument) active.delete(tracker);
  };
  active.set(tracker, uninstrument);
  return uninstrument;
}
