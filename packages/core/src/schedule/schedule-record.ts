import type { SchedulePatch, ScheduleRecord } from '../store/schedule-store.js';
import { isDate } from '../util/dates.js';
import type { ScheduleDefinition } from './schedule-spec.js';
import { nextTick, type ScheduleTiming } from './schedule-ticks.js';

/**
 * Building and comparing stored schedule records, pure. The record's `nextRunAt` is the first
 * tick not yet judged: a scheduler fires (or, under `overlap: 'skip'`, skips) the ticks in
 * `[nextRunAt, now]` and moves it past `now`, so `lastRunAt` only ever names a tick claimed for firing.
 */

/** The fields of a definition a record keeps as they are. */
type SpecFields = Pick<
  ScheduleRecord,
  'type' | 'payload' | 'metadata' | 'tenantId' | 'cron' | 'timezone' | 'everyMs' | 'startAt' | 'endAt' | 'overlap' | 'catchUp' | 'maxCatchUp' | 'enabled'
>;

const TIMING_FIELDS = ['cron', 'timezone', 'everyMs', 'startAt', 'endAt'] as const;
const OTHER_FIELDS = ['type', 'payload', 'metadata', 'tenantId', 'overlap', 'catchUp', 'maxCatchUp', 'enabled'] as const;

/** A new schedule's record, anchored at `now`: its first tick is the first at or after `now`. */
export function newScheduleRecord(definition: ScheduleDefinition, now: Date): ScheduleRecord {
  const anchorAt = new Date(now.getTime());
  const spec = specFields(definition);
  return {
    name: definition.name,
    ...spec,
    anchorAt,
    paused: false,
    nextRunAt: firstTickFrom({ ...spec, anchorAt }, now),
    lastRunAt: null,
    lastJobId: null,
    pendingTicks: [],
    // Never a version an earlier schedule of the same name had (see ScheduleRecord.version).
    version: Math.max(1, anchorAt.getTime()),
    createdAt: anchorAt,
    updatedAt: anchorAt,
  };
}

/**
 * The patch that makes `current` say what `definition` says, or null when it already does (a
 * process declaring its schedules at every start writes nothing). A change of timing (pattern,
 * zone, interval, bounds) starts the schedule afresh from `now`: `every` ticks count from then
 * (unless `startAt` is given) and no tick before it is due; enabling a disabled schedule fires
 * none of the ticks it was disabled for. The operator's `paused`, and where
 * firing stands (`lastRunAt`, `lastJobId`, `pendingTicks`), are kept.
 */
export function specPatch(current: ScheduleRecord, definition: ScheduleDefinition, now: Date): SchedulePatch | null {
  const spec = specFields(definition);
  const timingChanged = TIMING_FIELDS.some((field) => !sameValue(current[field], spec[field]));
  const otherChanged = OTHER_FIELDS.some((field) =>
    field === 'payload' || field === 'metadata' ? !sameJson(current[field], spec[field]) : !sameValue(current[field], spec[field]),
  );
  if (!timingChanged && !otherChanged) return null;
  const patch: SchedulePatch = { ...spec, updatedAt: now };
  if (timingChanged) {
    patch.anchorAt = now;
    patch.nextRunAt = firstTickFrom({ ...spec, anchorAt: now }, now);
  } else if (!current.enabled && spec.enabled) {
    // Enabled again: the ticks it was disabled for are not missed, they were never wanted.
    patch.nextRunAt = firstTickFrom(current, now);
  }
  return patch;
}

/** The first tick at or after `from`, or null when there is none. */
export function firstTickFrom(timing: ScheduleTiming, from: Date): Date | null {
  return nextTick(timing, new Date(from.getTime() - 1));
}

function specFields(definition: ScheduleDefinition): SpecFields {
  return {
    type: definition.type,
    payload: definition.payload,
    metadata: definition.metadata,
    tenantId: definition.tenantId,
    cron: definition.cron,
    timezone: definition.timezone,
    everyMs: definition.everyMs,
    startAt: definition.startAt,
    endAt: definition.endAt,
    overlap: definition.overlap,
    catchUp: definition.catchUp,
    maxCatchUp: definition.maxCatchUp,
    enabled: definition.enabled,
  };
}

/** Equality of a stored scalar or Date (the spec's fields other than payload and metadata). */
export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (isDate(a) && isDate(b) && a.getTime() === b.getTime());
}

/**
 * Equality of JSON values as a store keeps them: what `JSON.stringify` writes (a Date as its ISO
 * text, an `undefined` property left out), whatever the key order. A payload declared with a Date
 * or an `undefined` property then equals what the store answers for it, so declaring an
 * unchanged schedule writes nothing.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  }) ?? 'undefined';
}
