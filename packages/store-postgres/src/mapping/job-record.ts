import { JobValidationError, type Job } from '@jobtrail/core';
import { isUuid, refusePartialJob } from '@jobtrail/core/store';
import {
  MAX_INDEXED_TEXT_BYTES,
  optionalDate,
  optionalFinite,
  optionalJobError,
  optionalText,
  optionalUuid,
  requireDate,
  requireFinite,
  requireInt,
  requireHistory,
  requireJobErrors,
  requireMetrics,
  requirePlainObject,
  requireStatus,
  requireText,
} from '../validation/checks.js';
import type { JobColumn } from './job-columns.js';

/**
 * A job on its way into the table: column names as keys, JSON-ready values (Dates serialise to
 * ISO strings). Inserts send an array of these as one jsonb parameter and unpack it with
 * `jsonb_to_recordset`, so one statement inserts any number of jobs.
 */
export type JobRecord = Record<JobColumn, unknown>;

/** Validates a job for PostgreSQL and converts it; throws `JobValidationError` naming the field. */
export function toJobRecord(job: Job): JobRecord {
  if (job === null || typeof job !== 'object') throw new JobValidationError('job', 'must be a job record.');
  if (!isUuid(job.id)) throw new JobValidationError('id', `must be a lowercase UUID (use uuidv7()); got ${String(job.id)}.`);
  refusePartialJob(job);
  const lease = job.lease ?? null;
  if (lease !== null) {
    requirePlainObject('lease', lease);
    requireText('lease.owner', lease.owner, MAX_INDEXED_TEXT_BYTES);
    requireDate('lease.expiresAt', lease.expiresAt);
  }
  return {
    id: job.id,
    type: requireText('type', job.type, MAX_INDEXED_TEXT_BYTES),
    key: optionalText('key', job.key, MAX_INDEXED_TEXT_BYTES),
    parent_id: optionalUuid('parentId', job.parentId),
    tenant_id: optionalText('tenantId', job.tenantId, MAX_INDEXED_TEXT_BYTES),
    owner_id: optionalText('ownerId', job.ownerId, MAX_INDEXED_TEXT_BYTES),
    status: requireStatus('status', job.status),
    attempt: requireInt('attempt', job.attempt, 0),
    max_attempts: requireInt('maxAttempts', job.maxAttempts, 0),
    priority: requireInt('priority', job.priority),
    run_at: requireDate('runAt', job.runAt),
    lease_owner: lease === null ? null : lease.owner,
    lease_expires_at: lease === null ? null : lease.expiresAt,
    progress: requireFinite('progress', job.progress),
    stage: optionalText('stage', job.stage),
    current: optionalFinite('current', job.current),
    total: optionalFinite('total', job.total),
    payload: job.payload === undefined ? null : job.payload,
    result: job.result === undefined ? null : job.result,
    metadata: job.metadata == null ? {} : requirePlainObject('metadata', job.metadata),
    metrics: job.metrics == null ? {} : requireMetrics('metrics', job.metrics),
    note: optionalText('note', job.note),
    error: optionalJobError('error', job.error),
    errors: job.errors == null ? [] : requireJobErrors('errors', job.errors),
    history: job.history == null ? [] : requireHistory('history', job.history),
    created_at: requireDate('createdAt', job.createdAt),
    started_at: optionalDate('startedAt', job.startedAt),
    finished_at: optionalDate('finishedAt', job.finishedAt),
    updated_at: requireDate('updatedAt', job.updatedAt),
    trace: optionalText('trace', job.trace),
  };
}

/**
 * JSON text of a value bound for a jsonb column or parameter. JSON.stringify fails on BigInt and
 * cycles: say which field, instead of a TypeError from deep inside.
 */
export function toJsonText(field: string, value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new JobValidationError(field, `must be JSON-serialisable (${error instanceof Error ? error.message : String(error)}).`);
  }
}

/** Like `toJsonText` for a batch of records; on failure, finds the record and field at fault. */
export function recordsToJson(records: readonly JobRecord[]): string {
  try {
    return JSON.stringify(records);
  } catch {
    for (const record of records) {
      for (const field of ['payload', 'result', 'metadata', 'metrics', 'error', 'errors', 'history'] as const) {
        toJsonText(field, record[field]);
      }
    }
    return toJsonText('job', records);
  }
}
