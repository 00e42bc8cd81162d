import type { ScheduleRecord } from '@jobtrail/core/store';
import { uniqueName } from '@jobtrail/core/testing';

/**
 * A complete, valid schedule record (an `every` minute schedule, due in a minute), for tests of
 * the schedule methods. Override any field. Times are whole milliseconds, as the table keeps them.
 */
export function makeSchedule(overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  const now = new Date();
  return {
    name: uniqueName('schedule'),
    type: 'reports.build',
    payload: { report: 'daily' },
    metadata: { team: 'data' },
    tenantId: null,
    cron: null,
    timezone: null,
    everyMs: 60_000,
    startAt: null,
    endAt: null,
    anchorAt: now,
    overlap: 'skip',
    catchUp: 'latest',
    maxCatchUp: 100,
    enabled: true,
    paused: false,
    nextRunAt: new Date(now.getTime() + 60_000),
    lastRunAt: null,
    lastJobId: null,
    pendingTicks: [],
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
