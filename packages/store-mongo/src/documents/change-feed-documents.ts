import { isJobStatus } from '@jobtrail/core';
import type { JobChange } from '@jobtrail/core/store';
import type { ChangeStreamOptions, Document } from 'mongodb';
import { ChangeEventError } from '../errors/change-event-error.js';

/** The job fields a change carries, as stored (the routing fields of `JobChange`, and the version). */
const ROUTING_FIELDS = ['_id', 'type', 'tenantId', 'ownerId', 'status', 'updatedAt'] as const;

/**
 * An update that only renews a lease (`heartbeat`: `$set: { leaseExpiresAt }`, `updatedAt`
 * untouched): not a visible change of the job. Every other jobtrail write changes more than that
 * one field. An aggregation expression over the change event, for `$expr`.
 */
const LEASE_RENEWAL_ONLY = {
  $and: [
    { $eq: [{ $map: { input: { $objectToArray: '$updateDescription.updatedFields' }, in: '$$this.k' } }, ['leaseExpiresAt']] },
    { $eq: [{ $size: { $ifNull: ['$updateDescription.removedFields', []] } }, 0] },
  ],
} as const;

/**
 * The change-stream pipeline of the change feed (`subscribeChanges`), run on the server:
 * - `$match`: inserts, replacements and updates of jobs, except lease renewals; `invalidate` too
 *   (the collection was dropped or renamed: the stream ends, and the feed starts over with a gap).
 *   Deletions (`prune`) are not changes.
 * - `$project`: of the job, only what routes a change (id, type, tenant, owner, status, `updatedAt`),
 *   so payload, result, metadata, error and progress never travel; the `updateDescription` the
 *   `$match` looked at is dropped too (it holds the written values). The event's `_id` is the resume
 *   token and stays.
 *
 * Opened with `fullDocument: 'updateLookup'` (`CHANGE_FEED_OPTIONS`): an update event alone has only
 * the changed fields, and a change must name the job's type, tenant and owner. The lookup returns
 * the job as it is when the server reads it, possibly after later writes: the change then reports
 * the newer state and version, which the port allows (changes of one job may be coalesced into its
 * latest), and the later writes' own events report it again.
 */
export const CHANGE_FEED_PIPELINE: readonly Document[] = [
  {
    $match: {
      $or: [
        { operationType: { $in: ['insert', 'replace', 'invalidate'] } },
        { operationType: 'update', $expr: { $not: [LEASE_RENEWAL_ONLY] } },
      ],
    },
  },
  { $project: { operationType: 1, ...Object.fromEntries(ROUTING_FIELDS.map((field) => [`fullDocument.${field}`, 1])) } },
];

/** The options of the feed's `watch`: the post-image of updates, and where to resume when known. */
export function changeFeedOptions(resumeToken?: unknown): ChangeStreamOptions {
  return resumeToken === undefined ? { fullDocument: 'updateLookup' } : { fullDocument: 'updateLookup', resumeAfter: resumeToken as Document };
}

/**
 * What one event of the feed's stream means:
 * - `change`: a job was written;
 * - `ignored`: nothing to report (a deletion; an update of a job deleted before the server looked
 *   it up, whose deletion is no change either);
 * - `invalidated`: the collection was dropped or renamed; the stream has ended.
 */
export type ChangeEventReading = { readonly kind: 'change'; readonly change: JobChange } | { readonly kind: 'ignored' } | { readonly kind: 'invalidated' };

const IGNORED: ChangeEventReading = { kind: 'ignored' };

/**
 * Reads one event of `CHANGE_FEED_PIPELINE`. Throws `ChangeEventError` (naming the field) for an
 * event that is not what the pipeline produces from a job document: not an object, an unknown
 * operation type, a missing post-image of an insert or replacement, or a routing field of the wrong
 * type. `tenantId`/`ownerId` may be missing (read as null, as everywhere in this store).
 */
export function readChangeEvent(event: unknown): ChangeEventReading {
  if (!isRecord(event)) throw new ChangeEventError('event', `expected an object, got ${describe(event)}`);
  const operation = event['operationType'];
  if (operation === 'invalidate') return { kind: 'invalidated' };
  if (operation === 'delete') return IGNORED;
  if (operation !== 'insert' && operation !== 'replace' && operation !== 'update') {
    throw new ChangeEventError('operationType', `expected insert, replace, update, delete or invalidate, got ${describe(operation)}`);
  }
  const doc = event['fullDocument'];
  if (doc == null && operation === 'update') return IGNORED;
  if (!isRecord(doc)) throw new ChangeEventError('fullDocument', `expected the job document of the ${operation}, got ${describe(doc)}`);
  return { kind: 'change', change: toJobChange(doc) };
}

function toJobChange(doc: Record<string, unknown>): JobChange {
  const { _id: jobId, type, status, updatedAt } = doc;
  if (typeof jobId !== 'string') throw new ChangeEventError('fullDocument._id', `expected a job id (string), got ${describe(jobId)}`);
  if (typeof type !== 'string') throw new ChangeEventError('fullDocument.type', `expected a string, got ${describe(type)}`);
  if (!isJobStatus(status)) throw new ChangeEventError('fullDocument.status', `expected a job status, got ${describe(status)}`);
  if (!isValidDate(updatedAt)) throw new ChangeEventError('fullDocument.updatedAt', `expected a date, got ${describe(updatedAt)}`);
  return { jobId, type, tenantId: nullableString(doc, 'tenantId'), ownerId: nullableString(doc, 'ownerId'), status, version: updatedAt.getTime() };
}

function nullableString(doc: Record<string, unknown>, field: 'tenantId' | 'ownerId'): string | null {
  const value = doc[field];
  if (value == null) return null;
  if (typeof value !== 'string') throw new ChangeEventError(`fullDocument.${field}`, `expected a string or null, got ${describe(value)}`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// By tag, not `instanceof`: a Date from another realm (a test's VM context) is a date too.
function isValidDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]' && Number.isFinite((value as Date).getTime());
}

/** A bad value for an error message: short strings, numbers and booleans as they are, anything else by kind. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length <= 40 ? JSON.stringify(value) : 'a long string';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Object.prototype.toString.call(value) === '[object Date]') return 'an invalid date';
  return typeof value;
}
