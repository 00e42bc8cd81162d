import type { Job, JobError, JobHistoryEntry, JobStatus } from '@jobtrail/core';
import { isFullRead, markUnread, type ReadPlan } from '@jobtrail/core/store';

/**
 * A job row as node-postgres hands it over. It never leaves this package: `toJob` is the one way
 * from rows to core's `Job`.
 */
export interface JobRow {
  id: string;
  type: string;
  key: string | null;
  parent_id: string | null;
  tenant_id: string | null;
  owner_id: string | null;
  group_name: string | null;
  schedule_name: string | null;
  scheduled_for: Date | string | null;
  status: JobStatus;
  attempt: number;
  max_attempts: number;
  priority: number;
  run_at: Date | string;
  lease_owner: string | null;
  lease_expires_at: Date | string | null;
  progress: number;
  stage: string | null;
  current: number | null;
  total: number | null;
  payload: unknown;
  result: unknown;
  metadata: Record<string, unknown> | null;
  metrics: Record<string, number> | null;
  note: string | null;
  error: StoredJobError | null;
  errors: StoredJobError[] | null;
  history: StoredHistoryEntry[] | null;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  updated_at: Date | string;
  trace: string | null;
}

/** A `JobError` as kept in jsonb: `at` is an ISO string. */
export type StoredJobError = Omit<JobError, 'at'> & { at: string };

/** A history entry as kept in jsonb: every time in it (also its error's `at`) is an ISO string. */
export type StoredHistoryEntry =
  | { kind: 'retry'; at: string; afterAttempt: number }
  | {
      kind: 'attempt';
      attempt: number;
      owner: string | null;
      startedAt: string | null;
      finishedAt: string;
      outcome: string;
      error: StoredJobError | null;
      progress: number;
      stage: string | null;
      metrics: Record<string, number>;
    };

/**
 * Times arrive as Dates with pg's default type parsers; accept strings and numbers too, in case
 * the application installed its own parser for timestamptz.
 */
function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

function toOptionalDate(value: Date | string | number | null | undefined): Date | null {
  return value == null ? null : toDate(value);
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function toOptionalNumber(value: unknown): number | null {
  return value == null ? null : toNumber(value);
}

function toJobError(stored: StoredJobError): JobError {
  return { ...stored, at: toDate(stored.at) };
}

/** Revives the times of a stored history entry, like `toJobError` does for errors. */
function toHistoryEntry(stored: StoredHistoryEntry): JobHistoryEntry {
  if (stored.kind === 'retry') return { ...stored, at: toDate(stored.at) };
  return {
    ...stored,
    outcome: stored.outcome as Extract<JobHistoryEntry, { kind: 'attempt' }>['outcome'],
    startedAt: toOptionalDate(stored.startedAt),
    finishedAt: toDate(stored.finishedAt),
    error: stored.error == null ? null : toJobError(stored.error),
  };
}

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    type: row.type,
    key: row.key,
    parentId: row.parent_id,
    tenantId: row.tenant_id,
    ownerId: row.owner_id,
    group: row.group_name ?? null,
    scheduleName: row.schedule_name ?? null,
    scheduledFor: toOptionalDate(row.scheduled_for),
    status: row.status,
    attempt: toNumber(row.attempt),
    maxAttempts: toNumber(row.max_attempts),
    priority: toNumber(row.priority),
    runAt: toDate(row.run_at),
    lease:
      row.lease_owner === null || row.lease_expires_at === null
        ? null
        : { owner: row.lease_owner, expiresAt: toDate(row.lease_expires_at) },
    progress: toNumber(row.progress),
    stage: row.stage,
    current: toOptionalNumber(row.current),
    total: toOptionalNumber(row.total),
    payload: row.payload ?? null,
    result: row.result ?? null,
    metadata: row.metadata ?? {},
    metrics: row.metrics ?? {},
    note: row.note,
    error: row.error === null ? null : toJobError(row.error),
    errors: (row.errors ?? []).map(toJobError),
    history: (row.history ?? []).map(toHistoryEntry),
    createdAt: toDate(row.created_at),
    startedAt: toOptionalDate(row.started_at),
    finishedAt: toOptionalDate(row.finished_at),
    updatedAt: toDate(row.updated_at),
    trace: row.trace,
  };
}

/** Sizes of capped fields, selected by reads under a plan (see `readColumns`). */
export interface MeasuredRow extends Partial<JobRow> {
  /** bigint: node-postgres hands it over as a string unless the application parses int8. */
  payload_bytes?: number | string | null;
  result_bytes?: number | string | null;
  metadata_bytes?: number | string | null;
}

/** A row read under `plan`: left-out fields undefined and listed in `job.unread`. */
export function toJobRead(row: JobRow & MeasuredRow, plan: ReadPlan): Job {
  if (isFullRead(plan)) return toJob(row);
  return markUnread(toJob(row), plan, {
    payload: toOptionalNumber(row.payload_bytes),
    result: toOptionalNumber(row.result_bytes),
    metadata: toOptionalNumber(row.metadata_bytes),
  });
}

/** Claim order: priority desc, runAt asc, id asc. */
export function compareClaimOrder(a: Job, b: Job): number {
  return (
    b.priority - a.priority ||
    a.runAt.getTime() - b.runAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
