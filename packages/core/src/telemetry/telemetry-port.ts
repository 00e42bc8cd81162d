import type { Job } from '../model/job.js';
import type { JobStatus } from '../model/job-status.js';
import type { AttemptOutcomeKind } from '../tracker/attempt-outcome-kind.js';

/**
 * Hooks a tracing/metrics implementation plugs into (see @jobtrail/otel). Core calls them around
 * job creation and around every attempt; the default does nothing, so core stays free of any
 * telemetry dependency.
 */
export interface JobTelemetry {
  /**
   * Called just before a job is inserted. The returned `trace` (any string the implementation
   * reads back in `onAttempt`, e.g. a W3C traceparent) is stored in `job.trace` so that the
   * creation context crosses processes through the store.
   */
  onCreate?(draft: Readonly<Job>): CreateTelemetry | undefined;
  /** Called when an attempt starts running, in a worker (`queue`) or through `track()` (`inline`). */
  onAttempt?(job: Readonly<Job>, info: { mode: 'queue' | 'inline' }): AttemptTelemetry | undefined;
  /** Called after a running job whose lease expired was recovered by any process. */
  onRecovered?(job: Readonly<Job>): void;
}

export interface CreateTelemetry {
  trace?: string | null;
  /** The insert finished: `job` is the stored record (or the existing one for a dedupe hit). */
  end(outcome: { job: Readonly<Job> | null; created: boolean; error?: unknown }): void;
}

export interface AttemptTelemetry {
  /** Runs the handler so that work inside it nests under the attempt's context. */
  run<T>(fn: () => T): T;
  progress?(update: { progress: number; stage: string | null }): void;
  end(outcome: AttemptOutcome): void;
}

export interface AttemptOutcome {
  /** Where the job stands after the attempt (`queued` when a shutdown handed it back). */
  status: JobStatus;
  job: Readonly<Job> | null;
  error?: unknown;
  /** When the next attempt is due, for `retrying`. */
  retryAt?: Date;
  /**
   * How this attempt ended from its own point of view: `lost` (its lease was taken over),
   * `released` (handed back on shutdown) and `unsettled` (the outcome could not be stored) tell
   * apart attempts whose `status` alone looks alike.
   */
  kind?: AttemptOutcomeKind;
}

/** Runs several telemetry implementations side by side. */
export function combineTelemetry(parts: readonly JobTelemetry[]): JobTelemetry {
  if (parts.length === 1) return parts[0]!;
  return {
    onCreate(draft) {
      const scopes = parts.map((p) => p.onCreate?.(draft)).filter((s): s is CreateTelemetry => !!s);
      if (scopes.length === 0) return undefined;
      return {
        trace: scopes.find((s) => s.trace)?.trace ?? null,
        end: (outcome) => {
          for (const s of scopes) s.end(outcome);
        },
      };
    },
    onAttempt(job, info) {
      const scopes = parts.map((p) => p.onAttempt?.(job, info)).filter((s): s is AttemptTelemetry => !!s);
      if (scopes.length === 0) return undefined;
      return {
        run: <T>(fn: () => T): T => scopes.reduceRight<() => T>((inner, s) => () => s.run(inner), fn)(),
        progress: (update) => {
          for (const s of scopes) s.progress?.(update);
        },
        end: (outcome) => {
          for (const s of scopes) s.end(outcome);
        },
      };
    },
    onRecovered(job) {
      for (const p of parts) p.onRecovered?.(job);
    },
  };
}
