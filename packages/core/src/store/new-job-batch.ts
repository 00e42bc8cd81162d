import type { Job } from '../model/job.js';
import { newJob } from '../model/new-job.js';

/**
 * New jobs without keys, as columns: what `tracker.enqueueMany` hands a store's `insertNewJobs`
 * (at most `MAX_INSERT_MANY` of them), instead of one drafted `Job` per item. Every job of a
 * batch is `queued`, attempt 0, without key, schedule, lease, progress, result, metrics, note,
 * errors, history or trace, and was created (and last updated) at `createdAt`; what differs per
 * job is in the arrays below, index `i` being job `i`. The arrays are core's own, never changed
 * once the batch is made; a store reads them and must not change them.
 */
export interface NewJobBatch {
  /** How many jobs (the length of every array below). */
  readonly length: number;
  /** Every job's `createdAt` and `updatedAt`, epoch milliseconds (a storable time). */
  readonly createdAt: number;
  /** UUIDv7 ids, lowercase, in creation order. */
  readonly ids: readonly string[];
  readonly types: readonly string[];
  /** Each job's payload, a JSON value checked by core; `null` for none. */
  readonly payloads: readonly unknown[];
  /** Each job's metadata (JSON objects, `{}` for none); `null` when every job's is `{}`. */
  readonly metadata: ReadonlyArray<Record<string, unknown>> | null;
  /** Due times, epoch milliseconds. */
  readonly runAt: readonly number[];
  readonly maxAttempts: readonly number[];
  readonly priorities: readonly number[];
  /** `null` when no job of the batch has one; else `null` for each job without. */
  readonly parentIds: ReadonlyArray<string | null> | null;
  readonly tenantIds: ReadonlyArray<string | null> | null;
  readonly ownerIds: ReadonlyArray<string | null> | null;
  readonly groups: ReadonlyArray<string | null> | null;
  /** Job `index` as `insertMany` would take it: a fresh record each call. */
  job(index: number): Job;
}

/**
 * The metadata of a job without any, in a batch where other jobs have some: one shared frozen
 * object (`job(index)` answers a fresh `{}` for it).
 */
export const NO_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});

/** Batches this copy of core made (see `isCoreBatch`). */
const made = new WeakSet<object>();

/** The columns of one batch, filled by core as it reads the checked items. */
export type NewJobColumns = Omit<NewJobBatch, 'length' | 'job'>;

/**
 * A batch of `columns`, which core filled from checked input (every value one `guardStore`
 * would accept in a job), and hands over with no other reference to them kept.
 */
export function newJobBatch(columns: NewJobColumns): NewJobBatch {
  const batch: NewJobBatch = { ...columns, length: columns.ids.length, job: (index) => batchJob(batch, index) };
  made.add(batch);
  return batch;
}

/**
 * Whether this copy of core made `value` from checked input: its guard passes such a batch
 * without checking it again, and checks any other (another copy of core's, a caller's own) as
 * the jobs it stands for.
 */
export function isCoreBatch(value: unknown): value is NewJobBatch {
  return typeof value === 'object' && value !== null && made.has(value);
}

/** Job `index` of `batch`, as `insertMany` would take it: a fresh record each call. */
function batchJob(batch: NewJobBatch, index: number): Job {
  const metadata = batch.metadata?.[index];
  return newJob({
    id: batch.ids[index]!,
    type: batch.types[index]!,
    key: null,
    parentId: batch.parentIds?.[index] ?? null,
    tenantId: batch.tenantIds?.[index] ?? null,
    ownerId: batch.ownerIds?.[index] ?? null,
    group: batch.groups?.[index] ?? null,
    status: 'queued',
    maxAttempts: batch.maxAttempts[index]!,
    priority: batch.priorities[index]!,
    runAt: new Date(batch.runAt[index]!),
    payload: batch.payloads[index] ?? null,
    metadata: metadata === undefined || metadata === NO_METADATA ? {} : metadata,
    createdAt: new Date(batch.createdAt),
  });
}
