import type { ScheduleRecord } from '@jobtrail/core/store';

/** A Date `seconds` after 2030-01-01T00:00:00Z. For tests only. */
export const at = (seconds: number): Date => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

/**
 * A well-formed schedule record (an `every` schedule, enabled, at version 1), with `overrides`.
 * For tests only: core's scheduler builds the real ones.
 */
export function makeSchedule(overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    name: 'reports.nightly',
    type: 'reports.build',
    payload: null,
    metadata: {},
    tenantId: null,
    cron: null,
    timezone: null,
    everyMs: 60_000,
    startAt: null,
    endAt: null,
    anchorAt: at(0),
    overlap: 'skip',
    catchUp: 'latest',
    maxCatchUp: 1,
    enabled: true,
    paused: false,
    nextRunAt: at(60),
    lastRunAt: null,
    lastJobId: null,
    pendingTicks: [],
    version: 1,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}
