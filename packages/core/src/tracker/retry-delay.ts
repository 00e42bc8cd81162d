import { DEFAULT_BACKOFF, type BackoffPolicy } from '../backoff/backoff.js';
import type { ErrorClassification } from '../errors/classify-error.js';

/**
 * The longest delay a backoff policy may ask for (366 days). Anything longer, like anything that
 * is not a finite number >= 0, is a broken policy: the default backoff is used instead.
 */
export const MAX_BACKOFF_MS = 366 * 86_400_000;

/** Default cap of a delay the failing party asked for (`Retry-After`, `RetryableJobError`): 1 h. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 3_600_000;

export interface RetryDelayOptions {
  /** Cap of `classification.retryAfterMs`, in ms. */
  maxRetryAfterMs: number;
  /** Told when the backoff policy threw or returned something unusable (the default was used). */
  onPolicyError?: (error: unknown) => void;
}

/**
 * The delay in ms before the next attempt, always a whole number from 0 to {@link MAX_BACKOFF_MS}:
 * what the error asked for (capped by `maxRetryAfterMs`), else the policy's answer. A policy that
 * throws or returns `undefined`, `NaN`, a negative, infinite or absurdly long delay never costs
 * the attempt's outcome: the default backoff stands in and `onPolicyError` is told why.
 */
export function retryDelay(
  attempt: number,
  error: unknown,
  classification: ErrorClassification,
  backoff: BackoffPolicy,
  options: RetryDelayOptions,
): number {
  const asked = classification.retryAfterMs;
  // NaN fails `asked >= 0` and falls through to the policy.
  if (typeof asked === 'number' && asked >= 0) return Math.round(Math.min(asked, options.maxRetryAfterMs));
  let delay: unknown;
  try {
    delay = backoff(attempt, error);
  } catch (policyError) {
    options.onPolicyError?.(policyError);
    return DEFAULT_BACKOFF(attempt, error);
  }
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 || delay > MAX_BACKOFF_MS) {
    options.onPolicyError?.(
      new TypeError(
        `The backoff policy returned ${describeDelay(delay)} for attempt ${attempt}; it must return a number of ms from 0 to ${MAX_BACKOFF_MS}. The default backoff was used.`,
      ),
    );
    return DEFAULT_BACKOFF(attempt, error);
  }
  return Math.round(delay);
}

function describeDelay(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === undefined) return 'undefined (a missing return?)';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}
