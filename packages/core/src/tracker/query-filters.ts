import { asInputError } from '../util/read-input.js';
import { JobValidationError } from '../errors/jobtrail-error.js';
import type { JobScope } from '../model/job.js';
import { JOB_STATUSES, isJobStatus, type JobStatus } from '../model/job-status.js';
import type { FieldReads, StoreFilter } from '../store/job-store.js';
import { checkReadScope, inReadScope } from '../store/field-reads.js';
import { checkMetadataFilter } from '../store/metadata-filter-check.js';
import type { MetadataFilter } from '../store/metadata-filter.js';
import { dateTime } from '../util/dates.js';
import { isUuid } from '../util/uuid-v7.js';
import { assertStorableDate, show, storableText } from './validate-input.js';

export interface JobFilter {
  status?: JobStatus | readonly JobStatus[];
  type?: string | readonly string[];
  tenantId?: string | null;
  ownerId?: string | null;
  /** Jobs of this group (`null`: jobs without one). */
  group?: string | null;
  /** Jobs with this dedupe key (`null`: without one). */
  key?: string | null;
  /** Jobs a recurring schedule of this name fired (`null`: jobs no schedule made). */
  scheduleName?: string | null;
  /** Jobs whose current error has this code (e.g. `'http_503'`, `'job_timeout'`, `'lease_expired'`). */
  errorCode?: string;
  /**
   * Jobs whose `metadata` has each of these top-level fields equal to its value, e.g.
   * `{ customerId: 'c-42', dryRun: false }` (strings, finite numbers, booleans; at most 20 fields).
   * Indexed on PostgreSQL (GIN) and MongoDB (wildcard index).
   */
  metadata?: MetadataFilter;
  parentId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  /** Narrows everything to what this caller may see. */
  scope?: JobScope;
}

export interface ListFilter extends JobFilter {
  /** How to read each job's large fields (see `FieldReads`). Default: in full. */
  read?: FieldReads;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** 1..1000, default 50. */
  limit?: number;
  /** `'newest'` first (the default) or `'oldest'` first: by creation (job ids are time-ordered). */
  order?: 'newest' | 'oldest';
}

/** Every field of a {@link JobFilter}: what bulk actions and watches accept (lists add paging). */
export const JOB_FILTER_KEYS: readonly (keyof JobFilter)[] = [
  'status',
  'type',
  'tenantId',
  'ownerId',
  'group',
  'key',
  'scheduleName',
  'errorCode',
  'metadata',
  'parentId',
  'createdAfter',
  'createdBefore',
  'scope',
];

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/**
 * Validates a filter and folds the scope into it; `null` means it matches nothing (the scope
 * excludes everything, or no job can have any of the given types). A filter whose reading throws
 * (a proxy's trap, a getter) is refused as bad input: field `scope` for its scope, else `filter`.
 */
export function toStoreFilter(filter: JobFilter = {}): StoreFilter | null {
  try {
    return storeFilterOf(filter);
  } catch (error) {
    throw asInputError(error, 'filter');
  }
}

function storeFilterOf(filter: JobFilter): StoreFilter | null {
  const scope = filter.scope === undefined ? undefined : checkReadScope(filter.scope);
  const out: StoreFilter = {};
  let matchesNothing = false;
  if (filter.status !== undefined) {
    const statuses = toList(filter.status, 'status');
    for (const status of statuses) {
      if (!isJobStatus(status)) {
        throw new JobValidationError('status', `${show(status)} is not a status; use one of ${JOB_STATUSES.join(', ')}.`);
      }
    }
    out.status = statuses as JobStatus[];
  }
  if (filter.type !== undefined) {
    const types = toList(filter.type, 'type');
    for (const type of types) {
      if (typeof type !== 'string' || type === '') throw new JobValidationError('type', 'must be non-empty strings.');
    }
    // A type holding a NUL or an unpaired surrogate belongs to no job (enqueue refuses it), and
    // some stores refuse to even compare it: it matches nothing on every store.
    const storable = (types as string[]).filter((type) => storableText(type) === type);
    if (storable.length === 0) matchesNothing = true;
    out.type = storable;
  }
  for (const field of ['key', 'scheduleName'] as const) {
    const value = filter[field];
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') throw new JobValidationError(field, `must be a string or null; got ${show(value)}.`);
    // A value no job can hold matches nothing, on every store alike.
    if (value !== null && (value === '' || storableText(value) !== value)) matchesNothing = true;
    out[field] = value;
  }
  const errorCode = filter.errorCode;
  if (errorCode !== undefined) {
    if (typeof errorCode !== 'string' || errorCode === '') throw new JobValidationError('errorCode', `must be a non-empty string; got ${show(errorCode)}.`);
    if (storableText(errorCode) !== errorCode) matchesNothing = true;
    out.errorCode = errorCode;
  }
  if (filter.metadata !== undefined) out.metadata = checkMetadataFilter(filter.metadata);
  const group = filter.group;
  if (group !== undefined) {
    if (group !== null && typeof group !== 'string') throw new JobValidationError('group', `must be a string or null; got ${show(group)}.`);
    // A group no job can have (enqueue refuses it) matches nothing, on every store alike.
    if (group !== null && (group === '' || storableText(group) !== group)) matchesNothing = true;
    out.group = group;
  }
  if (filter.parentId !== undefined) {
    if (!isUuid(filter.parentId)) throw new JobValidationError('parentId', `must be a job id; got ${show(filter.parentId)}.`);
    out.parentId = filter.parentId;
  }
  for (const field of ['createdAfter', 'createdBefore'] as const) {
    const value = filter[field];
    if (value === undefined) continue;
    // Years 0001..9999 only, as enqueue() checks: a store that could read further back must not
    // answer differently from one that cannot.
    assertStorableDate(value, field);
    out[field] = new Date(dateTime(value));
  }
  for (const field of ['tenantId', 'ownerId'] as const) {
    const own = filter[field];
    const scoped = scope?.[field];
    if (own !== undefined && own !== null && typeof own !== 'string') {
      throw new JobValidationError(field, `must be a string or null; got ${show(own)}.`);
    }
    if (scoped !== undefined) {
      if (own !== undefined && own !== scoped) return null;
      out[field] = scoped;
    } else if (own !== undefined) {
      out[field] = own;
    }
  }
  return matchesNothing ? null : out;
}

export function checkPageSize(limit: unknown): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new JobValidationError('limit', `must be an integer from 1 to ${MAX_PAGE_SIZE}; got ${show(limit)}.`);
  }
  return limit;
}

export function checkCursor(cursor: unknown): string | undefined {
  if (cursor === undefined || cursor === null || cursor === '') return undefined;
  if (!isUuid(cursor)) throw new JobValidationError('cursor', 'is not a cursor returned by a previous page.');
  return cursor;
}

export function inScope(job: { tenantId: string | null; ownerId: string | null }, scope?: JobScope): boolean {
  return scope === undefined || inReadScope(job, scope);
}

function toList<T>(value: T | readonly T[], field: string): readonly T[] {
  const list = Array.isArray(value) ? (value as readonly T[]) : [value as T];
  if (list.length === 0) throw new JobValidationError(field, 'must not be an empty list.');
  return list;
}
