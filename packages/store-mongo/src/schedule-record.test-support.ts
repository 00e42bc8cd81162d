import type { ScheduleRecord } from '@jobtrail/core/store';
import { makeScheduleRecord } from '@jobtrail/core/testing';

/** A Date `seconds` after 2030-01-01T00:00:00Z. For tests only. */
export const at = (seconds: number): Date => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

/**
 * A well-formed schedule record (an `every` schedule, enabled, at version 1), with `overrides`.
 * For tests only: core's scheduler builds the real ones.
 */
export function makeSchedule(overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return makeScheduleRecord({
    name: 'reports.nightly',
    type: 'reports.build',
    payload: null,
    metadata: {},
    anchorAt: at(0),
    nextRunAt: at(60),
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  });
}
