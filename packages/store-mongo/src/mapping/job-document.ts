import type { Job, JobAttemptEntry, JobError, JobHistoryEntry, JobStatus } from '@jobtrail/core';
import { BSON } from 'mongodb';
import { decodeMetricName, encodeMetricName } from './metric-names.js';
import { setOwn } from './own-property.js';

/** A `JobError` as stored: the same fields; `stack` only when there is one. */
export interface JobErrorDocument {
  message: string;
  code: string | null;
  name: string | null;
  retryable: boolean;
  attempt: number;
  at: Date;
  stack?: string | null;
}

/** A manual retry in `history`, as stored: the same fields. */
export interface RetryEntryDocument {
  kind: 'retry';
  at: Date;
  afterAttempt: number;
}

/** An ended attempt in `history`, as stored: its metric names escaped like the job's own. */
export interface AttemptEntryDocument {
  kind: 'attempt';
  attempt: number;
  owner: string | null;
  startedAt: Date | null;
  finishedAt: Date;
  outcome: JobAttemptEntry['outcome'];
  error: JobErrorDocument | null;
  progress: number;
  stage: string | null;
  metrics: Record<string, number>;
}

export type HistoryEntryDocument = AttemptEntryDocument | RetryEntryDocument;

/**
 * One job as stored in MongoDB. Internal to this package: everything leaving it is a core `Job`.
 *
 * - `_id` is the job id (a UUIDv7 string, so `_id` order is creation order).
 * - The lease is flattened to `leaseOwner` / `leaseExpiresAt` (both null without a lease), so
 *   filters and indexes address it directly; `leaseExpiresAt` is never set without an owner.
 * - Metric names are escaped (see metric-names.ts) so `$inc` can address any name.
 * - Every nullable field is stored, as null when empty: filters such as `tenantId: null` then
 *   mean "no tenant" and never depend on whether a field is missing.
 */
export interface JobDocument {
  _id: string;
  type: string;
  key: string | null;
  parentId: string | null;
  tenantId: string | null;
  ownerId: string | null;
  /**
   * The job's group (flow control: per-group caps, rate limits and round-robin), or null; documents
   * written before groups lack it (read as null, and matched by `group: null` like a stored null).
   */
  group: string | null;
  /** The schedule that fired the job, or null; documents written before schedules lack it (read as null). */
  scheduleName: string | null;
  /** The tick the job stands for, or null; missing in older documents like `scheduleName`. */
  scheduledFor: Date | null;
  status: JobStatus;
  attempt: number;
  maxAttempts: number;
  priority: number;
  runAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  progress: number;
  stage: string | null;
  current: number | null;
  total: number | null;
  payload: unknown;
  result: unknown;
  metadata: Record<string, unknown>;
  metrics: Record<string, number>;
  note: string | null;
  error: JobErrorDocument | null;
  errors: JobErrorDocument[];
  /** Ended attempts and manual retries, oldest first (see `Job.history`). */
  history: HistoryEntryDocument[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
  trace: string | null;
}

/**
 * A copy of an error with the stored shape (the same on both sides, so it serves writing and
 * reading). An absent stack stays absent: the driver would store `undefined` as null, and a
 * record read back must equal the one written.
 */
export function toErrorDocument(error: JobError): JobErrorDocument {
  const copy: JobErrorDocument = {
    message: error.message,
    code: error.code ?? null,
    name: error.name ?? null,
    retryable: error.retryable,
    attempt: error.attempt,
    at: error.at,
  };
  if (error.stack !== undefined) copy.stack = error.stack;
  return copy;
}

const fromErrorDocument: (stored: JobErrorDocument) => JobError = toErrorDocument;

export function encodeMetrics(metrics: Readonly<Record<string, number>> | null | undefined): Record<string, number> {
  const stored: Record<string, number> = {};
  if (metrics == null) return stored;
  for (const name of Object.keys(metrics)) setOwn(stored, encodeMetricName(name), metrics[name]);
  return stored;
}

export function decodeMetrics(stored: Readonly<Record<string, unknown>> | null | undefined): Record<string, number> {
  const metrics: Record<string, number> = {};
  if (stored == null) return metrics;
  for (const name of Object.keys(stored)) {
    const value = stored[name];
    if (typeof value === 'number') setOwn(metrics, decodeMetricName(name), value);
  }
  return metrics;
}

/**
 * A history entry as stored (already validated): exactly the fields of its kind, nullable fields
 * a JavaScript caller left `undefined` as null, metric names escaped (a name with a dot or a
 * leading `$` is not a safe field name), and the error without an absent stack.
 */
export function toHistoryDocument(entry: JobHistoryEntry): HistoryEntryDocument {
  if (entry.kind === 'retry') return { kind: 'retry', at: entry.at, afterAttempt: entry.afterAttempt };
  return {
    kind: 'attempt',
    attempt: entry.attempt,
    owner: entry.owner ?? null,
    startedAt: entry.startedAt ?? null,
    finishedAt: entry.finishedAt,
    outcome: entry.outcome,
    error: entry.error == null ? null : toErrorDocument(entry.error),
    progress: entry.progress,
    stage: entry.stage ?? null,
    metrics: encodeMetrics(entry.metrics),
  };
}

/** The history entry a stored one stands for (fields read defensively, like `toJob`). */
export function fromHistoryDocument(doc: HistoryEntryDocument): JobHistoryEntry {
  if (doc.kind === 'retry') return { kind: 'retry', at: doc.at, afterAttempt: doc.afterAttempt };
  return {
    kind: 'attempt',
    attempt: doc.attempt,
    owner: doc.owner ?? null,
    startedAt: doc.startedAt ?? null,
    finishedAt: doc.finishedAt,
    outcome: doc.outcome,
    error: doc.error == null ? null : fromErrorDocument(doc.error),
    progress: doc.progress,
    stage: doc.stage ?? null,
    metrics: decodeMetrics(doc.metrics),
  };
}

/**
 * The document for a job being inserted (already validated). Nullable fields a JavaScript caller
 * left `undefined` become null, so every stored document has the complete shape.
 */
export function toDocument(job: Job): JobDocument {
  const lease = job.lease ?? null;
  return {
    _id: job.id,
    type: job.type,
    key: job.key ?? null,
    parentId: job.parentId ?? null,
    tenantId: job.tenantId ?? null,
    ownerId: job.ownerId ?? null,
    group: job.group ?? null,
    scheduleName: job.scheduleName ?? null,
    scheduledFor: job.scheduledFor ?? null,
    status: job.status,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    runAt: job.runAt,
    leaseOwner: lease === null ? null : lease.owner,
    leaseExpiresAt: lease === null ? null : lease.expiresAt,
    progress: job.progress,
    stage: job.stage ?? null,
    current: job.current ?? null,
    total: job.total ?? null,
    payload: job.payload === undefined ? null : job.payload,
    result: job.result ?? null,
    metadata: job.metadata ?? {},
    metrics: encodeMetrics(job.metrics),
    note: job.note ?? null,
    error: job.error == null ? null : toErrorDocument(job.error),
    errors: (job.errors ?? []).map(toErrorDocument),
    history: (job.history ?? []).map(toHistoryDocument),
    createdAt: job.createdAt,
    startedAt: job.startedAt ?? null,
    finishedAt: job.finishedAt ?? null,
    updatedAt: job.updatedAt,
    trace: job.trace ?? null,
  };
}

/**
 * The job a document read from MongoDB stands for. The driver builds fresh objects for every
 * read, so the job shares nothing with anyone. Fields are read defensively (`?? null`): a
 * document edited by hand may miss some.
 */
export function toJob(doc: JobDocument): Job {
  return {
    id: doc._id,
    type: doc.type,
    key: doc.key ?? null,
    parentId: doc.parentId ?? null,
    tenantId: doc.tenantId ?? null,
    ownerId: doc.ownerId ?? null,
    group: doc.group ?? null,
    scheduleName: doc.scheduleName ?? null,
    scheduledFor: doc.scheduledFor ?? null,
    status: doc.status,
    attempt: doc.attempt,
    maxAttempts: doc.maxAttempts,
    priority: doc.priority,
    runAt: doc.runAt,
    lease: doc.leaseOwner == null || doc.leaseExpiresAt == null ? null : { owner: doc.leaseOwner, expiresAt: doc.leaseExpiresAt },
    progress: doc.progress,
    stage: doc.stage ?? null,
    current: doc.current ?? null,
    total: doc.total ?? null,
    payload: doc.payload ?? null,
    result: doc.result ?? null,
    metadata: doc.metadata ?? {},
    metrics: decodeMetrics(doc.metrics),
    note: doc.note ?? null,
    error: doc.error == null ? null : fromErrorDocument(doc.error),
    errors: (doc.errors ?? []).map(fromErrorDocument),
    history: (doc.history ?? []).map(fromHistoryDocument),
    createdAt: doc.createdAt,
    startedAt: doc.startedAt ?? null,
    finishedAt: doc.finishedAt ?? null,
    updatedAt: doc.updatedAt,
    trace: doc.trace ?? null,
  };
}

/**
 * The job exactly as a later `get` would read `doc` back: through BSON and out again. Used for
 * the record `insert` answers, so it shares nothing with the caller's input and shows the same
 * normalisation the database applies.
 */
export function asStored(doc: JobDocument, options: { ignoreUndefined?: boolean } = {}): Job {
  const bytes = BSON.serialize(doc, { ignoreUndefined: options.ignoreUndefined ?? false });
  return toJob(BSON.deserialize(bytes) as JobDocument);
}
