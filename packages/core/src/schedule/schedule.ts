import type { ScheduleRecord } from '../store/schedule-store.js';

/**
 * A recurring schedule as `tracker.listSchedules()` and `getSchedule()` answer it: its spec with
 * every default applied, its state, and where firing stands. The fields are the stored record's
 * (see `ScheduleRecord`) without the store's bookkeeping, and with `every` for `everyMs`.
 */
export interface Schedule extends Omit<ScheduleRecord, 'everyMs' | 'anchorAt' | 'pendingTicks' | 'version' | 'nextRunAt'> {
  /** The interval in ms, or null for a cron schedule. */
  every: number | null;
  /**
   * When the next tick fires; null when none will without a change: past `endAt`, paused or
   * disabled (resuming or enabling computes it afresh from then).
   */
  nextRunAt: Date | null;
}

/** A page of `tracker.listSchedules()`, name ascending. */
export interface SchedulePage {
  schedules: Schedule[];
  /**
   * The name to pass as `after` for the next page, or null when this was the last. (A full page
   * of the largest size, 1000, always answers a cursor; the page after it may be empty.)
   */
  nextCursor: string | null;
}

/** Options of `tracker.listSchedules()`. */
export interface ListSchedulesOptions {
  /** Only schedules of this tenant (`null`: without one; undefined: any). */
  tenantId?: string | null;
  /** Names after this one: the previous page's `nextCursor`. */
  after?: string;
  /** Page size, 1..1000. Default 100. */
  limit?: number;
}

/** The public view of a stored record: fresh objects, nothing of the store's bookkeeping. */
export function toSchedule(record: ScheduleRecord): Schedule {
  return {
    name: record.name,
    type: record.type,
    payload: record.payload,
    metadata: record.metadata,
    tenantId: record.tenantId,
    cron: record.cron,
    timezone: record.timezone,
    every: record.everyMs,
    startAt: record.startAt,
    endAt: record.endAt,
    overlap: record.overlap,
    catchUp: record.catchUp,
    maxCatchUp: record.maxCatchUp,
    enabled: record.enabled,
    paused: record.paused,
    nextRunAt: record.paused || !record.enabled ? null : record.nextRunAt,
    lastRunAt: record.lastRunAt,
    lastJobId: record.lastJobId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
