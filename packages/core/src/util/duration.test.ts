import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  describe('numbers are milliseconds', () => {
    it.each([0, 1, 250, 1.5, 3_600_000, Number.MAX_SAFE_INTEGER])('returns %s unchanged', (ms) => {
      expect(parseDuration(ms, 'timeout')).toBe(ms);
    });

    it('turns -0 into 0', () => {
      expect(Object.is(parseDuration(-0, 'timeout'), 0)).toBe(true);
    });

    it.each([-1, -0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_SAFE_INTEGER + 2])(
      'rejects %s',
      (ms) => {
        expect(() => parseDuration(ms, 'timeout')).toThrow(JobValidationError);
      },
    );
  });

  describe('strings with a unit', () => {
    it.each([
      ['250ms', 250],
      ['0ms', 0],
      ['0s', 0],
      ['30s', 30_000],
      ['5m', 300_000],
      ['2h', 7_200_000],
      ['7d', 604_800_000],
      ['1w', 604_800_000],
      ['1.5h', 5_400_000],
      ['0.5s', 500],
      ['.5s', 500],
      ['1.5ms', 2],
      ['0.0001s', 0],
      [' 5 m ', 300_000],
      ['10   s', 10_000],
      ['\t1h\n', 3_600_000],
    ] as const)('%j → %d ms', (input, expected) => {
      expect(parseDuration(input, 'timeout')).toBe(expected);
    });

    it('does not read "m" as the prefix of "ms"', () => {
      expect(parseDuration('1ms', 'x')).toBe(1);
      expect(parseDuration('1m', 'x')).toBe(60_000);
    });
  });

  describe('bad input', () => {
    it.each([
      '',
      '   ',
      '500', // unit is ambiguous
      '5',
      'ms',
      '-5s', // negative
      '+5s',
      '5 seconds',
      '5sec',
      '1M', // month or minute? rejected
      '1H',
      '1h30m', // compound durations are not supported
      '1e3ms',
      '1,5h',
      '1.h',
      '5 m s',
      'Infinity',
      'NaN',
      '0x10ms',
      '99999999999999999999w', // beyond MAX_SAFE_INTEGER
    ])('rejects the string %j', (input) => {
      expect(() => parseDuration(input, 'timeout')).toThrow(JobValidationError);
    });

    it.each([null, undefined, true, {}, [], ['5s'], 10n, Symbol('x'), () => 5])('rejects %s', (input) => {
      expect(() => parseDuration(input as never, 'timeout')).toThrow(JobValidationError);
    });

    it('names the field and shows an example in the error', () => {
      let caught: unknown;
      try {
        parseDuration('soon', 'lease.ttl');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(JobValidationError);
      const error = caught as JobValidationError;
      expect(error.field).toBe('lease.ttl');
      expect(error.code).toBe('invalid_input');
      expect(error.message).toMatch(/^lease\.ttl: /);
      expect(error.message).toContain("'30s'");
      expect(error.message).toContain('"soon"');
    });

    it('describes non-string input without crashing', () => {
      expect(() => parseDuration(10n as never, 'x')).toThrow(/got 10/);
      expect(() => parseDuration(null as never, 'x')).toThrow(/got null/);
      expect(() => parseDuration([] as never, 'x')).toThrow(/got an array/);
      expect(() => parseDuration(Symbol('s') as never, 'x')).toThrow(/got symbol/);
    });

    it('truncates very long strings in the message', () => {
      expect(() => parseDuration('x'.repeat(10_000), 'x')).toThrow(/x{60}…"/);
    });
  });

  describe('properties', () => {
    it('any non-negative integer with a unit parses to amount × unit', () => {
      const units = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 1_000_000 }),
          fc.constantFrom(...(Object.keys(units) as Array<keyof typeof units>)),
          fc.constantFrom('', ' ', '  '),
          (amount, unit, gap) => {
            expect(parseDuration(`${amount}${gap}${unit}`, 'x')).toBe(amount * units[unit]);
          },
        ),
      );
    });

    it('never throws anything but JobValidationError and never returns a bad number', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.double()), (input) => {
          try {
            const ms = parseDuration(input, 'x');
            expect(Number.isFinite(ms)).toBe(true);
            expect(ms).toBeGreaterThanOrEqual(0);
          } catch (error) {
            expect(error).toBeInstanceOf(JobValidationError);
          }
        }),
      );
    });
  });
});
