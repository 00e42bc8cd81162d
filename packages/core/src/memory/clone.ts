import { describeError } from '../util/read-input.js';
import { JobtrailError, JobValidationError } from '../errors/jobtrail-error.js';
import type { Job, LargeJobField, JobAttemptEntry, JobError, JobHistoryEntry, JobRetryEntry } from '../model/job.js';
import type { JobStatus } from '../model/job-status.js';
import { FULL_READ, LARGE_JOB_FIELDS, isFullRead, jsonBytes, markUnread, type ReadPlan } from '../store/field-reads.js';
import { setOwn } from '../util/own-property.js';
import { dateTime, isDate } from '../util/dates.js';

/**
 * The memory store's internal record and the copies in and out of it. The store copies on the way
 * in and out so a caller mutating a record it passed or received can never change what is stored
 * — the isolation a database gives for free.
 *
 * Times are kept as epoch milliseconds rather than Dates: with tens of thousands of retained jobs,
 * five fewer heap objects per job is a large share of the store's garbage-collection cost, and
 * comparisons need numbers anyway. Known fields are copied by hand (several times faster than
 * `structuredClone` on the claim hot path); free-form JSON goes through `cloneValue`.
 */
export interface Row {
  readonly id: string;
  readonly type: string;
  readonly key: string | null;
  readonly parentId: string | null;
  readonly tenantId: string | null;
  readonly ownerId: string | null;
  readonly group: string | null;
  status: JobStatus;
  attempt: number;
  maxAttempts: number;
  readonly priority: number;
  runAt: number;
  /** Lease owner, or null when the job holds no lease. */
  leaseOwner: string | null;
  /** Meaningful only while `leaseOwner` is set. */
  leaseExpiresAt: number;
  progress: number;
  stage: string | null;
  current: number | null;
  total: number | null;
  readonly payload: unknown;
  result: unknown;
  readonly metadata: Record<string, unknown>;
  /** null stands for `{}` until the first metric is written. */
  metrics: Record<string, number> | null;
  note: string | null;
  error: JobError | null;
  /** null stands for `[]`. */
  errors: JobError[] | null;
  /** null stands for `[]`. */
  history: JobHistoryEntry[] | null;
  readonly createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  readonly trace: string | null;
  readonly scheduleName: string | null;
  readonly scheduledFor: number | null;
  /** Bumped whenever a new claim-queue entry is pushed for the job; older entries are stale. */
  seq: number;
}

/**
 * Deep copy of JSON-like data (plus Dates). Anything more exotic (Map, typed arrays, class
 * instances) falls back to `structuredClone`, which throws for functions and symbols — such
 * values could not be stored by a real database either. A BigInt throws too (JSON has no form for
 * it), and so does a cycle (the copy recurses until the stack runs out): use it through
 * {@link copyIn} on the way in, which turns such failures into `invalid_input`.
 */
export function cloneValue<T>(value: T): T {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') throw new TypeError('a BigInt cannot be stored; JSON has no form for it');
    return value;
  }
  if (Array.isArray(value)) {
    const length = value.length;
    const copy = new Array<unknown>(length);
    for (let i = 0; i < length; i++) copy[i] = cloneValue(value[i] as unknown);
    return copy as T;
  }
  if (isDate(value)) return new Date(dateTime(value)) as T;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    if (Object.hasOwn(value, key)) {
      setOwn(copy, key, cloneValue((value as Record<string, unknown>)[key]));
    }
  }
  return copy as T;
}

/**
 * `copy(value)`, the private copy of a caller's value on its way into a row; a value that cannot
 * be stored (a cycle, a BigInt, a getter or proxy trap that throws, a function inside a class
 * instance) is refused with `JobValidationError` (`invalid_input`) naming `field`, as PostgreSQL
 * refuses it, never with the raw `RangeError` or `TypeError`. Called before the row is touched, so
 * a refusal writes nothing. Costs a valid value nothing but the copy.
 */
export function copyIn<V, T>(copy: (value: V) => T, value: V, field: string): T {
  try {
    return copy(value);
  } catch (error) {
    if (JobtrailError.isInstance(error)) throw error;
    throw new JobValidationError(field, `cannot be stored (${describeError(error)}); pass plain JSON data without cycles or BigInts.`, {
      cause: error,
    });
  }
}

/** A copy of a metrics map; names like `__proto__` stay plain own properties. */
export function cloneMetrics(metrics: Readonly<Record<string, number>> | null | undefined): Record<string, number> {
  const copy: Record<string, number> = {};
  if (metrics == null) return copy;
  for (const key in metrics) {
    if (Object.hasOwn(metrics, key)) setOwn(copy, key, metrics[key]);
  }
  return copy;
}

function hasOwnKeys(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}

export function cloneError(error: JobError | null | undefined): JobError | null {
  if (error == null) return null;
  return { ...error, at: new Date(dateTime(error.at)) };
}

export function cloneErrors(errors: readonly JobError[] | null | undefined): JobError[] {
  if (errors == null) return [];
  const copy = new Array<JobError>(errors.length);
  for (let i = 0; i < errors.length; i++) copy[i] = cloneError(errors[i]) as JobError;
  return copy;
}

/** Errors as kept in a row: a private copy, or null for none. */
export function rowErrors(errors: readonly JobError[] | null | undefined): JobError[] | null {
  return errors == null || errors.length === 0 ? null : cloneErrors(errors);
}

/**
 * A private copy of one history entry, with exactly the fields of its kind (nullable fields a
 * JavaScript caller left `undefined` become null; an absent `error.stack` stays absent). Entries
 * are validated before they get here.
 */
export function cloneHistoryEntry(entry: JobHistoryEntry): JobHistoryEntry {
  if (entry.kind === 'retry') {
    const retry: JobRetryEntry = { kind: 'retry', at: new Date(entry.at.getTime()), afterAttempt: entry.afterAttempt };
    return retry;
  }
  const attempt: JobAttemptEntry = {
    kind: 'attempt',
    attempt: entry.attempt,
    owner: entry.owner ?? null,
    startedAt: entry.startedAt == null ? null : new Date(entry.startedAt.getTime()),
    finishedAt: new Date(entry.finishedAt.getTime()),
    outcome: entry.outcome,
    error: cloneError(entry.error),
    progress: entry.progress,
    stage: entry.stage ?? null,
    metrics: cloneMetrics(entry.metrics),
  };
  return attempt;
}

export function cloneHistory(history: readonly JobHistoryEntry[] | null | undefined): JobHistoryEntry[] {
  if (history == null) return [];
  const copy = new Array<JobHistoryEntry>(history.length);
  for (let i = 0; i < history.length; i++) copy[i] = cloneHistoryEntry(history[i]!);
  return copy;
}

/** History as kept in a row: a private copy, or null for none. */
export function rowHistory(history: readonly JobHistoryEntry[] | null | undefined): JobHistoryEntry[] | null {
  return history == null || history.length === 0 ? null : cloneHistory(history);
}

/** Metrics as kept in a row: a private copy, or null for none. */
export function rowMetrics(metrics: Readonly<Record<string, number>> | null | undefined): Record<string, number> | null {
  return metrics == null || !hasOwnKeys(metrics) ? null : cloneMetrics(metrics);
}

/**
 * The row for a job being inserted. Nullable fields a JavaScript caller left `undefined` become
 * `null`, so every stored record has the complete shape. A value that cannot be stored is refused
 * naming its field (see {@link copyIn}).
 */
export function toRow(job: Job): Row {
  const lease = job.lease ?? null;
  return {
    id: job.id,
    type: job.type,
    key: job.key ?? null,
    parentId: job.parentId ?? null,
    tenantId: job.tenantId ?? null,
    ownerId: job.ownerId ?? null,
    group: job.group ?? null,
    status: job.status,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    runAt: job.runAt.getTime(),
    leaseOwner: lease === null ? null : lease.owner,
    leaseExpiresAt: lease === null ? 0 : lease.expiresAt.getTime(),
    progress: job.progress,
    stage: job.stage ?? null,
    current: job.current ?? null,
    total: job.total ?? null,
    payload: copyIn(cloneValue, job.payload, 'payload'),
    result: job.result === undefined ? null : copyIn(cloneValue, job.result, 'result'),
    metadata: job.metadata == null ? {} : copyIn(cloneValue, job.metadata, 'metadata'),
    metrics: copyIn(rowMetrics, job.metrics, 'metrics'),
    note: job.note ?? null,
    error: copyIn(cloneError, job.error, 'error'),
    errors: copyIn(rowErrors, job.errors, 'errors'),
    history: copyIn(rowHistory, job.history, 'history'),
    createdAt: job.createdAt.getTime(),
    startedAt: job.startedAt == null ? null : job.startedAt.getTime(),
    finishedAt: job.finishedAt == null ? null : job.finishedAt.getTime(),
    updatedAt: job.updatedAt.getTime(),
    trace: job.trace ?? null,
    scheduleName: job.scheduleName ?? null,
    scheduledFor: job.scheduledFor == null ? null : job.scheduledFor.getTime(),
    seq: 0,
  };
}

/**
 * The job a row stands for, fresh for the caller: it shares nothing with the row. Under a `plan` that leaves fields out or caps them, those fields are
 * never cloned: only their (cached) JSON size is looked at.
 */
export function toJob(row: Row, plan: ReadPlan = FULL_READ): Job {
  if (!isFullRead(plan)) return readJob(row, plan);
  return {
    id: row.id,
    type: row.type,
    key: row.key,
    parentId: row.parentId,
    tenantId: row.tenantId,
    ownerId: row.ownerId,
    group: row.group,
    status: row.status,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    priority: row.priority,
    runAt: new Date(row.runAt),
    lease: row.leaseOwner === null ? null : { owner: row.leaseOwner, expiresAt: new Date(row.leaseExpiresAt) },
    progress: row.progress,
    stage: row.stage,
    current: row.current,
    total: row.total,
    payload: cloneValue(row.payload),
    result: cloneValue(row.result),
    metadata: cloneValue(row.metadata),
    metrics: cloneMetrics(row.metrics),
    note: row.note,
    error: cloneError(row.error),
    errors: cloneErrors(row.errors),
    history: cloneHistory(row.history),
    createdAt: new Date(row.createdAt),
    startedAt: row.startedAt === null ? null : new Date(row.startedAt),
    finishedAt: row.finishedAt === null ? null : new Date(row.finishedAt),
    updatedAt: new Date(row.updatedAt),
    trace: row.trace,
    scheduleName: row.scheduleName,
    scheduledFor: row.scheduledFor === null ? null : new Date(row.scheduledFor),
  };
}

/** Row → (field → [value, its JSON size]): sizes are measured once per stored value, not per read. */
const measured = new WeakMap<Row, Map<LargeJobField, [unknown, number]>>();

function storedBytes(row: Row, field: LargeJobField): number {
  let sizes = measured.get(row);
  if (!sizes) {
    sizes = new Map();
    measured.set(row, sizes);
  }
  const value = row[field];
  const known = sizes.get(field);
  // `result` changes by replacement (transitions assign a fresh clone), so identity tells staleness.
  if (known && known[0] === value) return known[1];
  const bytes = jsonBytes(value);
  sizes.set(field, [value, bytes]);
  return bytes;
}

function readJob(row: Row, plan: ReadPlan): Job {
  const lean = { ...row, payload: null, result: null, metadata: {} } as Row;
  const job = toJob(lean);
  const sizes: Partial<Record<LargeJobField, number>> = {};
  const fields = job as unknown as Record<LargeJobField, unknown>;
  for (const field of LARGE_JOB_FIELDS) {
    const how = plan[field];
    if (how === 'omit') continue;
    if (typeof how === 'number') {
      sizes[field] = storedBytes(row, field);
      if (sizes[field]! > how) continue;
    }
    fields[field] = cloneValue(row[field]);
  }
  return markUnread(job, plan, sizes);
}
