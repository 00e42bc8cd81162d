import type { BackoffPolicy } from '../backoff/backoff.js';
import { InvalidTransitionError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import { isTerminal, type JobStatus } from '../model/job-status.js';
import { canTransition } from '../model/state-machine.js';
import type { Expectation, JobPatch } from '../store/job-store.js';
import { appendHistory, attemptEntry, freshAttemptFields, runBudget } from './attempt-history.js';
import { appendBounded, decideFailure, toJobError, type FailureDecision, type FailureOptions } from './failure.js';
import { withWarning } from './outcome-writer.js';

/**
 * Every status change core writes is built here, as a pure patch from the job it applies to, and
 * checked against the state machine (`model/state-machine.ts`) first. Who writes the patch (the
 * by-id API, the attempt runner, recovery, a worker's shutdown) decides only when, never what.
 */

const RETRY_FROM: readonly JobStatus[] = ['failed', 'cancelled'];
const RELEASE_FROM: readonly JobStatus[] = ['running'];

/** How much of a job's past its record keeps (the tracker's `maxErrors` and `maxHistory`). */
export interface HistoryLimits {
  maxErrors: number;
  maxHistory: number;
}

/**
 * @throws {InvalidTransitionError} when the state machine does not allow `job.status` → `to`, or
 *   when `from` is given and does not list `job.status` (two transitions can share a target:
 *   a manual retry and a shutdown's release both lead to `queued`, from different statuses).
 */
export function checkTransition(job: Pick<Job, 'id' | 'status'>, to: JobStatus, hint?: string, from?: readonly JobStatus[]): void {
  if (!canTransition(job.status, to) || (from !== undefined && !from.includes(job.status))) {
    throw new InvalidTransitionError(job.id, job.status, to, hint ?? (isTerminal(job.status) ? 'The job already finished.' : undefined));
  }
}

/** queued | retrying → running: attempt + 1, under a lease of `owner` until `now + leaseMs`. */
export function startTransition(current: Job, owner: string, leaseMs: number, now: number): JobPatch {
  checkTransition(current, 'running');
  return {
    status: 'running',
    attempt: current.attempt + 1,
    lease: { owner, expiresAt: new Date(now + leaseMs) },
    startedAt: new Date(now),
    updatedAt: new Date(now),
  };
}

/** running → completed. `job` is the attempt's own snapshot (its errors move to the history). */
export function completeTransition(job: Job, result: unknown, at: Date, maxErrors: number): JobPatch {
  checkTransition(job, 'completed');
  return {
    status: 'completed',
    progress: 1,
    result,
    error: null,
    errors: appendBounded(job.errors, job.error, maxErrors),
    lease: null,
    finishedAt: at,
    updatedAt: at,
  };
}

/** running → skipped ("finished, nothing to do"). */
export function skipTransition(job: Job, at: Date): JobPatch {
  checkTransition(job, 'skipped');
  return { status: 'skipped', lease: null, finishedAt: at, updatedAt: at };
}

/**
 * running → retrying (after the backoff, while attempts remain and the error is retryable) or
 * failed. See `decideFailure` for the rule.
 */
export function failTransition(...args: Parameters<typeof decideFailure>): FailureDecision {
  // A job that may not fail may not retry either (both leave only `running`).
  checkTransition(args[0], 'failed');
  return decideFailure(...args);
}

/** queued | retrying | running → cancelled. */
export function cancelTransition(current: Job, at: Date): JobPatch {
  checkTransition(current, 'cancelled');
  return { status: 'cancelled', lease: null, finishedAt: at, updatedAt: at };
}

/**
 * failed | cancelled → queued with a fresh set of attempts, as many as its last run was given.
 * Attempts keep their numbers, and the last attempt and the retry itself go to `job.history`.
 */
export function retryTransition(current: Job, at: Date, limits: HistoryLimits): JobPatch {
  checkTransition(current, 'queued', 'Only failed or cancelled jobs can be retried.', RETRY_FROM);
  return {
    status: 'queued',
    maxAttempts: current.attempt + runBudget(current),
    runAt: at,
    lease: null,
    ...freshAttemptFields(),
    result: null,
    note: null,
    error: null,
    errors: appendBounded(current.errors, current.error, limits.maxErrors),
    history: retriedHistory(current, at, limits.maxHistory),
    startedAt: null,
    finishedAt: null,
    updatedAt: at,
  };
}

/**
 * running → queued without counting the attempt (a worker's shutdown): one more attempt is
 * allowed, and the next one gets a new number.
 */
export function releaseTransition(job: Job, at: Date, maxHistory: number): JobPatch {
  checkTransition(job, 'queued', 'Only a running job can be handed back.', RELEASE_FROM);
  return {
    status: 'queued',
    maxAttempts: job.maxAttempts + 1,
    lease: null,
    runAt: at,
    history: appendHistory(job.history, attemptEntry(job, 'released', at, null), maxHistory),
    ...freshAttemptFields(),
    updatedAt: at,
  };
}

/**
 * running (lease expired) → retrying while attempts remain, else failed with code
 * `lease_expired`. Lease expiry is always retryable: the worker died, the work did not fail.
 */
export function recoverTransition(job: Job, backoff: BackoffPolicy, now: number, options: FailureOptions): FailureDecision {
  const owner = job.lease?.owner ?? null;
  const at = new Date(now);
  const leaseError = toJobError(
    Object.assign(
      new Error(
        `The lease held by ${owner ?? 'an unknown worker'} expired at ${job.lease?.expiresAt.toISOString() ?? 'an unknown time'}; the worker likely crashed or stalled.`,
      ),
      { name: 'LeaseExpiredError', code: 'lease_expired' },
    ),
    job.attempt,
    at,
    true,
    false,
  );
  return failTransition(job, leaseError, { retryable: true, reason: 'lease_expired' }, backoff, now, {
    ...options,
    keepStacks: false,
    errorRecord: leaseError,
    outcome: 'lease_expired',
  });
}

/**
 * cancelled → cancelled: what an attempt ended as when the cancel landed while its outcome was
 * being written (the handler had finished; the cancel won the compare-and-set). The record keeps
 * it instead of losing it: the attempt goes to `history` with its own outcome and error, a
 * completion's `result` is kept, and the note says what happened. The status stays `cancelled`
 * (the user asked for it; a manual retry runs the job again, and records the attempt only once).
 *
 * @param outcome the patch the attempt would have written (its `result` and `error`).
 */
export function lateOutcomeTransition(
  current: Job,
  attempt: Job,
  ended: 'completed' | 'skipped' | 'failed',
  outcome: Pick<JobPatch, 'result' | 'error' | 'note'>,
  at: Date,
  maxHistory: number,
): JobPatch {
  if (current.status !== 'cancelled') {
    throw new InvalidTransitionError(current.id, current.status, 'cancelled', 'Only a cancelled job keeps a late outcome.');
  }
  const entry = attemptEntry(attempt, ended, at, ended === 'failed' ? (outcome.error ?? null) : null);
  const kept = ended === 'completed' ? ' (its result is kept)' : '';
  return {
    history: appendHistory(current.history, entry, maxHistory),
    ...(ended === 'completed' ? { result: outcome.result ?? null } : {}),
    // The attempt's own note (`ctx.note`, `ctx.skip(why)`) first, as its outcome would have had it.
    note: withWarning(outcome.note ?? current.note, `jobtrail: attempt ${attempt.attempt} ${ended} after the job was cancelled${kept}.`),
    updatedAt: at,
  };
}

/** Only the lease changes (a heartbeat of a running job that has none): running → running. */
export function leaseTransition(current: Job, owner: string, expiresAt: Date, now: number): JobPatch {
  if (current.status !== 'running') {
    throw new InvalidTransitionError(current.id, current.status, 'running', 'Only a running job has a lease to renew.');
  }
  return { lease: { owner, expiresAt }, updatedAt: new Date(now) };
}

/**
 * queued | retrying → running again at the same attempt: a database crash undid this attempt's
 * claim (see {@link lostClaim}) while its handler still runs in this process.
 */
export function retakeTransition(attempt: Job, owner: string, expiresAt: Date, now: number): JobPatch {
  for (const status of UNDONE_CLAIM_STATUSES) checkTransition({ id: attempt.id, status }, 'running');
  return {
    status: 'running',
    attempt: attempt.attempt,
    lease: { owner, expiresAt },
    startedAt: attempt.startedAt,
    updatedAt: new Date(now),
  };
}

/** What a job whose claim was undone can be: what it was when it was claimed. */
const UNDONE_CLAIM_STATUSES = ['queued', 'retrying'] as const;

/**
 * The store shows the job as it was before this attempt's claim (unleased, one attempt back): the
 * claim was undone by a database crash. Attempt numbers only grow, so no other change (a cancel,
 * a recovery, a manual retry) leaves a job in this shape.
 */
export function lostClaim(current: Job, attempt: Job): boolean {
  return current.lease === null && (current.status === 'queued' || current.status === 'retrying') && current.attempt === attempt.attempt - 1;
}

/** The expectation that matches exactly the {@link lostClaim} shape, for a compare-and-set on it. */
export function claimUndone(attempt: Job): Expectation {
  return { status: [...UNDONE_CLAIM_STATUSES], attempt: attempt.attempt - 1, leaseOwner: null };
}

/** The fence of a write by the attempt `job` of `owner`: it lands only while that attempt runs. */
export function runningAttempt(job: Pick<Job, 'attempt'>, owner: string | null): Expectation {
  return { status: 'running', leaseOwner: owner, attempt: job.attempt };
}

/**
 * The history of a job queued again by hand: its last attempt (until now the job's own fields)
 * becomes an entry, followed by the retry itself.
 */
function retriedHistory(current: Job, at: Date, maxHistory: number) {
  let history = current.history ?? [];
  // An attempt already in the history (its outcome landed after a cancel) is not recorded twice.
  const recorded = history.some((entry) => entry.kind === 'attempt' && entry.attempt === current.attempt);
  if (current.startedAt !== null && current.attempt > 0 && !recorded) {
    const outcome = current.status === 'cancelled' ? 'cancelled' : current.error?.code === 'lease_expired' ? 'lease_expired' : 'failed';
    history = appendHistory(history, attemptEntry(current, outcome, current.finishedAt ?? at, current.error), maxHistory);
  }
  return appendHistory(history, { kind: 'retry', at, afterAttempt: current.attempt }, maxHistory);
}
