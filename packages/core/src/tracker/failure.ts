import type { BackoffPolicy } from '../backoff/backoff.js';
import type { ErrorClassification } from '../errors/classify-error.js';
import type { JobAttemptOutcome, Job, JobError } from '../model/job.js';
import type { JobPatch } from '../store/job-store.js';
import { storableText } from './validate-input.js';
import { appendHistory, attemptEntry, freshAttemptFields } from './attempt-history.js';
import { retryDelay } from './retry-delay.js';

/** The longest stored error `message`, in UTF-16 code units; a longer one is cut and ends with "…". */
export const MAX_ERROR_MESSAGE = 4000;
/** The longest stored error `code` and `name`. */
export const MAX_ERROR_CODE = 255;
/** The longest stored error `stack`. */
export const MAX_ERROR_STACK = 16_000;

/**
 * Turns anything thrown into the stored shape of one attempt's failure. Never throws, whatever
 * was thrown (a revoked Proxy, throwing getters, cycles, symbols, BigInt, `null`...): `message`
 * is always a non-empty string (an Error's message, else its name; anything else serialised as
 * JSON or with `String()`; else `Unknown error (...)` saying what was thrown), `code` and `name`
 * a string or null. Every text is made storable (NUL and unpaired surrogates become U+FFFD, see
 * {@link storableText}) and capped: message {@link MAX_ERROR_MESSAGE}, code and name
 * {@link MAX_ERROR_CODE}, stack {@link MAX_ERROR_STACK} characters.
 */
export function toJobError(
  error: unknown,
  attempt: number,
  at: Date,
  retryable: boolean,
  keepStack: boolean,
): JobError {
  const errorLike = isErrorLike(error);
  const record: JobError = {
    message: messageOf(error, errorLike),
    code: codeOf(error),
    name: errorLike ? textField(readSafely(error, 'name'), MAX_ERROR_CODE) : null,
    retryable,
    attempt,
    at,
  };
  if (keepStack && errorLike) {
    const stack = textField(readSafely(error, 'stack'), MAX_ERROR_STACK);
    if (stack !== null) record.stack = stack;
  }
  return record;
}

function messageOf(error: unknown, errorLike: boolean): string {
  let text: string | undefined;
  if (typeof error === 'string') text = error;
  else if (errorLike) text = textOf(readSafely(error, 'message')) || textOf(readSafely(error, 'name'));
  else text = textOf(error);
  return text ? bounded(text, MAX_ERROR_MESSAGE) : `Unknown error (${describeThrown(error)})`;
}

function codeOf(error: unknown): string | null {
  const code = readSafely(error, 'code');
  if (typeof code === 'number') return Number.isFinite(code) ? String(code) : null;
  return textField(code, MAX_ERROR_CODE);
}

/** A non-empty string made storable and capped, else null. */
function textField(value: unknown, max: number): string | null {
  return typeof value === 'string' && value !== '' ? bounded(value, max) : null;
}

/** A string as is; anything else as JSON, else `String()`; `undefined` when neither works. */
function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null || typeof value === 'string') return value ?? undefined;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const json = JSON.stringify(value);
    if (typeof json === 'string' && json !== '') return json;
  } catch {
    // cycles, BigInt inside, throwing toJSON or getters, Proxies: try String()
  }
  try {
    return String(value);
  } catch {
    return undefined;
  }
}

/** Storable (see storableText) and at most `max` code units, never splitting a surrogate pair. */
function bounded(text: string, max: number): string {
  if (text.length <= max) return storableText(text);
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${storableText(text.slice(0, end))}…`;
}

/** An Error of this realm or another (its internal slot shows in Object.prototype.toString). */
function isErrorLike(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
  } catch {
    return false;
  }
}

/** Reads a property without ever throwing (getters, Proxies, primitives, null). */
function readSafely(target: unknown, key: PropertyKey): unknown {
  if (target === undefined || target === null) return undefined;
  try {
    return (target as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** What was thrown, for a message when nothing in it could be read. */
function describeThrown(error: unknown): string {
  if (error === undefined || error === null) return `${String(error)} was thrown`;
  if (typeof error === 'string') return 'an empty string was thrown';
  if (typeof error !== 'object' && typeof error !== 'function') return `a ${typeof error} was thrown`;
  try {
    Object.getPrototypeOf(error);
  } catch (failure) {
    const detail = readSafely(failure, 'message');
    return typeof detail === 'string' && /revoked/i.test(detail)
      ? 'a revoked Proxy was thrown'
      : 'a Proxy whose traps throw was thrown';
  }
  const type = readSafely(readSafely(error, 'constructor'), 'name');
  const what =
    typeof type === 'string' && /^[A-Za-z_$][\w$]{0,99}$/.test(type)
      ? `${/^[AEIOU]/i.test(type) ? 'an' : 'a'} ${type}`
      : 'an object';
  return `${what} with no readable message was thrown`;
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

export interface FailureOptions {
  maxErrors: number;
  keepStacks: boolean;
  maxHistory: number;
  /** Cap of a delay the error asked for (`Retry-After`), in ms. */
  maxRetryAfterMs: number;
  /** The outcome recorded in the attempt's history entry; default: the decided status. */
  outcome?: JobAttemptOutcome;
  errorRecord?: JobError;
  /** Told when the backoff policy is broken (the default backoff stood in). */
  onPolicyError?: (error: unknown) => void;
}

/**
 * Decides what a failed attempt leads to: another attempt after the backoff (or the delay the
 * error asked for, capped) while attempts remain and the error is retryable, otherwise `failed`.
 * Either way the attempt is appended to the job's history; a job that will run again starts from
 * fresh progress and metrics.
 */
export function decideFailure(
  job: Readonly<Job>,
  error: unknown,
  classification: ErrorClassification,
  backoff: BackoffPolicy,
  now: number,
  options: FailureOptions,
): FailureDecision {
  const at = new Date(now);
  const willRetry = classification.retryable && job.attempt < job.maxAttempts;
  const record =
    options.errorRecord ?? toJobError(error, job.attempt, at, classification.retryable, options.keepStacks);
  const errors = appendBounded(job.errors, job.error, options.maxErrors);
  const status = willRetry ? 'retrying' : 'failed';
  if (willRetry) {
    // Another attempt follows: this one leaves the job's own fields for its history.
    const history = appendHistory(job.history, attemptEntry(job, options.outcome ?? status, at, record), options.maxHistory);
    const delay = retryDelay(job.attempt, error, classification, backoff, options);
    const retryAt = new Date(now + delay);
    return {
      status: 'retrying',
      retryAt,
      patch: { status: 'retrying', runAt: retryAt, lease: null, error: record, errors, history, ...freshAttemptFields(), updatedAt: at },
    };
  }
  return {
    status: 'failed',
    patch: { status: 'failed', lease: null, error: record, errors, finishedAt: at, updatedAt: at },
  };
}
