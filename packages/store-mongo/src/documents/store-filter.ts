import { JobValidationError } from '@jobtrail/core';
import { isUuid, type StoreFilter, type StoreQuery } from '@jobtrail/core/store';
import type { Filter, Sort } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { requireDate, requireStatus } from '../validation/checks.js';
import { KEY_HOLDING_STATUSES } from './statuses.js';

export const MAX_QUERY_LIMIT = 1000;

/** Newest first: ids are UUIDv7, so `_id` order is creation order. */
export const QUERY_SORT = { _id: -1 } as const satisfies Sort;

function stringList(field: string, values: unknown): string[] {
  if (!Array.isArray(values)) throw new JobValidationError(field, 'must be an array of strings.');
  for (const value of values) {
    if (typeof value !== 'string') throw new JobValidationError(field, `must hold strings only; got ${typeof value}.`);
  }
  return [...(values as string[])];
}

function scope(field: string, value: unknown): string | null {
  if (value !== null && typeof value !== 'string') throw new JobValidationError(field, 'must be a string, or null for "none".');
  return value;
}

/**
 * The MongoDB filter for a store filter, after checking every value: the conditions combine by
 * AND; `tenantId: null` means "no tenant"; an empty status or type list matches nothing (`$in: []`).
 */
export function storeFilter(filter: StoreFilter): Filter<JobDocument> {
  if (filter === null || typeof filter !== 'object') throw new JobValidationError('filter', 'must be an object.');
  const match: Filter<JobDocument> = {};
  if (filter.status !== undefined) {
    const statuses = stringList('status', filter.status);
    for (const status of statuses) requireStatus('status', status);
    match.status = { $in: statuses as JobDocument['status'][] };
  }
  if (filter.type !== undefined) match.type = { $in: stringList('type', filter.type) };
  if (filter.tenantId !== undefined) match.tenantId = scope('tenantId', filter.tenantId);
  if (filter.ownerId !== undefined) match.ownerId = scope('ownerId', filter.ownerId);
  if (filter.parentId !== undefined) {
    if (typeof filter.parentId !== 'string') throw new JobValidationError('parentId', 'must be a job id (string).');
    match.parentId = filter.parentId;
  }
  if (filter.createdAfter !== undefined || filter.createdBefore !== undefined) {
    const created: { $gte?: Date; $lt?: Date } = {};
    if (filter.createdAfter !== undefined) created.$gte = requireDate('createdAfter', filter.createdAfter);
    if (filter.createdBefore !== undefined) created.$lt = requireDate('createdBefore', filter.createdBefore);
    match.createdAt = created;
  }
  if (filter.activeSince !== undefined) {
    const since = requireDate('activeSince', filter.activeSince);
    // A finished job has a terminal status; `$gte: Date` never matches a null finishedAt.
    match.$or = [{ status: { $in: [...KEY_HOLDING_STATUSES] } }, { finishedAt: { $gte: since } }];
  }
  return match;
}

/** The filter and page size of a query; the cursor is checked to be a job id before use. */
export function queryFilter(query: StoreQuery): { filter: Filter<JobDocument>; limit: number } {
  if (query === null || typeof query !== 'object') throw new JobValidationError('query', 'must be an object.');
  const limit = query.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new JobValidationError('limit', `must be an integer from 1 to ${MAX_QUERY_LIMIT}; got ${String(limit)}.`);
  }
  const filter = storeFilter(query);
  if (query.cursor !== undefined) {
    if (!isUuid(query.cursor)) throw new JobValidationError('cursor', 'must be the nextCursor of a previous page (a job id).');
    filter._id = { $lt: query.cursor };
  }
  return { filter, limit };
}
