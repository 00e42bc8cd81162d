import { JobValidationError } from '../errors/jobtrail-error.js';
import { assertStorableDate, show } from '../tracker/validate-input.js';
import { isUuid } from '../util/uuid-v7.js';
import { optionalDate, optionalText, requireText } from './store-input.js';
import { MAX_SCHEDULE_PAGE, type ScheduleQuery, type SchedulePatch, type ScheduleRecord } from './schedule-store.js';

/**
 * The checks of the schedule operations' input, run by `guardStore` for every store (as
 * `store-input.ts` does for jobs): what the port's types promise, so a store receives only
 * well-formed records. Whether a spec makes sense (a cron pattern parses, `endAt` after
 * `startAt`) is `checkScheduleSpec`'s, run by the tracker before it builds a record.
 */

const OVERLAPS = new Set(['skip', 'allow']);
const CATCH_UPS = new Set(['none', 'latest', 'all']);
const MAX_NAME_LENGTH = 255;
const MAX_PENDING_TICKS = 1000;

/** A schedule name: a non-empty string of at most 255 characters. */
export function checkScheduleName(name: unknown, field = 'name'): void {
  if (typeof name !== 'string' || name === '' || name.length > MAX_NAME_LENGTH) {
    throw new JobValidationError(field, `must be a schedule name (1 to ${MAX_NAME_LENGTH} characters); got ${show(name)}.`);
  }
}

export function checkScheduleRecord(record: ScheduleRecord): void {
  if (record === null || typeof record !== 'object') throw new JobValidationError('schedule', 'must be a schedule record.');
  checkScheduleName(record.name);
  if (typeof record.type !== 'string' || record.type === '') throw new JobValidationError('type', `must be a non-empty string; got ${show(record.type)}.`);
  if (record.metadata === null || typeof record.metadata !== 'object' || Array.isArray(record.metadata)) {
    throw new JobValidationError('metadata', `must be an object; got ${show(record.metadata)}.`);
  }
  optionalText('tenantId', record.tenantId);
  if ((record.cron === null) === (record.everyMs === null)) {
    throw new JobValidationError('cron', 'exactly one of cron and everyMs must be set.');
  }
  if (record.cron !== null) {
    requireText('cron', record.cron);
    requireText('timezone', record.timezone);
  } else {
    if (record.timezone !== null) throw new JobValidationError('timezone', 'must be null for an every schedule.');
    requireInteger('everyMs', record.everyMs, 1);
  }
  optionalDate('startAt', record.startAt);
  optionalDate('endAt', record.endAt);
  assertStorableDate(record.anchorAt, 'anchorAt');
  // A record is whole: every field the patch checks let pass as absent must be there.
  for (const field of ['overlap', 'catchUp', 'maxCatchUp', 'enabled', 'paused', 'pendingTicks'] as const) {
    if (record[field] === undefined) throw new JobValidationError(field, 'is required in a schedule record.');
  }
  for (const field of ['payload', 'startAt', 'endAt', 'nextRunAt', 'lastRunAt', 'lastJobId'] as const) {
    if (record[field] === undefined) throw new JobValidationError(field, 'is required in a schedule record (null when there is none).');
  }
  checkSettings(record);
  requireInteger('version', record.version, 1);
  assertStorableDate(record.createdAt, 'createdAt');
  assertStorableDate(record.updatedAt, 'updatedAt');
}

export function checkScheduleUpdate(name: string, expectedVersion: number, patch: SchedulePatch): void {
  checkScheduleName(name);
  requireInteger('expectedVersion', expectedVersion, 1);
  if (patch === null || typeof patch !== 'object') throw new JobValidationError('patch', 'must be an object.');
  for (const key of ['name', 'version', 'createdAt'] as const) {
    if ((patch as Record<string, unknown>)[key] !== undefined) throw new JobValidationError(key, 'cannot be changed by an update.');
  }
  if (patch.type !== undefined) requireText('type', patch.type);
  if (patch.metadata !== undefined && (patch.metadata === null || typeof patch.metadata !== 'object' || Array.isArray(patch.metadata))) {
    throw new JobValidationError('metadata', `must be an object; got ${show(patch.metadata)}.`);
  }
  if (patch.tenantId !== undefined) optionalText('tenantId', patch.tenantId);
  if (patch.cron !== undefined && patch.cron !== null) requireText('cron', patch.cron);
  if (patch.timezone !== undefined && patch.timezone !== null) requireText('timezone', patch.timezone);
  if (patch.everyMs !== undefined && patch.everyMs !== null) requireInteger('everyMs', patch.everyMs, 1);
  if (patch.startAt !== undefined) optionalDate('startAt', patch.startAt);
  if (patch.endAt !== undefined) optionalDate('endAt', patch.endAt);
  if (patch.anchorAt !== undefined) assertStorableDate(patch.anchorAt, 'anchorAt');
  checkSettings(patch);
  assertStorableDate(patch.updatedAt, 'updatedAt');
}

export function checkScheduleDelete(name: string, expectedVersion?: number): void {
  checkScheduleName(name);
  if (expectedVersion !== undefined) requireInteger('expectedVersion', expectedVersion, 1);
}

export function checkScheduleQuery(query: ScheduleQuery): void {
  if (query === null || typeof query !== 'object') throw new JobValidationError('query', 'must be an object.');
  if (query.tenantId !== undefined) optionalText('tenantId', query.tenantId);
  if (query.after !== undefined) checkScheduleName(query.after, 'after');
  requireInteger('limit', query.limit, 1, MAX_SCHEDULE_PAGE);
}

export function checkDueSchedules(now: Date, limit: number): void {
  assertStorableDate(now, 'now');
  requireInteger('limit', limit, 1, MAX_SCHEDULE_PAGE);
}

/** The fields a record and a patch share beyond the spec's text and timing. */
function checkSettings(value: Partial<ScheduleRecord>): void {
  if (value.overlap !== undefined && !OVERLAPS.has(value.overlap)) throw new JobValidationError('overlap', `must be 'skip' or 'allow'; got ${show(value.overlap)}.`);
  if (value.catchUp !== undefined && !CATCH_UPS.has(value.catchUp)) {
    throw new JobValidationError('catchUp', `must be 'none', 'latest' or 'all'; got ${show(value.catchUp)}.`);
  }
  if (value.maxCatchUp !== undefined) requireInteger('maxCatchUp', value.maxCatchUp, 1, MAX_PENDING_TICKS);
  if (value.enabled !== undefined) requireBoolean('enabled', value.enabled);
  if (value.paused !== undefined) requireBoolean('paused', value.paused);
  if (value.nextRunAt !== undefined) optionalDate('nextRunAt', value.nextRunAt);
  if (value.lastRunAt !== undefined) optionalDate('lastRunAt', value.lastRunAt);
  if (value.lastJobId !== undefined && value.lastJobId !== null && !isUuid(value.lastJobId)) {
    throw new JobValidationError('lastJobId', `must be a job id or null; got ${show(value.lastJobId)}.`);
  }
  if (value.pendingTicks !== undefined) {
    if (!Array.isArray(value.pendingTicks) || value.pendingTicks.length > MAX_PENDING_TICKS) {
      throw new JobValidationError('pendingTicks', `must be an array of at most ${MAX_PENDING_TICKS} Dates.`);
    }
    for (const [index, tick] of value.pendingTicks.entries()) assertStorableDate(tick, `pendingTicks[${index}]`);
  }
}

function requireBoolean(field: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new JobValidationError(field, `must be a boolean; got ${show(value)}.`);
}

function requireInteger(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new JobValidationError(field, `must be an integer from ${min} to ${max}; got ${show(value)}.`);
  }
}
