import { createRequire } from 'node:module';
import { JobNotFoundError, JobtrailError, StoreError } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { resolveTableNames } from '../naming/table-names.js';
import { ListenHeartbeatTimeoutError } from '../notify/wake-listener.js';
import { mapPgError } from './map-pg-error.js';
import { mapScheduleError } from './map-schedule-error.js';

// Core's CommonJS build: a second copy of its error classes, as in an application that requires
// core while this package imports it.
const cjsCore = createRequire(import.meta.url)('@jobtrail/core') as typeof import('@jobtrail/core');
const names = resolveTableNames(undefined, undefined);

describe('mapPgError', () => {
  it("passes another copy of core's errors through unchanged", () => {
    const theirs = new cjsCore.JobNotFoundError('01890000-0000-7000-8000-000000000001');
    expect(theirs instanceof JobtrailError).toBe(false);
    expect(mapPgError(theirs, names, 'get')).toBe(theirs);
    const ours = new JobNotFoundError('01890000-0000-7000-8000-000000000001');
    expect(mapPgError(ours, names, 'get')).toBe(ours);
  });

  it('wraps a look-alike that only carries a jobtrail code', () => {
    const lookAlike = Object.assign(new Error('boom'), { code: 'job_not_found', name: 'JobNotFoundError' });
    const mapped = mapPgError(lookAlike, names, 'get');
    expect(StoreError.isInstance(mapped)).toBe(true);
    expect(mapped.cause).toBe(lookAlike);
  });
});

describe('mapScheduleError', () => {
  const pgError = (code: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(`pg ${code}`), { code, ...fields });

  it('names the schedule for what its data caused, and the migration for a missing table', () => {
    const check = mapScheduleError(pgError('23514', { constraint: names.schedules.constraint.policy }), names, 'insertSchedule');
    expect(check).toMatchObject({ code: 'invalid_input', field: 'schedule' });
    expect(check.message).toContain('jobtrail_schedules_policy_check');
    expect(mapScheduleError(pgError('22P05'), names, 'updateSchedule')).toMatchObject({ code: 'invalid_input', field: 'schedule' });
    const missing = mapScheduleError(pgError('42P01'), names, 'getSchedule');
    expect(StoreError.isInstance(missing)).toBe(true);
    expect(missing.message).toMatch(/public\.jobtrail_schedules does not exist.*store\.migrate\(\).*migration 4/);
  });

  it('maps the rest as for jobs, and passes jobtrail errors through', () => {
    const lost = mapScheduleError(pgError('57P01'), names, 'dueSchedules');
    expect(StoreError.isInstance(lost)).toBe(true);
    expect(lost.message).toMatch(/Lost the connection to PostgreSQL during dueSchedules/);
    const ours = new StoreError('ours');
    expect(mapScheduleError(ours, names, 'getSchedule')).toBe(ours);
  });
});

describe('ListenHeartbeatTimeoutError', () => {
  it('is a StoreError for every copy of core, and tells itself apart', () => {
    const error = new ListenHeartbeatTimeoutError(5_000);
    expect(StoreError.isInstance(error)).toBe(true);
    expect(cjsCore.StoreError.isInstance(error)).toBe(true);
    expect(ListenHeartbeatTimeoutError.isInstance(error)).toBe(true);
    expect(ListenHeartbeatTimeoutError.isInstance(new StoreError('other'))).toBe(false);
    expect(cjsCore.JobNotFoundError.isInstance(error)).toBe(false);
  });
});
