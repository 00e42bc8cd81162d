import { JobValidationError, type Job } from '@jobtrail/core';
import { indexedText, optionalUuid, requireInt, toHistoryRecords } from '../validation/checks.js';
import { isoTimes, plainArrayLiteral, quotedArrayLiteral } from '../connection/array-literal.js';
import { JOB_COLUMN_TYPES, NEW_JOB_COLUMNS, type JobColumn, type JsonColumn } from './job-columns.js';
import { toJob, type JobRow } from './job-row.js';

/**
 * A job on its way into the table: column names as keys, JSON-ready values (Dates serialise to
 * ISO strings). Inserts send the records column by column, one typed array per column (see
 * `toColumnArrays`), so one statement inserts any number of jobs.
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
    history: job.history == null || job.history.length === 0 ? NO_HISTORY : toHistoryRecords('history', job.history),
    created_at: job.createdAt,
    started_at: job.startedAt ?? null,
    finished_at: job.finishedAt ?? null,
    updated_at: job.updatedAt,
    trace: job.trace ?? null,
  };
}

/** The history of every new job, shared: records are only read (encoded, or copied into answers). */
const NO_HISTORY: readonly never[] = Object.freeze([]);

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

/**
 * Whether every column outside `NEW_JOB_COLUMNS` holds its default (no lease, progress 0, no
 * result, error, history, metrics or times of a run): true for every job core drafts, so such a
 * batch can be inserted with the short column list and the defaults fill in the rest.
 */
export function isNewJobRecord(record: JobRecord): boolean {
  return (
    record.lease_owner === null &&
    record.lease_expires_at === null &&
    record.progress === 0 &&
    record.stage === null &&
    record.current === null &&
    record.total === null &&
    record.result === null &&
    isEmptyObject(record.metrics) &&
    record.note === null &&
    record.error === null &&
    isEmptyArray(record.errors) &&
    isEmptyArray(record.history) &&
    record.started_at === null &&
    record.finished_at === null
  );
}

function isEmptyObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Object.keys(value).length === 0;
}

function isEmptyArray(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

/** Records as insert parameters: one per column, and the rows they store once inserted. */
export interface ColumnArrays {
  /**
   * In the order of `columns`: an array literal per column (see `connection/array-literal.ts`),
   * a JSON array per jsonb column; for one record, its values themselves (JSON as text).
   */
  params: Array<string | number | null>;
  /**
   * The job record `index` is once inserted, as `toJob` reads it back: fresh objects, JSON values
   * parsed back from the text sent (so normalised as PostgreSQL returns them: no undefined, Dates
   * inside JSON as strings).
   */
  storedJob(index: number): Job;
}

/**
 * Turns records into per-column parameters for the given columns. JSON values that cannot be
 * serialised (BigInt, cycles) throw `JobValidationError` naming the field.
 */
export function toColumnArrays(records: readonly JobRecord[], columns: readonly JobColumn[]): ColumnArrays {
  const count = records.length;
  const iso = isoTimes();
  const json = new Map<JsonColumn, string>();
  // Each time as sent, so an answer built later (see `storedJob`) holds these instants even if
  // the caller changes its Dates in between; absent for a column of NULLs only.
  const times = new Map<JobColumn, ReadonlyArray<number | null>>();
  const params = columns.map((column): string | number | null => {
    const type = JOB_COLUMN_TYPES[column];
    if (type === 'jsonb') {
      const text = jsonArray(records, column as JsonColumn);
      json.set(column as JsonColumn, text);
      if (count > 1) return text;
      // One job: its value alone (`[v]` is `[` + the text of v + `]`), SQL NULL for null.
      return records[0]![column] === null ? null : text.slice(1, -1);
    }
    if (count === 1) {
      const value = READ[column](records[0]!) as string | number | null;
      if (type !== 'timestamptz') return value;
      if (value !== null) times.set(column, [timeOf(value)]);
      return iso(value);
    }
    switch (type) {
      case 'text': {
        const values = records.map(READ[column]) as Array<string | null>;
        return allNull(values) ? '{}' : quotedArrayLiteral(count, (index) => values[index]);
      }
      case 'timestamptz': {
        const values = records.map(READ[column]);
        if (allNull(values)) return '{}';
        times.set(column, values.map(timeOf));
        return plainArrayLiteral(count, (index) => iso(values[index]));
      }
      default: {
        const values = records.map(READ[column]) as Array<string | number | null>;
        return allNull(values) ? '{}' : plainArrayLiteral(count, (index) => values[index]);
      }
    }
  });
  // Parsed back on first use, whole: one JSON.parse per column rather than one per job.
  const parsed = new Map<JsonColumn, unknown[]>();
  const stored = (column: JsonColumn, index: number): unknown => {
    const text = json.get(column);
    // A column not sent holds its default (see `isNewJobRecord`): a fresh one of those.
    if (text === undefined) return defaultOf(records[index]![column]);
    let values = parsed.get(column);
    if (values === undefined) {
      values = JSON.parse(text) as unknown[];
      parsed.set(column, values);
    }
    return values[index] ?? null;
  };
  const at = (column: JobColumn, index: number): Date | null => {
    const ms = times.get(column)?.[index];
    return ms == null ? null : new Date(ms);
  };
  const storedRow = (index: number): JobRow => {
    const r = records[index]!;
    return {
      id: r.id as string,
      type: r.type as string,
      key: r.key as string | null,
      parent_id: r.parent_id as string | null,
      tenant_id: r.tenant_id as string | null,
      owner_id: r.owner_id as string | null,
      group_name: r.group_name as string | null,
      schedule_name: r.schedule_name as string | null,
      scheduled_for: at('scheduled_for', index),
      status: r.status as JobRow['status'],
      attempt: number(r.attempt) as number,
      max_attempts: number(r.max_attempts) as number,
      priority: number(r.priority) as number,
      run_at: at('run_at', index) as Date,
      lease_owner: r.lease_owner as string | null,
      lease_expires_at: at('lease_expires_at', index),
      progress: number(r.progress) as number,
      stage: r.stage as string | null,
      current: number(r.current),
      total: number(r.total),
      payload: stored('payload', index),
      result: stored('result', index),
      metadata: stored('metadata', index) as JobRow['metadata'],
      metrics: stored('metrics', index) as JobRow['metrics'],
      note: r.note as string | null,
      error: stored('error', index) as JobRow['error'],
      errors: stored('errors', index) as JobRow['errors'],
      history: stored('history', index) as JobRow['history'],
      created_at: at('created_at', index) as Date,
      started_at: at('started_at', index),
      finished_at: at('finished_at', index),
      updated_at: at('updated_at', index) as Date,
      trace: r.trace as string | null,
    };
  };
  // New jobs (only `NEW_JOB_COLUMNS` sent) hold the defaults everywhere else: made here directly,
  // without the row in between.
  const onlyNewColumns = columns === NEW_JOB_COLUMNS;
  const storedNewJob = (index: number): Job => {
    const r = records[index]!;
    return {
      id: r.id as string,
      type: r.type as string,
      key: r.key as string | null,
      parentId: r.parent_id as string | null,
      tenantId: r.tenant_id as string | null,
      ownerId: r.owner_id as string | null,
      group: r.group_name as string | null,
      scheduleName: r.schedule_name as string | null,
      scheduledFor: at('scheduled_for', index),
      status: r.status as Job['status'],
      attempt: number(r.attempt) as number,
      maxAttempts: number(r.max_attempts) as number,
      priority: number(r.priority) as number,
      runAt: at('run_at', index) as Date,
      lease: null,
      progress: 0,
      stage: null,
      current: null,
      total: null,
      payload: stored('payload', index),
      result: null,
      metadata: (stored('metadata', index) ?? {}) as Job['metadata'],
      metrics: {},
      note: null,
      error: null,
      errors: [],
      history: [],
      createdAt: at('created_at', index) as Date,
      startedAt: null,
      finishedAt: null,
      updatedAt: at('updated_at', index) as Date,
      trace: r.trace as string | null,
    };
  };
  return {
    params,
    storedJob: (index) => (onlyNewColumns ? storedNewJob(index) : toJob(storedRow(index))),
  };
}

/**
 * Whether no record has a value in a column: it is then sent as an empty array, which `unnest`
 * pads with NULLs to the length of the others (most columns of new jobs: key, parent, tenant,
 * owner, group, schedule; less to send and to parse).
 */
function allNull(values: readonly unknown[]): boolean {
  for (const value of values) if (value !== null) return false;
  return true;
}

/**
 * Each column's value of a record, read by name: one small function per column keeps every
 * property read monomorphic (a read by a computed column name is many times slower).
 */
const READ: { readonly [C in JobColumn]: (r: JobRecord) => unknown } = {
  id: (r) => r.id,
  type: (r) => r.type,
  key: (r) => r.key,
  parent_id: (r) => r.parent_id,
  tenant_id: (r) => r.tenant_id,
  owner_id: (r) => r.owner_id,
  group_name: (r) => r.group_name,
  schedule_name: (r) => r.schedule_name,
  scheduled_for: (r) => r.scheduled_for,
  status: (r) => r.status,
  attempt: (r) => r.attempt,
  max_attempts: (r) => r.max_attempts,
  priority: (r) => r.priority,
  run_at: (r) => r.run_at,
  lease_owner: (r) => r.lease_owner,
  lease_expires_at: (r) => r.lease_expires_at,
  progress: (r) => r.progress,
  stage: (r) => r.stage,
  current: (r) => r.current,
  total: (r) => r.total,
  payload: (r) => r.payload,
  result: (r) => r.result,
  metadata: (r) => r.metadata,
  metrics: (r) => r.metrics,
  note: (r) => r.note,
  error: (r) => r.error,
  errors: (r) => r.errors,
  history: (r) => r.history,
  created_at: (r) => r.created_at,
  started_at: (r) => r.started_at,
  finished_at: (r) => r.finished_at,
  updated_at: (r) => r.updated_at,
  trace: (r) => r.trace,
};

/** One JSON array of a jsonb column's values; on failure, the record and field at fault named. */
function jsonArray(records: readonly JobRecord[], column: JsonColumn): string {
  const values = records.map(READ[column]);
  try {
    return JSON.stringify(values);
  } catch {
    for (const value of values) toJsonText(column, value);
    return toJsonText(column, values);
  }
}

/** A fresh copy of a column default: null, `{}` or `[]`. */
function defaultOf(value: unknown): unknown {
  if (value === null) return null;
  return Array.isArray(value) ? [] : {};
}

/** As read back: a number is sent as its text, where -0 is `0`. */
function number(value: unknown): number | null {
  return value === null ? null : (value as number) + 0;
}

/** The instant of a time given as a Date of any realm or a string; null for none. */
function timeOf(value: unknown): number | null {
  if (value == null) return null;
  return typeof value === 'string' ? new Date(value).getTime() : Date.prototype.getTime.call(value as Date);
}
