import { JobValidationError, isTerminal, type Job } from '@jobtrail/core';
import type { Expectation, JobPatch } from '@jobtrail/core/store';
import {
  MAX_INDEXED_TEXT_BYTES,
  optionalDate,
  optionalFinite,
  optionalJobError,
  optionalText,
  requireDate,
  requireFinite,
  requireHistory,
  requireInt,
  requireJobErrors,
  requireMetrics,
  requirePlainObject,
  requireStatus,
  requireText,
} from '../validation/checks.js';

/** One compare-and-set as the transition statement takes it (one element of its jsonb array). */
export interface TransitionInput {
  id: string;
  /** Only the conditions the caller set; keys mirror `Expectation`. */
  expect: Record<string, unknown>;
  /** Only the columns the patch writes, by column name. */
  set: Record<string, unknown>;
}

/** Validates an expectation and a patch; throws `JobValidationError` naming the field. */
export function toTransitionInput(id: string, expected: Expectation, patch: JobPatch): TransitionInput {
  requirePlainObject('expected', expected);
  requirePlainObject('patch', patch);
  const expect: Record<string, unknown> = {};
  if (expected.status !== undefined) {
    const list = typeof expected.status === 'string' ? [expected.status] : expected.status;
    if (!Array.isArray(list)) throw new JobValidationError('expected.status', 'must be a status or a list of statuses.');
    expect['status'] = list.map((status, index) => requireStatus(`expected.status[${index}]`, status));
  }
  if (expected.leaseOwner !== undefined) expect['leaseOwner'] = optionalText('expected.leaseOwner', expected.leaseOwner);
  if (expected.attempt !== undefined) expect['attempt'] = requireInt('expected.attempt', expected.attempt);
  if (expected.leaseExpiresBefore !== undefined) {
    expect['leaseExpiresBefore'] = requireDate('expected.leaseExpiresBefore', expected.leaseExpiresBefore);
  }

  const set: Record<string, unknown> = { updated_at: requireDate('updatedAt', patch.updatedAt) };
  if (patch.status !== undefined) set['status'] = requireStatus('status', patch.status);
  if (patch.attempt !== undefined) set['attempt'] = requireInt('attempt', patch.attempt, 0);
  if (patch.maxAttempts !== undefined) set['max_attempts'] = requireInt('maxAttempts', patch.maxAttempts, 0);
  if (patch.runAt !== undefined) set['run_at'] = requireDate('runAt', patch.runAt);
  if (patch.lease !== undefined) {
    if (patch.lease === null) {
      set['lease_owner'] = null;
      set['lease_expires_at'] = null;
    } else {
      requirePlainObject('lease', patch.lease);
      set['lease_owner'] = requireText('lease.owner', patch.lease.owner, MAX_INDEXED_TEXT_BYTES);
      set['lease_expires_at'] = requireDate('lease.expiresAt', patch.lease.expiresAt);
    }
  }
  if (patch.progress !== undefined) set['progress'] = requireFinite('progress', patch.progress);
  if (patch.stage !== undefined) set['stage'] = optionalText('stage', patch.stage);
  if (patch.current !== undefined) set['current'] = optionalFinite('current', patch.current);
  if (patch.total !== undefined) set['total'] = optionalFinite('total', patch.total);
  if (patch.result !== undefined) set['result'] = patch.result;
  if (patch.note !== undefined) set['note'] = optionalText('note', patch.note);
  if (patch.error !== undefined) set['error'] = optionalJobError('error', patch.error);
  if (patch.errors !== undefined) set['errors'] = requireJobErrors('errors', patch.errors);
  if (patch.history !== undefined) set['history'] = requireHistory('history', patch.history);
  if (patch.metrics !== undefined) set['metrics'] = requireMetrics('metrics', patch.metrics);
  if (patch.startedAt !== undefined) set['started_at'] = optionalDate('startedAt', patch.startedAt);
  if (patch.finishedAt !== undefined) set['finished_at'] = optionalDate('finishedAt', patch.finishedAt);
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
