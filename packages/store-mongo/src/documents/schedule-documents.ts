import type { ScheduleQuery, SchedulePatch } from '@jobtrail/core/store';
import type { Filter, Sort, UpdateFilter } from 'mongodb';
import type { ScheduleDocument } from '../mapping/schedule-document.js';
import { filterValue } from '../validation/checks.js';

/**
 * The filter, sort and update documents of the schedule operations. `_id` is the schedule name
 * (see `ScheduleDocument`). Every caller value placed in a filter goes through `filterValue`.
 */

/**
 * Name order for `listSchedules`. MongoDB compares strings by their UTF-8 bytes (the default,
 * binary collation), which is Unicode code point order; `$gt` on `_id` (the page cursor) uses the
 * same comparison, so pages never skip or repeat a name.
 */
export const SCHEDULE_NAME_SORT = { _id: 1 } as const satisfies Sort;

/**
 * `dueSchedules`' order: `nextRunAt` ascending, then name. MongoDB sorts a null (or missing)
 * `nextRunAt` before every Date, which is the port's "a schedule without one first".
 */
export const DUE_SCHEDULES_SORT = { nextRunAt: 1, _id: 1 } as const satisfies Sort;

/** The earliest Date JavaScript has: every storable tick is at or after it. */
const EARLIEST_DATE = new Date(-8.64e15);

/**
 * Schedules that fire: `enabled: true` and `paused: false` (equalities, so the
 * `jobtrail_schedule_due` index serves them and a flag that is missing or not a boolean never
 * matches, as `readEnabled`/`readPaused` read it).
 */
const FIRING = { enabled: true, paused: false } as const;

/**
 * `nextScheduleRunAt`: the firing schedules that have a next tick, earliest first (sort with
 * {@link NEXT_RUN_SORT}, take one). `$type: 'date'` leaves out null and missing `nextRunAt`, which
 * an ascending sort would otherwise put first.
 */
export const NEXT_RUN_FILTER = { ...FIRING, nextRunAt: { $type: 'date' } } as const satisfies Filter<ScheduleDocument>;
export const NEXT_RUN_SORT = { nextRunAt: 1 } as const satisfies Sort;

export function scheduleNameFilter(name: string): Filter<ScheduleDocument> {
  return { _id: filterValue('name', name) };
}

/**
 * The filter of `updateSchedule`'s compare-and-set: the schedule, at the expected version.
 * `findOneAndUpdate` with it writes only while the version is still the expected one.
 */
export function scheduleVersionFilter(name: string, expectedVersion: number): Filter<ScheduleDocument> {
  return { _id: filterValue('name', name), version: filterValue('expectedVersion', expectedVersion) };
}

/**
 * Every field a patch may set, listed (and checked against `SchedulePatch` by the compiler) so
 * that an update copies exactly these keys of the patch, never whatever else a JavaScript caller
 * put in it. The document field of each is the record field of the same name.
 */
const PATCH_FIELDS = {
  type: true,
  payload: true,
  metadata: true,
  tenantId: true,
  cron: true,
  timezone: true,
  everyMs: true,
  startAt: true,
  endAt: true,
  anchorAt: true,
  overlap: true,
  catchUp: true,
  maxCatchUp: true,
  enabled: true,
  paused: true,
  nextRunAt: true,
  lastRunAt: true,
  lastJobId: true,
  pendingTicks: true,
  updatedAt: true,
} as const satisfies Record<keyof SchedulePatch, true>;

const PATCH_KEYS = Object.keys(PATCH_FIELDS) as Array<keyof SchedulePatch>;

/**
 * The update of `updateSchedule`: `$set` of every field the patch defines (`undefined` leaves a
 * field alone; null is stored as null), each replacing the stored value whole (`metadata`,
 * `payload` and `pendingTicks` are never merged), and `version` set to `expectedVersion + 1`.
 */
export function scheduleUpdate(patch: SchedulePatch, expectedVersion: number): UpdateFilter<ScheduleDocument> & { $set: Partial<ScheduleDocument> } {
  const set: Record<string, unknown> = {};
  for (const key of PATCH_KEYS) {
    const value = patch[key];
    if (value !== undefined) set[key] = value;
  }
  set['version'] = expectedVersion + 1;
  return { $set: set as Partial<ScheduleDocument> };
}

/**
 * `listSchedules`' filter (sort with {@link SCHEDULE_NAME_SORT}). `tenantId: null` is the
 * deliberate MongoDB equality, which matches a null and a missing `tenantId` alike: every
 * document the store writes holds the field, and one without it (edited by hand) reads back as
 * `tenantId: null` (see `toScheduleRecord`), so "without a tenant" lists exactly the schedules
 * whose records say so. `$type: 'null'` would leave such a document out of every tenant's list.
 */
export function listSchedulesFilter(query: ScheduleQuery): Filter<ScheduleDocument> {
  const filter: Filter<ScheduleDocument> = {};
  if (query.tenantId !== undefined) filter.tenantId = filterValue('tenantId', query.tenantId);
  if (query.after !== undefined) filter._id = { $gt: filterValue('after', query.after) };
  return filter;
}

/**
 * `dueSchedules`' filter (sort with {@link DUE_SCHEDULES_SORT}): schedules with pending ticks,
 * whatever their state, or firing ones whose `nextRunAt` has come. An `$or` whose branches each
 * have an index (`jobtrail_schedule_pending`, `jobtrail_schedule_due`), so no branch scans the
 * collection; the due set is then sorted in memory, which stays small.
 *
 * "Has pending ticks" is "has an element that is a Date": `$gte` on a Date matches only Dates
 * (MongoDB compares within a type), and `$elemMatch` only arrays, so an empty, null or missing
 * `pendingTicks` is left out, as `toScheduleRecord` reads them as none. A `nextRunAt` that is null
 * or missing never matches `$lte` on a Date.
 */
export function dueSchedulesFilter(now: Date): Filter<ScheduleDocument> {
  return {
    $or: [{ pendingTicks: { $elemMatch: { $gte: EARLIEST_DATE } } }, { ...FIRING, nextRunAt: { $lte: filterValue('now', now) } }],
  };
}
