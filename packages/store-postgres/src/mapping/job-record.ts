import { JobValidationError, type Job } from '@jobtrail/core';
import { indexedText, optionalUuid, requireInt, toHistoryRecords } from '../validation/checks.js';
import { isoTimes, plainArrayLiteral, quotedArrayLiteral } from '../connection/array-literal.js';
import { JOB_COLUMN_TYPES, NEW_JOB_COLUMNS, NEW_JOB_COLUMNS_NO_METADATA, type JobColumn, type JsonColumn } from './job-columns.js';
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
  return isNew(record, READ);
}

/** Whether a job has no metadata (`{}`, or none): what the column's default holds. */
export function hasNoMetadata(job: Job): boolean {
  return job.metadata == null || isEmptyObject(job.metadata);
}

/** `isNewJobRecord` of the record `toJobRecord` would make of `job`, without making it. */
export function isNewJob(job: Job): boolean {
  return isNew(job, JOB_READ);
}

function isNew<T>(item: T, read: ColumnReaders<T>): boolean {
  return (
    read.lease_owner(item) === null &&
    read.lease_expires_at(item) === null &&
    read.progress(item) === 0 &&
    read.stage(item) === null &&
    read.current(item) === null &&
    read.total(item) === null &&
    read.result(item) === null &&
    isEmptyObject(read.metrics(item)) &&
    read.note(item) === null &&
    read.error(item) === null &&
    isEmptyArray(read.errors(item)) &&
    isEmptyArray(read.history(item)) &&
    read.started_at(item) === null &&
    read.finished_at(item) === null
  );
}

function isEmptyObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  // for-in rather than Object.keys: no array per call (one per job of a batch).
  for (const _ in value) return false;
  return true;
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
export function toColumnArrays(records: readonly JobRecord[], columns: readonly JobColumn[]): ColumnArrays;
/**
 * The same for jobs as core hands them over, each value read (and checked) as `toJobRecord`
 * would, without a record per job in between: only for new jobs (see `isNewJob`) sent with
 * `NEW_JOB_COLUMNS`.
 */
export function toColumnArrays(jobs: readonly Job[], columns: typeof NEW_JOB_COLUMNS | typeof NEW_JOB_COLUMNS_NO_METADATA, from: 'jobs'): ColumnArrays;
export function toColumnArrays(items: readonly (JobRecord | Job)[], columns: readonly JobColumn[], from: 'records' | 'jobs' = 'records'): ColumnArrays {
  if (from === 'jobs') return columnArrays(items as readonly Job[], columns, JOB_READ);
  return columnArrays(items as readonly JobRecord[], columns, READ);
}

function columnArrays<T>(records: readonly T[], columns: readonly JobColumn[], read: ColumnReaders<T>): ColumnArrays {
  const sent = encodeColumns(records, columns, read);
  return { params: sent.params, storedJob: storedJobs(columns, sent) };
}

/** What an insert sends, and the values answers are built from. */
interface SentColumns {
  params: Array<string | number | null>;
  /** Each jsonb column's JSON array as sent. */
  json: Map<JsonColumn, string>;
  /**
   * Each time as sent, so an answer built later holds these instants even if the caller changes
   * its Dates in between; absent for a column of NULLs only.
   */
  times: Map<JobColumn, ReadonlyArray<number | null>>;
  /** Each other value as sent (strings and numbers); absent for a column of NULLs only. */
  plain: Map<JobColumn, ReadonlyArray<unknown>>;
}

function encodeColumns<T>(records: readonly T[], columns: readonly JobColumn[], read: ColumnReaders<T>): SentColumns {
  const count = records.length;
  const iso = isoTimes();
  const json = new Map<JsonColumn, string>();
  const times = new Map<JobColumn, ReadonlyArray<number | null>>();
  const plain = new Map<JobColumn, ReadonlyArray<unknown>>();
  const params = columns.map((column): string | number | null => {
    const type = JOB_COLUMN_TYPES[column];
    if (type === 'jsonb') {
      const text = jsonArray(records, column as JsonColumn, read);
      json.set(column as JsonColumn, text);
      if (count > 1) return text;
      // One job: its value alone (`[v]` is `[` + the text of v + `]`), SQL NULL for null.
      return read[column](records[0]!) === null ? null : text.slice(1, -1);
    }
    if (count === 1) {
      const value = read[column](records[0]!) as string | number | null;
      if (type !== 'timestamptz') {
        if (value !== null) plain.set(column, [value]);
        return value;
      }
      if (value !== null) times.set(column, [timeOf(value)]);
      return iso(value);
    }
    switch (type) {
      case 'text': {
        const values = records.map(read[column]) as Array<string | null>;
        if (allNull(values)) return '{}';
        plain.set(column, values);
        return quotedArrayLiteral(count, (index) => values[index]);
      }
      case 'timestamptz': {
        const values = records.map(read[column]);
        if (allNull(values)) return '{}';
        times.set(column, values.map(timeOf));
        return plainArrayLiteral(count, (index) => iso(values[index]));
      }
      default: {
        const values = records.map(read[column]) as Array<string | number | null>;
        if (allNull(values)) return '{}';
        plain.set(column, values);
        return plainArrayLiteral(count, (index) => values[index]);
      }
    }
  });
  return { params, json, times, plain };
}

/**
 * `storedJob` over what was sent: in a scope of its own, so the answers built later (and kept
 * by the caller) hold the sent values, never the jobs or records they came from.
 */
function storedJobs(columns: readonly JobColumn[], sent: SentColumns): (index: number) => Job {
  const { json, times, plain } = sent;
  // Parsed back on first use, whole: one JSON.parse per column rather than one per job.
  const parsed = new Map<JsonColumn, unknown[]>();
  const stored = (column: JsonColumn, index: number): unknown => {
    const text = json.get(column);
    // Not sent (only `metadata` of new jobs without any, see `NEW_JOB_COLUMNS_NO_METADATA`):
    // the caller puts the column's default in.
    if (text === undefined) return null;
    let values = parsed.get(column);
    if (values === undefined) {
      values = JSON.parse(text) as unknown[];
      parsed.set(column, values);
    }
    return values[index] ?? null;
  };
  const value = (column: JobColumn, index: number): unknown => plain.get(column)?.[index] ?? null;
  const at = (column: JobColumn, index: number): Date | null => {
    const ms = times.get(column)?.[index];
    return ms == null ? null : new Date(ms);
  };
  const storedRow = (index: number): JobRow => {
    return {
      id: value('id', index) as string,
      type: value('type', index) as string,
      key: value('key', index) as string | null,
      parent_id: value('parent_id', index) as string | null,
      tenant_id: value('tenant_id', index) as string | null,
      owner_id: value('owner_id', index) as string | null,
      group_name: value('group_name', index) as string | null,
      schedule_name: value('schedule_name', index) as string | null,
      scheduled_for: at('scheduled_for', index),
      status: value('status', index) as JobRow['status'],
      attempt: number(value('attempt', index)) as number,
      max_attempts: number(value('max_attempts', index)) as number,
      priority: number(value('priority', index)) as number,
      run_at: at('run_at', index) as Date,
      lease_owner: value('lease_owner', index) as string | null,
      lease_expires_at: at('lease_expires_at', index),
      progress: number(value('progress', index)) as number,
      stage: value('stage', index) as string | null,
      current: number(value('current', index)),
      total: number(value('total', index)),
      payload: stored('payload', index),
      result: stored('result', index),
      metadata: stored('metadata', index) as JobRow['metadata'],
      metrics: stored('metrics', index) as JobRow['metrics'],
      note: value('note', index) as string | null,
      error: stored('error', index) as JobRow['error'],
      errors: stored('errors', index) as JobRow['errors'],
      history: stored('history', index) as JobRow['history'],
      created_at: at('created_at', index) as Date,
      started_at: at('started_at', index),
      finished_at: at('finished_at', index),
      updated_at: at('updated_at', index) as Date,
      trace: value('trace', index) as string | null,
    };
  };
  // New jobs (only `NEW_JOB_COLUMNS` sent) hold the defaults everywhere else: made here directly,
  // without the row in between.
  const onlyNewColumns = columns === NEW_JOB_COLUMNS || columns === NEW_JOB_COLUMNS_NO_METADATA;
  const storedNewJob = (index: number): Job => {
    return {
      id: value('id', index) as string,
      type: value('type', index) as string,
      key: value('key', index) as string | null,
      parentId: value('parent_id', index) as string | null,
      tenantId: value('tenant_id', index) as string | null,
      ownerId: value('owner_id', index) as string | null,
      group: value('group_name', index) as string | null,
      scheduleName: value('schedule_name', index) as string | null,
      scheduledFor: at('scheduled_for', index),
      status: value('status', index) as Job['status'],
      attempt: number(value('attempt', index)) as number,
      maxAttempts: number(value('max_attempts', index)) as number,
      priority: number(value('priority', index)) as number,
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
      trace: value('trace', index) as string | null,
    };
  };
  return (index) => (onlyNewColumns ? storedNewJob(index) : toJob(storedRow(index)));
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
type ColumnReaders<T> = { readonly [C in JobColumn]: (item: T) => unknown };

const READ: ColumnReaders<JobRecord> = {
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

/** Each column's value of a job, read and checked as `toJobRecord` does. */
const JOB_READ: ColumnReaders<Job> = {
  id: (job) => job.id,
  type: (job) => indexedText('type', job.type),
  key: (job) => indexedText('key', job.key),
  parent_id: (job) => optionalUuid('parentId', job.parentId),
  tenant_id: (job) => indexedText('tenantId', job.tenantId),
  owner_id: (job) => indexedText('ownerId', job.ownerId),
  group_name: (job) => indexedText('group', job.group),
  schedule_name: (job) => job.scheduleName ?? null,
  scheduled_for: (job) => job.scheduledFor ?? null,
  status: (job) => job.status,
  attempt: (job) => requireInt('attempt', job.attempt, 0),
  max_attempts: (job) => requireInt('maxAttempts', job.maxAttempts, 0),
  priority: (job) => requireInt('priority', job.priority),
  run_at: (job) => job.runAt,
  lease_owner: (job) => (job.lease == null ? null : indexedText('lease.owner', job.lease.owner)),
  lease_expires_at: (job) => (job.lease == null ? null : job.lease.expiresAt),
  progress: (job) => job.progress,
  stage: (job) => job.stage ?? null,
  current: (job) => job.current ?? null,
  total: (job) => job.total ?? null,
  payload: (job) => (job.payload === undefined ? null : job.payload),
  result: (job) => (job.result === undefined ? null : job.result),
  metadata: (job) => job.metadata ?? {},
  metrics: (job) => job.metrics ?? {},
  note: (job) => job.note ?? null,
  error: (job) => job.error ?? null,
  errors: (job) => job.errors ?? [],
  history: (job) => (job.history == null || job.history.length === 0 ? NO_HISTORY : toHistoryRecords('history', job.history)),
  created_at: (job) => job.createdAt,
  started_at: (job) => job.startedAt ?? null,
  finished_at: (job) => job.finishedAt ?? null,
  updated_at: (job) => job.updatedAt,
  trace: (job) => job.trace ?? null,
};

/** One JSON array of a jsonb column's values; on failure, the record and field at fault named. */
function jsonArray<T>(records: readonly T[], column: JsonColumn, read: ColumnReaders<T>): string {
  const values = records.map(read[column]);
  try {
    return JSON.stringify(values);
  } catch {
    for (const value of values) toJsonText(column, value);
    return toJsonText(column, values);
  }
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
