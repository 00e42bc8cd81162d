import { DEFAULT_BACKOFF, resolveBackoff, type BackoffPolicy } from '../backoff/backoff.js';
import {
  classifyError,
  composeClassifier,
  type ComposedClassifier,
  type ErrorClassification,
  type ErrorClassifier,
} from '../errors/classify-error.js';
import type { Job } from '../model/job.js';
import type { Clock } from '../util/clock.js';
import type { FailureOptions } from './failure.js';
import type { TrackerEmitter } from './tracker-emitter.js';
import type { JobTypeOptions } from './tracker-options.js';
import type { TrackerSettings } from './tracker-settings.js';

/** The retry rules of one job type, resolved: what to wait, and whether an error is worth another attempt. */
export interface RetryPolicy {
  backoff: BackoffPolicy;
  classify: (error: unknown) => ErrorClassification;
}

/**
 * Resolves each job type's retry policy once: the tracker's backoff and classifier, overridden by
 * `types[type]`, overridden in turn by a worker's handler definition. Resolution is cached, so a
 * failed attempt costs no resolution.
 */
export class TypePolicies {
  private readonly backoff: BackoffPolicy;
  private readonly byType = new Map<string, RetryPolicy>();

  constructor(
    backoff: BackoffPolicy | undefined,
    private readonly classifier: ErrorClassifier | undefined,
    private readonly settings: TrackerSettings,
    private readonly clock: Clock,
    private readonly emitter: TrackerEmitter,
  ) {
    this.backoff = backoff ? resolveBackoff(backoff) : DEFAULT_BACKOFF;
  }

  forType(type: string): RetryPolicy {
    let policy = this.byType.get(type);
    if (!policy) {
      const typeOptions = this.settings.types[type];
      policy = {
        backoff: typeOptions?.backoff ? resolveBackoff(typeOptions.backoff) : this.backoff,
        classify: withClock(composeClassifier(typeOptions?.classify, this.classifier), this.clock),
      };
      this.byType.set(type, policy);
    }
    return policy;
  }

  /**
   * A worker's per-type overrides on top of the type's policy. Resolve it once per handler (the
   * worker does, when it is created), not per attempt.
   *
   * @throws {JobValidationError} for a malformed backoff.
   */
  withOverrides(type: string, overrides: Pick<JobTypeOptions, 'backoff' | 'classify'>): RetryPolicy {
    const base = this.forType(type);
    return {
      backoff: overrides.backoff ? resolveBackoff(overrides.backoff) : base.backoff,
      classify: overrides.classify ? withClock(composeClassifier(overrides.classify, this.classifier), this.clock) : base.classify,
    };
  }

  /** The attempts a new job of `type` gets unless it says otherwise. */
  maxAttemptsFor(type: string): number {
    return this.settings.types[type]?.maxAttempts ?? this.settings.maxAttempts;
  }

  /**
   * A classifier that throws (or answers nonsense) never costs the attempt's outcome: the
   * built-in rules decide instead, and the failure is reported as an `error` event.
   */
  classify(policy: RetryPolicy, error: unknown, job: Pick<Job, 'id' | 'type'>): ErrorClassification {
    try {
      return policy.classify(error);
    } catch (classifierError) {
      this.emitter.error(classifierError, { operation: 'classify', jobId: job.id, type: job.type });
      try {
        return classifyError(error, { now: this.clock.now() });
      } catch {
        return { retryable: true, reason: 'unclassified' };
      }
    }
  }

  /** What `decideFailure` needs beyond the policy: the record's limits and where a broken backoff is told. */
  failureOptions(job: Pick<Job, 'id' | 'type'>): FailureOptions {
    const { maxErrors, keepStacks, maxHistory, maxRetryAfterMs } = this.settings;
    return {
      maxErrors,
      keepStacks,
      maxHistory,
      maxRetryAfterMs,
      onPolicyError: (error) => this.emitter.error(error, { operation: 'backoff', jobId: job.id, type: job.type }),
    };
  }
}

/** Retry-After dates are measured against the tracker's clock, not the wall clock. */
function withClock(classify: ComposedClassifier, clock: Clock): (error: unknown) => ErrorClassification {
  return (error) => classify(error, { now: clock.now() });
}
