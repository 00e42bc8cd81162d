import { isTerminal, type Job } from '@jobtrail/core';
import type { Expectation, JobPatch } from '@jobtrail/core/store';
import { indexedText, requireInt, toHistoryRecords } from '../validation/checks.js';

/** One compare-and-set as the transition statement takes it (one element of its jsonb array). */
export interface TransitionInput {
  id: string;
  /** Only the conditions the caller set; keys mirror `Expectation`. */
  expect: Record<string, unknown>;
  /** Only the columns the patch writes, by column name. */
  set: Record<string, unknown>;
}

/**
 * An expectation and a patch (checked by core's `guardStore`) as the statement takes them; throws
 * `JobValidationError` naming the field for what the table cannot hold.
 */
export function toTransitionInput(id: string, expected: Expectation, patch: JobPatch): TransitionInput {
  const expect: Record<string, unknown> = {};
  if (expected.status !== undefined) expect['status'] = typeof expected.status === 'string' ? [expected.status] : [...expected.status];
  if (expected.leaseOwner !== undefined) expect['leaseOwner'] = expected.leaseOwner;
  if (expected.attempt !== undefined) expect['attempt'] = requireInt('expected.attempt', expected.attempt);
  if (expected.leaseExpiresBefore !== undefined) expect['leaseExpiresBefore'] = expected.leaseExpiresBefore;

  const set: Record<string, unknown> = { updated_at: patch.updatedAt };
  if (patch.status !== undefined) set['status'] = patch.status;
  if (patch.attempt !== undefined) set['attempt'] = requireInt('attempt', patch.attempt, 0);
  if (patch.maxAttempts !== undefined) set['max_attempts'] = requireInt('maxAttempts', patch.maxAttempts, 0);
  if (patch.runAt !== undefined) set['run_at'] = patch.runAt;
  if (patch.lease !== undefined) {
    set['lease_owner'] = patch.lease === null ? null : indexedText('lease.owner', patch.lease.owner);
    set['lease_expires_at'] = patch.lease === null ? null : patch.lease.expiresAt;
  }
  if (patch.progress !== undefined) set['progress'] = patch.progress;
  if (patch.stage !== undefined) set['stage'] = patch.stage ?? null;
  if (patch.current !== undefined) set['current'] = patch.current ?? null;
  if (patch.total !== undefined) set['total'] = patch.total ?? null;
  if (patch.result !== undefined) set['result'] = patch.result;
  if (patch.note !== undefined) set['note'] = patch.note ?? null;
  if (patch.error !== undefined) set['error'] = patch.error ?? null;
  if (patch.errors !== undefined) set['errors'] = patch.errors;
  if (patch.history !== undefined) set['history'] = toHistoryRecords('history', patch.history);
  if (patch.metrics !== undefined) set['metrics'] = patch.metrics;
  if (patch.startedAt !== undefined) set['started_at'] = patch.startedAt ?? null;
  if (patch.finishedAt !== undefined) set['finished_at'] = patch.finishedAt ?? null;
  return { id, expect, set };
}

/** The statement's expectation check, in JavaScript: tells a lost race from a refused retry. */
export function matchesExpectation(job: Job, expect: Record<string, unknown>): boolean {
  const statuses = expect['status'] as string[] | undefined;
  if (statuses !== undefined && !statuses.includes(job.status)) return false;
  if ('leaseOwner' in expect && (job.lease?.owner ?? null) !== expect['leaseOwner']) return false;
  if ('attempt' in expect && job.attempt !== expect['attempt']) return false;
  if ('leaseExpiresBefore' in expect) {
    const before = (expect['leaseExpiresBefore'] as Date).getTime();
    if (job.lease === null || !(job.lease.expiresAt.getTime() < before)) return false;
  }
  return true;
}

/** Would this transition give a finished job with a key an unfinished status again? */
export function reactivatesKey(job: Job, input: TransitionInput): boolean {
  const next = (input.set['status'] as Job['status'] | undefined) ?? job.status;
  return job.key !== null && isTerminal(job.status) && !isTerminal(next);
}
