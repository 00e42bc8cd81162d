import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { catchError } from '../../test/catch-error.js';
import { JobValidationError } from '../errors/jobtrail-error.js';
import {
  checkScheduleSpec,
  DEFAULT_MAX_CATCH_UP,
  MAX_CATCH_UP_LIMIT,
  MAX_EVERY_MS,
  MAX_SCHEDULE_NAME_LENGTH,
} from './schedule-spec.js';

/** The `invalid_input` error checking `spec` (under `name`) throws; fails when it throws nothing else. */
function refusal(spec: unknown, name: unknown = 'nightly'): JobValidationError {
  const error = catchError(() => checkScheduleSpec(name, spec));
  expect(error).toBeInstanceOf(JobValidationError);
  expect((error as JobValidationError).code).toBe('invalid_input');
  return error as JobValidationError;
}

const startAt = new Date('2026-01-01T00:00:00Z');

describe('checkScheduleSpec: defaults', () => {
  it('applies every default to a cron spec', () => {
    expect(checkScheduleSpec('reports.nightly', { type: 'reports.build', cron: '0 2 * * *' })).toEqual({
      name: 'reports.nightly',
      type: 'reports.build',
      payload: null,
      metadata: {},
      tenantId: null,
      cron: '0 2 * * *',
      timezone: 'UTC',
      everyMs: null,
      startAt: null,
      endAt: null,
      anchorAt: null,
      overlap: 'skip',
      catchUp: 'latest',
      maxCatchUp: 1,
      enabled: true,
    });
  });

  it('reads every through parseDuration, keeps what was given, copies dates', () => {
    const anchorAt = new Date('2026-01-01T12:00:00Z');
    const definition = checkScheduleSpec(
      'sync',
      {
        type: 'places.sync',
        every: '1.5m',
        payload: { batch: 50 },
        metadata: { team: 'geo' },
        tenantId: 'acme',
        startAt,
        overlap: 'allow',
        catchUp: 'all',
        enabled: false,
      },
      { anchorAt },
    );
    expect(definition).toMatchObject({ everyMs: 90_000, cron: null, timezone: null, payload: { batch: 50 }, tenantId: 'acme' });
    expect(definition).toMatchObject({ overlap: 'allow', catchUp: 'all', maxCatchUp: DEFAULT_MAX_CATCH_UP, enabled: false });
    expect(definition.startAt).toEqual(startAt);
    expect(definition.startAt).not.toBe(startAt);
    expect(definition.anchorAt).toEqual(anchorAt);
    expect(Object.isFrozen(definition)).toBe(true);
    expect(checkScheduleSpec('s', { type: 't', every: 30_000 }).everyMs).toBe(30_000);
    expect(checkScheduleSpec('s', { type: 't', cron: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' }).timezone).toBe('Europe/Berlin');
    expect(checkScheduleSpec('s', { type: 't', cron: '@hourly', catchUp: 'all', maxCatchUp: 7 }).maxCatchUp).toBe(7);
    expect(checkScheduleSpec('s', { type: 't', cron: '*/10 * * * * *' }).cron).toBe('*/10 * * * * *'); // 6 fields: seconds
  });

  it('reads null as absent and accepts Dates of another realm', () => {
    const foreign = vm.runInNewContext('new Date("2026-02-01T00:00:00Z")') as Date;
    const definition = checkScheduleSpec('s', { type: 't', cron: '0 * * * *', tenantId: null, endAt: foreign, timezone: null } as never);
    expect(definition).toMatchObject({ tenantId: null, timezone: 'UTC' });
    expect(definition.endAt?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });
});

describe('checkScheduleSpec: bad input names the field', () => {
  const cases: [string, unknown, string, RegExp?][] = [
    // The list.
    ['an invalid cron expression', { type: 't', cron: '61 * * * *' }, 'cron', /Invalid value for minute: 61/],
    ['a cron of the wrong shape', { type: 't', cron: 'every day' }, 'cron'],
    ['a cron with a year field', { type: 't', cron: '0 0 1 1 * 2030' }, 'cron'],
    ['a cron that never matches', { type: 't', cron: '0 0 30 2 *' }, 'cron', /never matches/],
    ['@reboot', { type: 't', cron: '@reboot' }, 'cron'],
    ['an unknown time zone', { type: 't', cron: '0 2 * * *', timezone: 'Mars/Olympus' }, 'timezone', /IANA/],
    ['a UTC offset as time zone', { type: 't', cron: '0 2 * * *', timezone: '+01:00' }, 'timezone'],
    ['both cron and every', { type: 't', cron: '0 2 * * *', every: '5m' }, 'every', /exactly one/],
    ['neither cron nor every', { type: 't' }, 'cron', /exactly one/],
    ['every: 0', { type: 't', every: 0 }, 'every', /from 1000/],
    ["every: '0s'", { type: 't', every: '0s' }, 'every'],
    ['an endAt before startAt', { type: 't', every: '5m', startAt, endAt: new Date('2025-12-31T00:00:00Z') }, 'endAt', /after startAt/],
    ['an endAt equal to startAt', { type: 't', every: '5m', startAt, endAt: startAt }, 'endAt'],
    ['a window with no cron tick', { type: 't', cron: '0 2 * * *', startAt, endAt: new Date('2026-01-01T01:00:00Z') }, 'endAt', /no tick/],
    // Intervals.
    ['a negative interval', { type: 't', every: -1000 }, 'every'],
    ['a sub-second interval', { type: 't', every: 999 }, 'every'],
    ['a fractional interval', { type: 't', every: 1500.5 }, 'every'],
    ['a huge interval', { type: 't', every: MAX_EVERY_MS + 1 }, 'every'],
    ['a huge interval string', { type: 't', every: '1000w' }, 'every'],
    ['an infinite interval', { type: 't', every: Number.POSITIVE_INFINITY }, 'every'],
    ['a unitless interval string', { type: 't', every: '500' }, 'every'],
    ['a time zone with every', { type: 't', every: '5m', timezone: 'UTC' }, 'timezone', /only to cron/],
    // Everything else.
    ['a missing type', { cron: '0 2 * * *' }, 'type'],
    ['a non-JSON payload (function)', { type: 't', every: '5m', payload: { run: () => 1 } }, 'payload.run'],
    ['a non-JSON payload (BigInt)', { type: 't', every: '5m', payload: [1n] }, 'payload[0]'],
    ['a cyclic payload', { type: 't', every: '5m', payload: cyclic() }, 'payload.self'],
    ['metadata that is not a plain object', { type: 't', every: '5m', metadata: [1] }, 'metadata'],
    ['an empty tenantId', { type: 't', every: '5m', tenantId: '' }, 'tenantId'],
    ['an invalid startAt', { type: 't', every: '5m', startAt: new Date(Number.NaN) }, 'startAt'],
    ['a startAt string', { type: 't', every: '5m', startAt: '2026-01-01' }, 'startAt'],
    ['an endAt past year 9999', { type: 't', every: '5m', endAt: new Date(Date.UTC(10000, 0, 1)) }, 'endAt'],
    ['an unknown overlap', { type: 't', every: '5m', overlap: 'queue' }, 'overlap'],
    ['an unknown catchUp', { type: 't', every: '5m', catchUp: 'some' }, 'catchUp'],
    ['maxCatchUp without catchUp all', { type: 't', every: '5m', maxCatchUp: 5 }, 'maxCatchUp', /only with catchUp: 'all'/],
    ['maxCatchUp 0', { type: 't', every: '5m', catchUp: 'all', maxCatchUp: 0 }, 'maxCatchUp'],
    ['maxCatchUp over the cap', { type: 't', every: '5m', catchUp: 'all', maxCatchUp: MAX_CATCH_UP_LIMIT + 1 }, 'maxCatchUp'],
    ['a non-boolean enabled', { type: 't', every: '5m', enabled: 'yes' }, 'enabled'],
    ['an unknown key', { type: 't', every: '5m', timeZone: 'UTC' }, 'timeZone', /Known options: type, payload/],
    ['a spec that is not an object', 'every 5m', 'spec'],
  ];

  for (const [label, spec, field, message] of cases) {
    it(`refuses ${label} (${field})`, () => {
      const error = refusal(spec);
      expect(error.field).toBe(field);
      expect(error.message.startsWith(`${field}: `)).toBe(true);
      if (message) expect(error.message).toMatch(message);
    });
  }

  it('refuses bad names: empty, blank, not a string, unstorable, longer than 255', () => {
    for (const name of ['', '   ', 42, null, 'a\u0000b', 'bad \uD800 surrogate', 'x'.repeat(MAX_SCHEDULE_NAME_LENGTH + 1)]) {
      expect(refusal({ type: 't', every: '5m' }, name).field).toBe('name');
    }
    expect(checkScheduleSpec('x'.repeat(MAX_SCHEDULE_NAME_LENGTH), { type: 't', every: '5m' }).name).toHaveLength(255);
  });

  it('refuses an invalid anchorAt option', () => {
    const error = catchError(() => checkScheduleSpec('s', { type: 't', every: '5m' }, { anchorAt: new Date(Number.NaN) }));
    expect((error as JobValidationError).field).toBe('anchorAt');
  });
});

function cyclic(): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  value.self = value;
  return value;
}
