import { JobValidationError, type Job } from '@jobtrail/core';
import { indexedText, optionalUuid, requireInt, toHistoryRecords } from '../validation/checks.js';
import type { JobColumn } from './job-columns.js';

/**
 * A job on its way into the table: column names as keys, JSON-ready values (Dates serialise to
 * ISO strings). Inserts send an array of these as one jsonb parameter and unpack it with
 * `jsonb_to_recordset`, so one statement inserts any number of jobs.
 */
export type JobRecord = Record<JobColumn, unknown>;

/**
 * Converts a job (checked by core's `guardStore`) for PostgreSQL; throws `JobValidationError`
 * naming the field for what the table cannot hold (see `validation/checks.ts`).
 */
export function toJobRecord(job: Job): JobRecord {
  const lease = job.lease ?? null;
  return {
    id: job.id,
    type: indexedText('type', job.type),
    key: indexedText('key', job.key),
    parent_id: optionalUuid('parentId', job.parentId),
    tenant_id: indexedText('tenantId', job.tenantId),
    owner_id: indexedText('ownerId', job.ownerId),
    group_name: indexedText('group', job.group),
    schedule_name: job.scheduleName ?? null,
    scheduled_for: job.scheduledFor ?? null,
    status: job.status,
    attempt: requireInt('attempt', job.attempt, 0),
    max_attempts: requireInt('maxAttempts', job.maxAttempts, 0),
    priority: requireInt('priority', job.priority),
    run_at: job.runAt,
    lease_owner: lease === null ? null : indexedText('lease.owner', lease.owner),
    lease_expires_at: lease === null ? null : lease.expiresAt,
    progress: job.progress,
    stage: job.stage ?? null,
    current: job.current ?? null,
    total: job.total ?? null,
    payload: job.payload === undefined ? null : job.payload,
    result: job.result === undefined ? null : job.result,
    metadata: job.metadata ?? {},
    metrics: job.metrics ?? {},
    note: job.note ?? null,
    error: job.error ?? null,
    errors: job.errors ?? [],
    history: job.history == null ? [] : toHistoryRecords('history', job.history),
    created_at: job.createdAt,
    started_at: job.startedAt ?? null,
    finished_at: job.finishedAt ?? null,
    updated_at: job.updatedAt,
    trace: job.trace ?? null,
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
