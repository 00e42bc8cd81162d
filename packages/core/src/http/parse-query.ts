import { JOB_STATUSES, isJobStatus, type JobStatus } from '../model/job-status.js';
import { MAX_JOB_TYPE_LENGTH, splitTypeList } from '../model/job-type.js';
import type { JobFilter } from '../tracker/query-filters.js';
import type { ActivityOptions } from '../tracker/job-activity.js';
import { MIN_ACTIVITY_BUCKET_MS } from '../store/store-input.js';
import { assertStorableDate } from '../tracker/validate-input.js';
import { isUuid } from '../util/uuid-v7.js';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { assertScheduleName } from '../schedule/schedule-spec.js';
import { checkMetadataFilter } from '../store/metadata-filter-check.js';
import type { MetadataFilter } from '../store/metadata-filter.js';
import { badRequest, quote } from './http-error.js';
import { parseIsoInstant } from './iso-date.js';

const MAX_LIST_VALUES = 50;
const MAX_WITHIN_MS = 31 * 86_400_000;

/** Rejects parameters a route does not know, so a typo (`?staus=failed`) is not silently ignored. */
function checkKnown(params: URLSearchParams, known: readonly string[]): void {
  for (const key of new Set(params.keys())) {
    if (!known.includes(key)) {
      throw badRequest(`Unknown query parameter ${quote(key)}; this route accepts ${known.join(', ')}.`);
    }
  }
}

/** `?status=a,b` and `?status=a&status=b` alike (values trimmed: statuses hold no spaces). */
function listOf(params: URLSearchParams, key: string): string[] | undefined {
  const raw = params.getAll(key);
  if (raw.length === 0) return undefined;
  const values = raw.flatMap((value) => value.split(',')).map((value) => value.trim());
  if (values.some((value) => value === '')) throw badRequest(`${key}: empty value; give one or more comma-separated values.`);
  return atMostListValues(values, key);
}

function atMostListValues(values: string[], key: string): string[] {
  if (values.length > MAX_LIST_VALUES) throw badRequest(`${key}: at most ${MAX_LIST_VALUES} values.`);
  return values;
}

function single(params: URLSearchParams, key: string): string | undefined {
  const raw = params.getAll(key);
  if (raw.length > 1) throw badRequest(`${key}: give it once.`);
  return raw[0];
}

function integer(params: URLSearchParams, key: string, min: number, max: number): number | undefined {
  const raw = single(params, key);
  if (raw === undefined) return undefined;
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw badRequest(`${key}: must be an integer from ${min} to ${max}; got ${quote(raw)}.`);
  }
  return value;
}

function date(params: URLSearchParams, key: string): Date | undefined {
  const raw = single(params, key);
  if (raw === undefined) return undefined;
  const value = parseIsoInstant(raw);
  if (!value) {
    throw badRequest(`${key}: must be an ISO 8601 date such as 2026-01-31T12:00:00Z, of a day and time that exist; got ${quote(raw)}.`);
  }
  // The range every store holds, as enqueue() checks it: each store answers the same.
  assertStorableDate(value, key);
  return value;
}

function jobId(params: URLSearchParams, key: string): string | undefined {
  const raw = single(params, key);
  if (raw === undefined) return undefined;
  if (!isUuid(raw)) throw badRequest(`${key}: must be a job id (a lowercase UUID); got ${quote(raw)}.`);
  return raw;
}

function statuses(params: URLSearchParams): JobStatus[] | undefined {
  const values = listOf(params, 'status');
  for (const value of values ?? []) {
    if (!isJobStatus(value)) throw badRequest(`status: ${quote(value)} is not a status; use ${JOB_STATUSES.join(', ')}.`);
  }
  return values as JobStatus[] | undefined;
}

/**
 * `?type=a,b` and `?type=a&type=b` alike; `\,` and `\\` are a literal comma / backslash inside a
 * type, and nothing is trimmed, so every type enqueue() accepts can be asked for.
 */
function types(params: URLSearchParams): string[] | undefined {
  const raw = params.getAll('type');
  if (raw.length === 0) return undefined;
  const values = atMostListValues(raw.flatMap(splitTypeList), 'type');
  for (const value of values) {
    if (value.length > MAX_JOB_TYPE_LENGTH) {
      throw badRequest(`type: at most ${MAX_JOB_TYPE_LENGTH} characters, like the types enqueue() accepts; got ${value.length}.`);
    }
  }
  return values;
}

/**
 * `?metadata={"customerId":"c-42","retried":false}`: a JSON object, so numbers and booleans keep
 * their type (a query string alone cannot say whether `1` is a number or a string). Checked as
 * the tracker checks `JobFilter.metadata`.
 */
function metadataFilter(params: URLSearchParams): MetadataFilter | undefined {
  const raw = single(params, 'metadata');
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw badRequest(`metadata: must be a JSON object such as {"customerId":"c-42"}; got ${quote(raw)}.`);
  }
  return checkMetadataFilter(value);
}

/**
 * `?tenantId=t`: narrows inside the caller's scope (the tracker folds the scope in, so for a
 * caller of another tenant it matches nothing; it never widens).
 */
function tenantFilter(params: URLSearchParams, filter: JobFilter): void {
  const tenantId = single(params, 'tenantId');
  if (tenantId === undefined) return;
  if (tenantId === '') throw badRequest('tenantId: give a tenant id.');
  filter.tenantId = tenantId;
}

/** The filters shared by the list and stats routes. */
function baseFilter(params: URLSearchParams): JobFilter {
  const filter: JobFilter = {};
  const type = types(params);
  if (type) filter.type = type;
  const parentId = jobId(params, 'parentId');
  if (parentId) filter.parentId = parentId;
  for (const field of ['group', 'key', 'scheduleName', 'errorCode'] as const) {
    const value = single(params, field);
    if (value !== undefined) filter[field] = value;
  }
  const metadata = metadataFilter(params);
  if (metadata) filter.metadata = metadata;
  const createdAfter = date(params, 'createdAfter');
  if (createdAfter) filter.createdAfter = createdAfter;
  const createdBefore = date(params, 'createdBefore');
  if (createdBefore) filter.createdBefore = createdBefore;
  if (createdAfter && createdBefore && createdAfter > createdBefore) {
    throw badRequest('createdAfter must not be later than createdBefore.');
  }
  return filter;
}

export interface ListQuery {
  filter: JobFilter;
  cursor?: string;
  limit: number;
  order?: 'newest' | 'oldest';
}

export function parseListQuery(params: URLSearchParams, defaultLimit: number, maxPageSize: number): ListQuery {
  checkKnown(params, ['status', 'type', 'tenantId', 'group', 'key', 'scheduleName', 'errorCode', 'metadata', 'parentId', 'createdAfter', 'createdBefore', 'cursor', 'limit', 'order']);
  const filter = baseFilter(params);
  tenantFilter(params, filter);
  const status = statuses(params);
  if (status) filter.status = status;
  const query: ListQuery = { filter, limit: integer(params, 'limit', 1, maxPageSize) ?? defaultLimit };
  const order = single(params, 'order');
  if (order !== undefined) {
    if (order !== 'newest' && order !== 'oldest') throw badRequest(`order: must be newest or oldest; got ${quote(order)}.`);
    query.order = order;
  }
  const cursor = single(params, 'cursor');
  if (cursor !== undefined && cursor !== '') {
    if (!isUuid(cursor)) throw badRequest('cursor: is not a nextCursor returned by a previous page.');
    query.cursor = cursor;
  }
  return query;
}

export interface ActiveQuery {
  withinMs: number;
  type?: string[];
  limit: number;
}

export const DEFAULT_ACTIVE_WITHIN_MS = 300_000;

export function parseActiveQuery(params: URLSearchParams, defaultLimit: number, maxPageSize: number): ActiveQuery {
  checkKnown(params, ['withinMs', 'type', 'limit']);
  const query: ActiveQuery = {
    withinMs: integer(params, 'withinMs', 0, MAX_WITHIN_MS) ?? DEFAULT_ACTIVE_WITHIN_MS,
    limit: integer(params, 'limit', 1, maxPageSize) ?? defaultLimit,
  };
  const type = types(params);
  if (type) query.type = type;
  return query;
}

/** `GET /jobs/stream`: the list filters, without paging (a stream has no pages). */
export function parseStreamQuery(params: URLSearchParams): JobFilter {
  checkKnown(params, ['status', 'type', 'group', 'key', 'scheduleName', 'errorCode', 'metadata', 'parentId', 'createdAfter', 'createdBefore']);
  const filter = baseFilter(params);
  const status = statuses(params);
  if (status) filter.status = status;
  return filter;
}

const STATS_PARAMS = ['type', 'tenantId', 'group', 'key', 'scheduleName', 'errorCode', 'metadata', 'parentId', 'createdAfter', 'createdBefore'];

export function parseStatsQuery(params: URLSearchParams): JobFilter {
  checkKnown(params, STATS_PARAMS);
  const filter = baseFilter(params);
  tenantFilter(params, filter);
  return filter;
}

/** Widest `bucketMs` of `GET /jobs/activity`: a year. */
export const MAX_ACTIVITY_BUCKET_MS = 366 * 86_400_000;

/**
 * `GET /jobs/activity?since=&until=&bucketMs=` plus the stats filters. Dates as for
 * `createdAfter`; `bucketMs` an integer from 1000 to {@link MAX_ACTIVITY_BUCKET_MS}. The range
 * itself (since before until, at most 1440 buckets) is the tracker's to check.
 */
export function parseActivityQuery(params: URLSearchParams): ActivityOptions {
  checkKnown(params, ['since', 'until', 'bucketMs', ...STATS_PARAMS]);
  const query: ActivityOptions = parseStatsQuery(new URLSearchParams([...params].filter(([key]) => STATS_PARAMS.includes(key))));
  const since = date(params, 'since');
  if (since) query.since = since;
  const until = date(params, 'until');
  if (until) query.until = until;
  const bucketMs = integer(params, 'bucketMs', MIN_ACTIVITY_BUCKET_MS, MAX_ACTIVITY_BUCKET_MS);
  if (bucketMs !== undefined) query.bucketMs = bucketMs;
  return query;
}

export interface ScheduleListQuery {
  /** Names after this one: the previous page's `nextCursor`. */
  after?: string;
  limit: number;
}

/**
 * `GET /schedules?after=&limit=`: `limit` as for `GET /jobs`; `after` a schedule name (the
 * previous page's `nextCursor`), empty meaning the first page as `cursor=` does for jobs.
 */
export function parseScheduleListQuery(params: URLSearchParams, defaultLimit: number, maxPageSize: number): ScheduleListQuery {
  checkKnown(params, ['after', 'limit']);
  const query: ScheduleListQuery = { limit: integer(params, 'limit', 1, maxPageSize) ?? defaultLimit };
  const after = single(params, 'after');
  if (after !== undefined && after !== '') {
    try {
      assertScheduleName(after);
    } catch (error) {
      if (!JobValidationError.isInstance(error)) throw error;
      throw badRequest(`after: is not a nextCursor returned by a previous page (a schedule name); got ${quote(after)}.`);
    }
    query.after = after;
  }
  return query;
}
