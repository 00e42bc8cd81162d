import type { Job, JobScope, LargeJobField } from '@jobtrail/core';
import { isFullRead, LARGE_JOB_FIELDS, markUnread, type ReadPlan } from '@jobtrail/core/store';
import type { Document, Filter } from 'mongodb';
import { toJob, type JobDocument } from '../mapping/job-document.js';
import { storeFilter } from './store-filter.js';

/** Every stored field but `_id` (always returned) and the large ones; typed so a new field is not forgotten. */
const SMALL_FIELDS = {
  type: 1,
  key: 1,
  parentId: 1,
  tenantId: 1,
  ownerId: 1,
  group: 1,
  scheduleName: 1,
  scheduledFor: 1,
  status: 1,
  attempt: 1,
  maxAttempts: 1,
  priority: 1,
  runAt: 1,
  leaseOwner: 1,
  leaseExpiresAt: 1,
  progress: 1,
  stage: 1,
  current: 1,
  total: 1,
  metrics: 1,
  note: 1,
  error: 1,
  errors: 1,
  history: 1,
  createdAt: 1,
  startedAt: 1,
  finishedAt: 1,
  updatedAt: 1,
  trace: 1,
} as const satisfies Record<Exclude<keyof JobDocument, '_id' | LargeJobField>, 1>;

/** The computed field a capped read answers a field's size in. */
export function sizeField(field: LargeJobField): string {
  return `${field}Bytes`;
}

/**
 * BSON bytes of the value itself: `$bsonSize` only takes documents and a payload may be any JSON,
 * so it measures `{ v: value }` and leaves out that wrapper's 8 bytes (length, type, name "v",
 * terminator), so that a tiny value fits a tiny cap as in the other stores.
 */
export const WRAPPER_BYTES = 8;

function bsonSizeOf(field: LargeJobField): Document {
  return { $subtract: [{ $bsonSize: { v: `$${field}` } }, WRAPPER_BYTES] };
}

/**
 * The find projection of a read under `plan`, or undefined to read whole documents.
 * - Only omissions: an exclusion projection (`{ payload: 0 }`), so the server never sends them.
 * - Any cap: an inclusion projection (find takes aggregation expressions since MongoDB 4.4,
 *   and then cannot mix exclusions): a capped field is sent only when `$bsonSize` says it fits,
 *   else removed (`$$REMOVE`), with its size in `<field>Bytes` either way.
 */
export function readProjection(plan: ReadPlan): Document | undefined {
  if (isFullRead(plan)) return undefined;
  const capped = LARGE_JOB_FIELDS.some((field) => typeof plan[field] === 'number');
  if (!capped) {
    const exclusion: Document = {};
    for (const field of LARGE_JOB_FIELDS) if (plan[field] === 'omit') exclusion[field] = 0;
    return exclusion;
  }
  const inclusion: Document = { ...SMALL_FIELDS };
  for (const field of LARGE_JOB_FIELDS) {
    const how = plan[field];
    if (how === 'full') inclusion[field] = 1;
    else if (typeof how === 'number') {
      inclusion[field] = { $cond: [{ $lte: [bsonSizeOf(field), how] }, `$${field}`, '$$REMOVE'] };
      inclusion[sizeField(field)] = bsonSizeOf(field);
    }
  }
  return inclusion;
}

/** The sizes a capped read answered (see `readProjection`). */
export function measuredSizes(doc: Document): Partial<Record<LargeJobField, number | null>> {
  const sizes: Partial<Record<LargeJobField, number | null>> = {};
  for (const field of LARGE_JOB_FIELDS) {
    const bytes: unknown = doc[sizeField(field)];
    if (typeof bytes === 'number') sizes[field] = bytes;
  }
  return sizes;
}

/** `_id` and a checked scope (see `checkReadOptions`): the scope is part of the query, never checked after reading. */
export function scopedIdFilter(id: string, scope: JobScope): Filter<JobDocument> {
  return { _id: id, ...storeFilter(scope) };
}

/** A document read under `plan`: left-out fields undefined and listed in `job.unread`. */
export function toJobRead(doc: JobDocument, plan: ReadPlan): Job {
  return isFullRead(plan) ? toJob(doc) : markUnread(toJob(doc), plan, measuredSizes(doc));
}
