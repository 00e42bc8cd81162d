import type { Tracker } from '@jobtrail/core';
import { instrument } from '@jobtrail/otel';
import type { DemoTelemetry } from './telemetry.js';

/**
 * Spans for every job through @jobtrail/otel: a `send {type}` span where the server enqueues,
 * its context stored in the job, and a `process {type}` span per attempt in the worker process,
 * linked to it across the process boundary.
 */
export function instrumentTracker(tracker: Tracker, telemetry: DemoTelemetry): void {
  if (!telemetry.tracerProvider) return;
  instrument(tracker, { tracerProvider: telemetry.tracerProvider });
}
