import type { Filter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { KEY_HOLDING_STATUSES } from './statuses.js';

/** Where a key is unique: its type, tenant and owner (null — none — being a value of its own). */
export type KeyScope = Pick<JobDocument, 'type' | 'tenantId' | 'ownerId'>;

/**
 * The unfinished job of `scope` holding `key` (other than `exceptId`): at most one exists, and it
 * is never one of another tenant or owner. `tenantId: null` matches the null the mapper stores.
 */
export function keyHolderFilter(scope: KeyScope, key: string, exceptId?: string): Filter<JobDocument> {
  const filter: Filter<JobDocument> = {
    type: scope.type,
    key,
    tenantId: scope.tenantId,
    ownerId: scope.ownerId,
    status: { $in: [...KEY_HOLDING_STATUSES] },
  };
  if (exceptId !== undefined) filter._id = { $ne: exceptId };
  return filter;
}

/** Whether `other` holds `doc`'s key: same type, key, tenant and owner. */
export function sharesKey(doc: KeyScope & Pick<JobDocument, 'key'>, other: KeyScope & Pick<JobDocument, 'key'>): boolean {
  return (
    doc.key !== null &&
    other.key === doc.key &&
    other.type === doc.type &&
    (other.tenantId ?? null) === (doc.tenantId ?? null) &&
    (other.ownerId ?? null) === (doc.ownerId ?? null)
  );
}

/**
 * What an insert inside a transaction looks for first: a job with the same id, or the unfinished
 * job holding the key in its scope. (A duplicate-key error would abort the caller's whole transaction.)
 */
export function insertClashFilter(doc: KeyScope & Pick<JobDocument, '_id' | 'key'>): Filter<JobDocument> {
  if (doc.key === null) return { _id: doc._id };
  return { $or: [{ _id: doc._id }, keyHolderFilter(doc, doc.key)] };
}

/** `insertClashFilter` for many documents at once: one lookup for a whole batch. */
export function insertClashesFilter(docs: ReadonlyArray<KeyScope & Pick<JobDocument, '_id' | 'key'>>): Filter<JobDocument> {
  const holders = docs.flatMap((doc) => (doc.key === null ? [] : [keyHolderFilter(doc, doc.key)]));
  return { $or: [{ _id: { $in: docs.map((doc) => doc._id) } }, ...holders] };
}

/** The unfinished jobs holding the keys of `docs` (all keyed), in one lookup. */
export function keyHoldersFilter(docs: ReadonlyArray<KeyScope & Pick<JobDocument, 'key'>>): Filter<JobDocument> {
  return { $or: docs.map((doc) => keyHolderFilter(doc, doc.key!)) };
}

/**
 * For each document of a batch, the index of the earlier document that holds its key (same type,
 * key, tenant and owner, in a key-holding status), or -1: that earlier one answers it, as a stored
 * holder would.
 */
export function earlierKeyHolders(docs: ReadonlyArray<KeyScope & Pick<JobDocument, 'key' | 'status'>>): number[] {
  const holders = new Map<string, number>();
  return docs.map((doc, index) => {
    if (doc.key === null) return -1;
    const scope = JSON.stringify([doc.type, doc.key, doc.tenantId ?? null, doc.ownerId ?? null]);
    const holder = holders.get(scope);
    if (holder !== undefined) return holder;
    if (KEY_HOLDING_STATUSES.includes(doc.status)) holders.set(scope, index);
    return -1;
  });
}
