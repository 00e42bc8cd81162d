import type { BackoffPolicy } from '../backoff/backoff.js';
import type { ErrorClassification } from '../errors/classify-error.js';
import type { Job, JobError } from '../model/job.js';
import type { JobPatch } from '../store/job-store.js';

/** Turns anything thrown into the stored shape of one attempt's failure. */
export function toJobError(
  error: unknown,
  attempt: number,
  at: Date,
  retryable: boolean,
  keepStack: boolean,
): JobError {
  const record: JobError = {
    message: messageOf(error),
    code: codeOf(error),
    name: error instanceof Error ? error.name : null,
    retryable,
    attempt,
    at,
  };
  if (keepStack && error instanceof Error && error.stack) record.stack = error.stack;
  return record;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  if (typeof code === 'number') return String(code);
  return null;
}

/** Keeps the newest `max` entries. */
export function appendBounded(history: readonly JobError[], entry: JobError | null, max: number): JobError[] {
  const next = entry ? [...history, entry] : [...history];
  return next.length > max ? next.slice(next.length - max) : next;
}

export interface FailureDecision {
  patch: JobPatch;
  status: 'retrying' | 'failed';
  retryAt?: Date;
}

/**
 * Decides what a failed attempt leads to: another attempt after the backoff (or the delay the
 * error asked for) while attempts remain and the error is retryable, otherwise `failed`.
 */
export function decideFailure(
  job: Pick<Job, 'attempt' | 'maxAttempts' | 'error' | 'errors'>,
  error: unknown,
  classification: ErrorClassification,
  backoff: BackoffPolicy,
  now: number,
  options: { maxErrors: number; keepStacks: boolean; errorRecord?: JobError },
): FailureDecision {
  const at = new Date(now);
  const willRetry = classification.retryable && job.attempt < job.maxAttempts;
  const record =
    options.errorRecord ?? toJobError(error, job.attempt, at, classification.retryable, options.keepStacks);
  const errors = appendBounded(job.errors, job.error, options.maxErrors);
  if (willRetry) {
    const delay = Math.max(0, Math.round(classification.retryAfterMs ?? backoff(job.attempt, error)));
    const retryAt = new Date(now + (Number.isFinite(delay) ? delay : 0));
    return {
      status: 'retrying',
      retryAt,
      patch: { status: 'retrying', runAt: retryAt, lease: null, error: record, errors, updatedAt: at },
    };
  }
  return {
    status: 'failed',
    patch: { status: 'failed', lease: null, error: record, errors, finishedAt: at, updatedAt: at },
  };
}
