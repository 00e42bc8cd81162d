import { JobValidationError } from '@jobtrail/core';
import type { MetadataFilter, StoreFilter, StoreQuery } from '@jobtrail/core/store';
import type { Filter, Sort } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { filterValue, filterValues } from '../validation/checks.js';
import { KEY_HOLDING_STATUSES } from './statuses.js';

/** Newest first: ids are UUIDv7, so `_id` order is creation order. */
export const QUERY_SORT = { _id: -1 } as const satisfies Sort;

/**
 * The MongoDB filter for a store filter (checked by core's `guardStore`; every caller value goes
 * through `filterValue`): the conditions combine by AND; `tenantId: null` means "no tenant" and
 * `group: null` "no group" (an equality that also matches a document without the field, which
 * reads back as null); an empty status or type list matches nothing (`$in: []`).
 */
export function storeFilter(filter: StoreFilter): Filter<JobDocument> {
  const match: Filter<JobDocument> = {};
  if (filter.status !== undefined) match.status = { $in: filterValues('status', filter.status) };
  if (filter.type !== undefined) match.type = { $in: filterValues('type', filter.type) };
  if (filter.tenantId !== undefined) match.tenantId = filterValue('tenantId', filter.tenantId);
  if (filter.ownerId !== undefined) match.ownerId = filterValue('ownerId', filter.ownerId);
  if (filter.parentId !== undefined) match.parentId = filterValue('parentId', filter.parentId);
  if (filter.group !== undefined) match.group = filterValue('group', filter.group);
  if (filter.key !== undefined) match.key = filterValue('key', filter.key);
  if (filter.scheduleName !== undefined) match.scheduleName = filterValue('scheduleName', filter.scheduleName);
  if (filter.errorCode !== undefined) (match as Record<string, unknown>)['error.code'] = filterValue('errorCode', filter.errorCode);
  if (filter.metadata !== undefined) Object.assign(match, metadataConditions(filter.metadata));
  if (filter.createdAfter !== undefined || filter.createdBefore !== undefined) {
    const created: { $gte?: Date; $lt?: Date } = {};
    if (filter.createdAfter !== undefined) created.$gte = filterValue('createdAfter', filter.createdAfter);
    if (filter.createdBefore !== undefined) created.$lt = filterValue('createdBefore', filter.createdBefore);
    match.createdAt = created;
  }
  if (filter.activeSince !== undefined) {
    const since = filterValue('activeSince', filter.activeSince);
    // A finished job has a terminal status; `$gte: Date` never matches a null finishedAt.
    match.$or = [{ status: { $in: [...KEY_HOLDING_STATUSES] } }, { finishedAt: { $gte: since } }];
  }
  return match;
}

/**
 * `metadata: { field: value }` as one condition per field on `metadata.<field>`. A plain equality
 * would also match an array holding the value (MongoDB's array rule); the other stores compare the
 * whole value, so arrays are left out. Field names are checked by core (no `.`, no leading `$`):
 * checked again here, as a name is a path to MongoDB.
 */
function metadataConditions(metadata: MetadataFilter): Record<string, unknown> {
  const conditions: Record<string, unknown> = {};
  for (const name of Object.keys(metadata)) {
    if (name === '' || name.includes('.') || name.startsWith('$')) {
      throw new JobValidationError('metadata', `field names must not be empty, hold "." or start with "$"; got ${JSON.stringify(name)}.`);
    }
    conditions[`metadata.${name}`] = { $eq: filterValue(`metadata.${name}`, metadata[name]), $not: { $type: 'array' } };
  }
  return conditions;
}

/** Oldest first (`order: 'oldest'`). */
export const QUERY_SORT_OLDEST = { _id: 1 } as const satisfies Sort;

/** The filter, sort and page size of a query (past the cursor, a job id, in the page order). */
export function queryFilter(query: StoreQuery): { filter: Filter<JobDocument>; limit: number; sort: Sort } {
  const filter = storeFilter(query);
  const oldest = query.order === 'oldest';
  if (query.cursor !== undefined) filter._id = oldest ? { $gt: filterValue('cursor', query.cursor) } : { $lt: filterValue('cursor', query.cursor) };
  return { filter, limit: query.limit, sort: oldest ? QUERY_SORT_OLDEST : QUERY_SORT };
}
