import { JobtrailError } from '../errors/jobtrail-error.js';
import type { Job, JobError } from '../model/job.js';
import type { Expectation, JobPatch, JobStore, TransitionResult } from '../store/job-store.js';
import type { Clock } from '../util/clock.js';
import { cutText, MAX_NOTE_LENGTH, storableText } from './validate-input.js';

export interface OutcomeWriteOptions {
  store: JobStore;
  clock: Clock;
  /**
   * Until when (epoch ms) the writer still holds the job's lease. While it does, a write that
   * failed because the store is unreachable is tried again; after it, recovery takes over.
   */
  leaseExpiresAt: () => number;
  /** Told about every failed write that is tried again or degraded (an `error` event). */
  onRetry: (error: unknown, what: 'retry' | 'degrade') => void;
  /** Waits `ms`; injectable so that fake clocks drive the retries. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * What the caller's own first try threw (the common path tries `store.transition` directly and
   * only builds these options when that fails): handled as if this writer's first try threw it.
   */
  firstError?: unknown;
}

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 500;

/**
 * Writes an attempt's outcome so that it is recorded whatever happens to the store meanwhile:
 *
 * - a store that is unreachable (an outage, a dropped connection) is tried again with backoff
 *   (50 ms doubling to 500 ms) for as long as the lease is held, so an outage shorter than the lease
 *   never costs the outcome or runs a succeeded handler again;
 * - a write whose answer was lost (the commit happened, the connection dropped) is recognised on
 *   the next try by the record already carrying this very patch;
 * - a value the store refuses (`invalid_input`: text or a size it cannot hold) never keeps the job
 *   running: the outcome is written again without the refused parts (see {@link degradeOutcome}).
 *
 * Answers the store's transition result; throws only when the lease ran out while the store was
 * unreachable (recovery then settles the job).
 */
export async function writeOutcome(
  id: string,
  expected: Expectation,
  patch: JobPatch,
  options: OutcomeWriteOptions,
): Promise<TransitionResult> {
  const { store, clock } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms)));
  let current = patch;
  let degraded = 0;
  let wait = FIRST_RETRY_MS;
  let retried = false;
  let failure: { error: unknown } | null = 'firstError' in options ? { error: options.firstError } : null;
  for (;;) {
    if (failure === null) {
      try {
        const result = await store.transition(id, expected, current);
        if (!result.ok && result.reason === 'conflict' && retried && carries(result.current, current)) {
          return { ok: true, job: result.current };
        }
        return result;
      } catch (error) {
        failure = { error };
      }
    }
    const { error } = failure;
    failure = null;
    if (isRefusal(error)) {
      const next = degradeOutcome(current, error, ++degraded);
      if (next === null) throw error;
      options.onRetry(error, 'degrade');
      current = next;
      continue;
    }
    if (clock.now() + wait >= options.leaseExpiresAt()) throw error;
    options.onRetry(error, 'retry');
    await sleep(wait);
    wait = Math.min(MAX_RETRY_MS, wait * 2);
    retried = true;
  }
}

/** The store refused a value (as opposed to being unreachable): `invalid_input` from any copy of core. */
function isRefusal(error: unknown): boolean {
  return JobtrailError.isInstance(error) && error.code === 'invalid_input';
}

/** True when `job` already holds what `patch` writes: our write landed but its answer was lost. */
function carries(job: Job, patch: JobPatch): boolean {
  return job.status === patch.status && job.updatedAt.getTime() === patch.updatedAt.getTime();
}

/**
 * The outcome without what the store refused. First round: the result is dropped and the text
 * fields are made storable, and the note says so. Second round: only the status, lease, times and
 * a plain error record remain. Answers null when nothing is left to drop.
 */
export function degradeOutcome(patch: JobPatch, refusal: unknown, round: number): JobPatch | null {
  const reason = storableText(cut(describeRefusal(refusal), 300));
  if (round === 1) {
    const next: JobPatch = { ...patch };
    if (next.result !== undefined && next.result !== null) {
      next.result = null;
      next.note = withWarning(next.note, `jobtrail: the result was not stored (${reason})`);
    } else {
      next.note = withWarning(next.note, `jobtrail: part of the outcome was not stored (${reason})`);
    }
    if (typeof next.stage === 'string') next.stage = storableText(next.stage);
    if (next.error) next.error = plainError(next.error);
    if (next.errors) next.errors = next.errors.map(plainError);
    // The record keeps what it had rather than lose it for a part the store refused.
    delete next.history;
    delete next.metrics;
    return next;
  }
  if (round === 2) {
    const next: JobPatch = { updatedAt: patch.updatedAt };
    for (const key of ['status', 'attempt', 'maxAttempts', 'runAt', 'lease', 'startedAt', 'finishedAt', 'progress'] as const) {
      if (patch[key] !== undefined) (next as unknown as Record<string, unknown>)[key] = patch[key];
    }
    if (patch.error) next.error = { ...plainError(patch.error), message: `The outcome could not be stored: ${reason}` };
    next.note = `jobtrail: the outcome could not be stored in full (${reason})`;
    return next;
  }
  return null;
}

/** A note with a warning of jobtrail's appended (the note's own text kept, made storable). */
export function withWarning(note: string | null | undefined, warning: string): string {
  if (typeof note !== 'string' || note === '') return warning;
  return `${cutText(storableText(note), Math.max(0, MAX_NOTE_LENGTH - warning.length - 1))}\n${warning}`;
}

function plainError(error: JobError): JobError {
  const plain: JobError = {
    message: storableText(cut(String(error.message), 4_000)),
    code: error.code === null ? null : storableText(cut(String(error.code), 255)),
    name: error.name === null ? null : storableText(cut(String(error.name), 255)),
    retryable: error.retryable,
    attempt: error.attempt,
    at: error.at,
  };
  return plain;
}

/** Cuts before sanitising, so no cut ever leaves half a surrogate pair behind. */
function cut(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

function describeRefusal(refusal: unknown): string {
  try {
    const message = (refusal as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : String(refusal);
  } catch {
    return 'the store refused a value';
  }
}
