import { describe, expect, it } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { InvalidTransitionError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import { JOB_STATUSES, type JobStatus } from '../model/job-status.js';
import { makeJob } from '../testing/make-job.js';
import {
  cancelTransition,
  claimUndone,
  completeTransition,
  failTransition,
  lateOutcomeTransition,
  leaseTransition,
  lostClaim,
  recoverTransition,
  releaseTransition,
  retakeTransition,
  retryTransition,
  skipTransition,
  startTransition,
} from './lifecycle-transitions.js';

const at = new Date(Date.UTC(2031, 0, 2, 3, 4, 5));
const now = at.getTime();
const limits = { maxErrors: 20, maxHistory: 50 };
const failureOptions = { maxErrors: 20, keepStacks: false, maxHistory: 50, maxRetryAfterMs: 3_600_000 };
const fixed = backoff.fixed(1000);

function jobIn(status: JobStatus, overrides: Partial<Job> = {}): Job {
  const running = status === 'running';
  return makeJob({
    status,
    attempt: status === 'queued' ? 0 : 1,
    startedAt: status === 'queued' ? null : at,
    lease: running ? { owner: 'w1', expiresAt: new Date(now + 60_000) } : null,
    ...overrides,
  });
}

/**
 * Each builder against every status, written out independently of the state machine's table:
 * the statuses each one may start from (docs/design.md, "Statuses").
 */
const BUILDERS: ReadonlyArray<[name: string, from: readonly JobStatus[], build: (job: Job) => unknown]> = [
  ['start', ['queued', 'retrying'], (job) => startTransition(job, 'w1', 30_000, now)],
  ['complete', ['running'], (job) => completeTransition(job, { ok: true }, at, 20)],
  ['skip', ['running'], (job) => skipTransition(job, at)],
  ['fail', ['running'], (job) => failTransition(job, new Error('boom'), { retryable: true, reason: 'unknown' }, fixed, now, failureOptions)],
  ['cancel', ['queued', 'retrying', 'running'], (job) => cancelTransition(job, at)],
  ['retry', ['failed', 'cancelled'], (job) => retryTransition(job, at, limits)],
  ['release', ['running'], (job) => releaseTransition(job, at, 50)],
  ['recover', ['running'], (job) => recoverTransition(job, fixed, now, failureOptions)],
  ['lease', ['running'], (job) => leaseTransition(job, 'w1', new Date(now + 1000), now)],
  ['late outcome', ['cancelled'], (job) => lateOutcomeTransition(job, job, 'completed', { result: 1 }, at, 50)],
];

describe('lifecycle transitions', () => {
  for (const [name, from, build] of BUILDERS) {
    for (const status of JOB_STATUSES) {
      const allowed = from.includes(status);
      it(`${name} from ${status}: ${allowed ? 'builds a patch' : 'refuses with InvalidTransitionError'}`, () => {
        const job = jobIn(status);
        if (allowed) {
          expect(() => build(job)).not.toThrow();
        } else {
          expect(() => build(job)).toThrow(InvalidTransitionError);
        }
      });
    }
  }

  it('start takes the next attempt under a lease, from the given time', () => {
    const patch = startTransition(jobIn('retrying', { attempt: 2 }), 'w9', 30_000, now);
    expect(patch).toEqual({
      status: 'running',
      attempt: 3,
      lease: { owner: 'w9', expiresAt: new Date(now + 30_000) },
      startedAt: at,
      updatedAt: at,
    });
  });

  it('complete clears the error and keeps it among earlier errors, bounded', () => {
    const error = { message: 'earlier', code: null, name: null, retryable: true, attempt: 1, at };
    const patch = completeTransition(jobIn('running', { error, errors: [error, error] }), 42, at, 2);
    expect(patch).toMatchObject({ status: 'completed', progress: 1, result: 42, error: null, lease: null, finishedAt: at });
    expect(patch.errors).toHaveLength(2);
  });

  it('fail retries while attempts remain and the error is retryable, else fails', () => {
    const retried = failTransition(jobIn('running', { attempt: 1, maxAttempts: 3 }), new Error('x'), { retryable: true, reason: 'unknown' }, fixed, now, failureOptions);
    expect(retried.status).toBe('retrying');
    expect(retried.patch.runAt).toEqual(new Date(now + 1000));
    const failed = failTransition(jobIn('running', { attempt: 3, maxAttempts: 3 }), new Error('x'), { retryable: true, reason: 'unknown' }, fixed, now, failureOptions);
    expect(failed.status).toBe('failed');
    const fatal = failTransition(jobIn('running', { attempt: 1, maxAttempts: 3 }), new Error('x'), { retryable: false, reason: 'fatal_error' }, fixed, now, failureOptions);
    expect(fatal.status).toBe('failed');
  });

  it('release gives the attempt back: one more allowed, recorded as released', () => {
    const patch = releaseTransition(jobIn('running', { attempt: 2, maxAttempts: 3 }), at, 50);
    expect(patch).toMatchObject({ status: 'queued', maxAttempts: 4, lease: null, runAt: at });
    expect(patch.history?.at(-1)).toMatchObject({ kind: 'attempt', attempt: 2, outcome: 'released' });
  });

  it('recover records a lease_expired error that names the owner', () => {
    const decision = recoverTransition(jobIn('running', { attempt: 1, maxAttempts: 1 }), fixed, now, failureOptions);
    expect(decision.status).toBe('failed');
    expect(decision.patch.error).toMatchObject({ code: 'lease_expired', retryable: true });
    expect(decision.patch.error?.message).toContain('w1');
  });

  it('retry gives a fresh set of attempts and records the retry after the last attempt', () => {
    const patch = retryTransition(jobIn('failed', { attempt: 3, maxAttempts: 3, finishedAt: at }), at, limits);
    expect(patch).toMatchObject({ status: 'queued', maxAttempts: 6, result: null, error: null, startedAt: null, finishedAt: null });
    expect(patch.history?.map((entry) => entry.kind)).toEqual(['attempt', 'retry']);
  });

  it('an undone claim is recognised only in the exact shape a crash leaves, and retaken at the same attempt', () => {
    const attempt = jobIn('running', { attempt: 2 });
    expect(lostClaim({ ...attempt, status: 'retrying', attempt: 1, lease: null }, attempt)).toBe(true);
    expect(lostClaim({ ...attempt, status: 'retrying', attempt: 2, lease: null }, attempt)).toBe(false);
    expect(lostClaim({ ...attempt, status: 'cancelled', attempt: 1, lease: null }, attempt)).toBe(false);
    expect(claimUndone(attempt)).toEqual({ status: ['queued', 'retrying'], attempt: 1, leaseOwner: null });
    expect(retakeTransition(attempt, 'w2', new Date(now + 5000), now)).toMatchObject({
      status: 'running',
      attempt: 2,
      lease: { owner: 'w2', expiresAt: new Date(now + 5000) },
      startedAt: attempt.startedAt,
    });
  });

  it('a late outcome keeps the attempt, a completion its result, and says so in the note; a retry records the attempt once', () => {
    const cancelled = jobIn('cancelled', { attempt: 2, note: 'by hand' });
    const patch = lateOutcomeTransition(cancelled, jobIn('running', { attempt: 2 }), 'completed', { result: { rows: 3 } }, at, 50);
    expect(patch.status).toBeUndefined();
    expect(patch.result).toEqual({ rows: 3 });
    expect(patch.history).toEqual([expect.objectContaining({ kind: 'attempt', attempt: 2, outcome: 'completed', error: null })]);
    expect(patch.note).toBe('by hand\njobtrail: attempt 2 completed after the job was cancelled (its result is kept).');
    const error = { message: 'boom', code: null, name: null, retryable: true, attempt: 2, at };
    const failed = lateOutcomeTransition(cancelled, jobIn('running', { attempt: 2 }), 'failed', { error }, at, 50);
    expect(failed.result).toBeUndefined();
    expect(failed.history?.[0]).toMatchObject({ outcome: 'failed', error });
    const retried = retryTransition({ ...cancelled, history: patch.history ?? [] }, at, limits);
    expect(retried.history?.map((entry) => entry.kind)).toEqual(['attempt', 'retry']);
  });
});
