import type { ScheduleRecord } from '@jobtrail/core/store';
import { makeScheduleRecord } from '@jobtrail/core/testing';

/**
 * A complete, valid schedule record (an `every` minute schedule, due in a minute), for tests of
 * the schedule methods: core's `makeScheduleRecord` with this package's usual type and payload.
 * Override any field. Times are whole milliseconds, as the table keeps them.
 */
export function makeSchedule(overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return makeScheduleRecord({
    type: 'reports.build',
    payload: { report: 'daily' },
    metadata: { team: 'data' },
    maxCatchUp: 100,
    ...overrides,
  });
}
