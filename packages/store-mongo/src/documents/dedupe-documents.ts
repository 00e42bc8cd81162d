import type { Filter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { KEY_HOLDING_STATUSES } from './statuses.js';

/** The unfinished job of `type` holding `key` (other than `exceptId`): at most one exists. */
export function keyHolderFilter(type: string, key: string, exceptId?: string): Filter<JobDocument> {
  const filter: Filter<JobDocument> = { type, key, status: { $in: [...KEY_HOLDING_STATUSES] } };
  if (exceptId !== undefined) filter._id = { $ne: exceptId };
  return filter;
}

/**
 * What an insert inside a transaction looks for first: a job with the same id, or the unfinished
 * job holding the key. (A duplicate-key error would abort the caller's whole transaction.)
 */
export function insertClashFilter(doc: Pick<JobDocument, '_id' | 'type' | 'key'>): Filter<JobDocument> {
  if (doc.key === null) return { _id: doc._id };
  return { $or: [{ _id: doc._id }, keyHolderFilter(doc.type, doc.key)] };
}
