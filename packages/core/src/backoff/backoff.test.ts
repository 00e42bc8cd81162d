import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { backoff, DEFAULT_BACKOFF, resolveBackoff, type BackoffOptions, type BackoffPolicy } from './backoff.js';
import { catchError } from '../../test/catch-error.js';

const err = new Error('boom');
const constant = (value: number) => () => value;


function delays(policy: BackoffPolicy, attempts: number): number[] {
  return Array.from({ length: attempts }, (_, i) => policy(i + 1, err));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('backoff.exponential', () => {
  it('grows by factor from baseMs, without jitter', () => {
    const policy = backoff.exponential({ baseMs: 100, factor: 2, jitter: 'none' });
    expect(delays(policy, 6)).toEqual([100, 200, 400, 800, 1600, 3200]);
  });

  it('uses the documented defaults: 1 s, ×2, capped at 1 h', () => {
    const policy = backoff.exponential({ jitter: 'none' });
    expect(delays(policy, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(policy(12, err)).toBe(2_048_000);
    expect(policy(13, err)).toBe(3_600_000);
    expect(policy(100, err)).toBe(3_600_000);
  });

  it('caps at maxMs', () => {
    const policy = backoff.exponential({ baseMs: 1000, factor: 3, maxMs: 5000, jitter: 'none' });
    expect(delays(policy, 4)).toEqual([1000, 3000, 5000, 5000]);
  });

  it('caps at maxMs even when baseMs is above it', () => {
    const policy = backoff.exponential({ baseMs: 10_000, maxMs: 5000, jitter: 'none' });
    expect(policy(1, err)).toBe(5000);
  });

  it('stays at maxMs for huge attempts (no Infinity, no NaN)', () => {
    const policy = backoff.exponential({ baseMs: 1000, factor: 10, maxMs: 60_000, jitter: 'none' });
    expect(policy(10_000, err)).toBe(60_000);
    expect(policy(Number.MAX_SAFE_INTEGER, err)).toBe(60_000);
  });

  it('returns 0 for baseMs 0 at any attempt (0 × Infinity is not NaN here)', () => {
    const policy = backoff.exponential({ baseMs: 0, factor: 10, jitter: 'none' });
    expect(policy(1, err)).toBe(0);
    expect(policy(100_000, err)).toBe(0);
  });

  it('is constant with factor 1', () => {
    expect(delays(backoff.exponential({ baseMs: 500, factor: 1, jitter: 'none' }), 5)).toEqual([
      500, 500, 500, 500, 500,
    ]);
  });

  it('accepts a fractional factor >= 1 and rounds to whole ms', () => {
    const policy = backoff.exponential({ baseMs: 100, factor: 1.5, jitter: 'none' });
    expect(delays(policy, 4)).toEqual([100, 150, 225, 338]);
  });

  describe('jitter', () => {
    it("'full' picks random × raw", () => {
      const policy = backoff.exponential({ baseMs: 1000, jitter: 'full', random: constant(0.25) });
      expect(delays(policy, 3)).toEqual([250, 500, 1000]);
      expect(backoff.exponential({ baseMs: 1000, jitter: 'full', random: constant(0) })(5, err)).toBe(0);
      expect(backoff.exponential({ baseMs: 1000, jitter: 'full', random: constant(1) })(3, err)).toBe(4000);
    });

    it("'equal' picks raw/2 + random × raw/2", () => {
      const policy = backoff.exponential({ baseMs: 1000, jitter: 'equal', random: constant(0.5) });
      expect(delays(policy, 3)).toEqual([750, 1500, 3000]);
      expect(backoff.exponential({ baseMs: 1000, jitter: 'equal', random: constant(0) })(1, err)).toBe(500);
      expect(backoff.exponential({ baseMs: 1000, jitter: 'equal', random: constant(1) })(1, err)).toBe(1000);
    });

    it("'none' never calls random", () => {
      const random = vi.fn(() => 0.5);
      backoff.exponential({ jitter: 'none', random })(3, err);
      expect(random).not.toHaveBeenCalled();
    });

    it('is full by default', () => {
      const policy = backoff.exponential({ baseMs: 1000, random: constant(0.1) });
      expect(policy(1, err)).toBe(100);
    });

    it('rounds jittered values to whole ms', () => {
      const policy = backoff.exponential({ baseMs: 1000, jitter: 'full', random: constant(0.12345) });
      expect(policy(1, err)).toBe(123);
      expect(Number.isInteger(backoff.exponential({ baseMs: 3, jitter: 'equal', random: constant(0.3) })(1, err))).toBe(
        true,
      );
    });

    it('reads Math.random at each call when no random is given', () => {
      const policy = backoff.exponential({ baseMs: 1000 });
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      expect(policy(1, err)).toBe(500);
    });

    it.each([-0.1, 1.1, Number.NaN, Number.POSITIVE_INFINITY, '0.5', undefined])(
      'throws JobValidationError when random returns %s',
      (value) => {
        const policy = backoff.exponential({ random: () => value as number });
        const error = catchError(() => policy(1, err));
        expect(error).toBeInstanceOf(JobValidationError);
        expect((error as JobValidationError).field).toBe('backoff.random');
      },
    );
  });

  describe('bad options (validated eagerly)', () => {
    it.each([
      ['baseMs', { baseMs: -1 }],
      ['baseMs', { baseMs: Number.NaN }],
      ['baseMs', { baseMs: Number.POSITIVE_INFINITY }],
      ['baseMs', { baseMs: 'soon' }],
      ['maxMs', { maxMs: -5 }],
      ['maxMs', { maxMs: Number.NaN }],
      ['maxMs', { maxMs: Number.POSITIVE_INFINITY }],
      ['factor', { factor: 0.5 }],
      ['factor', { factor: 0 }],
      ['factor', { factor: -2 }],
      ['factor', { factor: Number.NaN }],
      ['factor', { factor: Number.POSITIVE_INFINITY }],
      ['factor', { factor: '2' }],
      ['jitter', { jitter: 'random' }],
      ['jitter', { jitter: 'FULL' }],
      ['jitter', { jitter: true }],
      ['random', { random: 0.5 }],
      ['random', { random: 'Math.random' }],
      ['base', { base: 1000 }],
    ])('rejects bad %s', (field, options) => {
      const error = catchError(() => backoff.exponential(options as never));
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).field).toBe(`backoff.${field}`);
    });

    it('names accepted keys when one is unknown (typo)', () => {
      expect(() => backoff.exponential({ maxDelay: 10 } as never)).toThrow(/baseMs, factor, maxMs, jitter, random/);
    });

    it.each([null, 5, 'fast', [1000]])('rejects options that are not an object: %j', (options) => {
      expect(() => backoff.exponential(options as never)).toThrow(JobValidationError);
    });

    it('treats null and undefined option values as "use the default" (JSON configs)', () => {
      const policy = backoff.exponential({ baseMs: null, factor: undefined, maxMs: null, jitter: null, random: null } as never);
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      expect(policy(2, err)).toBe(1000);
    });

    it('accepts no options and an empty object', () => {
      expect(() => backoff.exponential()).not.toThrow();
      expect(() => backoff.exponential({})).not.toThrow();
    });
  });

  it('stays within [0, min(maxMs, raw)] for any options (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom('none', 'full', 'equal' as const),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        (baseMs, factor, maxMs, jitter, r, attempt) => {
          const policy = backoff.exponential({ baseMs, factor, maxMs, jitter, random: () => r });
          const delay = policy(attempt, err);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.max(baseMs === 0 ? 0 : maxMs, 0));
        },
      ),
    );
  });

  it('never decreases from one attempt to the next without jitter (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 1000 }),
        (baseMs, factor, maxMs, attempt) => {
          const policy = backoff.exponential({ baseMs, factor, maxMs, jitter: 'none' });
          expect(policy(attempt + 1, err)).toBeGreaterThanOrEqual(policy(attempt, err));
        },
      ),
    );
  });
});

describe('backoff.fixed', () => {
  it('always returns the same delay', () => {
    expect(delays(backoff.fixed(5000), 5)).toEqual([5000, 5000, 5000, 5000, 5000]);
    expect(backoff.fixed(0)(1, err)).toBe(0);
  });

  it('accepts duration strings', () => {
    expect(backoff.fixed('30s')(3, err)).toBe(30_000);
  });

  it('rounds to whole ms', () => {
    expect(backoff.fixed(1.6)(1, err)).toBe(2);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 'later', '', null, undefined, {}])('rejects %s', (ms) => {
    const error = catchError(() => backoff.fixed(ms as never));
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field).toBe('backoff.ms');
  });
});

describe('backoff.steps', () => {
  const ladder = [0, 60_000, 300_000, 900_000, 3_600_000];

  it('walks the ladder, then repeats the last step', () => {
    const policy = backoff.steps(ladder);
    expect(delays(policy, 8)).toEqual([0, 60_000, 300_000, 900_000, 3_600_000, 3_600_000, 3_600_000, 3_600_000]);
    expect(policy(1_000_000, err)).toBe(3_600_000);
  });

  it('works with a single step', () => {
    expect(delays(backoff.steps([250]), 3)).toEqual([250, 250, 250]);
  });

  it('accepts duration strings mixed with numbers', () => {
    expect(delays(backoff.steps([0, '1m', '5m', '15m', '1h']), 6)).toEqual([...ladder, 3_600_000]);
  });

  it('copies the array: later changes do not apply', () => {
    const mutable = [100, 200];
    const policy = backoff.steps(mutable);
    mutable[0] = 999;
    mutable.push(300);
    expect(delays(policy, 3)).toEqual([100, 200, 200]);
  });

  it('does not have to be increasing', () => {
    expect(delays(backoff.steps([500, 100]), 3)).toEqual([500, 100, 100]);
  });

  it('rejects an empty ladder', () => {
    const error = catchError(() => backoff.steps([]));
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field).toBe('backoff.steps');
  });

  it.each([undefined, null, 1000, '1m', { 0: 1, length: 1 }])('rejects a non-array %j', (value) => {
    expect(() => backoff.steps(value as never)).toThrow(JobValidationError);
  });

  it.each([
    [[0, -1], 'backoff.steps[1]'],
    [[Number.NaN], 'backoff.steps[0]'],
    [[0, 1, Number.POSITIVE_INFINITY], 'backoff.steps[2]'],
    [[0, 'soon'], 'backoff.steps[1]'],
    [[0, null], 'backoff.steps[1]'],
  ])('rejects a bad step %j and names it', (value, field) => {
    const error = catchError(() => backoff.steps(value as never));
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field).toBe(field);
  });
});

describe('attempt validation (every policy)', () => {
  const policies: Array<[string, BackoffPolicy]> = [
    ['exponential', backoff.exponential()],
    ['fixed', backoff.fixed(10)],
    ['steps', backoff.steps([1, 2])],
    ['resolved function', resolveBackoff(() => 5)],
  ];
  const badAttempts = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1', undefined];

  for (const [name, policy] of policies) {
    it.each(badAttempts)(`${name} rejects attempt %s`, (attempt) => {
      const error = catchError(() => policy(attempt as number, err));
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).field).toBe('attempt');
    });
  }
});

describe('DEFAULT_BACKOFF', () => {
  it('is exponential from 1 s, ×2, capped at 1 h, with full jitter', () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    expect(delays(DEFAULT_BACKOFF, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(DEFAULT_BACKOFF(50, err)).toBe(3_600_000);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    expect(DEFAULT_BACKOFF(3, err)).toBe(2000);
  });

  it('stays within [0, raw] with the real Math.random', () => {
    for (let attempt = 1; attempt <= 20; attempt++) {
      const delay = DEFAULT_BACKOFF(attempt, err);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(3_600_000, 1000 * 2 ** (attempt - 1)));
    }
  });
});

describe('resolveBackoff', () => {
  it('returns DEFAULT_BACKOFF for undefined (and null)', () => {
    expect(resolveBackoff(undefined)).toBe(DEFAULT_BACKOFF);
    expect(resolveBackoff(null as never)).toBe(DEFAULT_BACKOFF);
  });

  it('builds built-ins from options data', () => {
    expect(delays(resolveBackoff({ type: 'exponential', baseMs: 10, jitter: 'none' }), 3)).toEqual([10, 20, 40]);
    expect(delays(resolveBackoff({ type: 'fixed', ms: '2s' }), 2)).toEqual([2000, 2000]);
    expect(delays(resolveBackoff({ type: 'steps', steps: [0, '1m'] }), 3)).toEqual([0, 60_000, 60_000]);
  });

  it('builds exponential with defaults from { type } alone', () => {
    const policy = resolveBackoff({ type: 'exponential', jitter: 'none' });
    expect(policy(2, err)).toBe(2000);
  });

  it('validates options data', () => {
    expect(() => resolveBackoff({ type: 'fixed', ms: -1 })).toThrow(JobValidationError);
    expect(() => resolveBackoff({ type: 'steps', steps: [] })).toThrow(JobValidationError);
    expect(() => resolveBackoff({ type: 'exponential', factor: 0 })).toThrow(JobValidationError);
    expect(() => resolveBackoff({ type: 'exponential', nope: 1 } as never)).toThrow(/backoff\.nope/);
    expect(() => resolveBackoff({ type: 'fixed' } as never)).toThrow(JobValidationError);
  });

  it.each([{}, { type: 'linear' }, { type: 'EXPONENTIAL' }])('rejects an unknown type %j', (options) => {
    const error = catchError(() => resolveBackoff(options as BackoffOptions));
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field).toBe('backoff.type');
  });

  it.each([5, 'exponential', true, [1000]])('rejects %j', (value) => {
    const error = catchError(() => resolveBackoff(value as never));
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field).toBe('backoff');
  });

  describe('user functions', () => {
    it('passes attempt and error through and returns the delay', () => {
      const fn = vi.fn((attempt: number, error: unknown) => (error === err ? attempt * 7 : 0));
      const policy = resolveBackoff(fn);
      expect(policy(3, err)).toBe(21);
      expect(fn).toHaveBeenCalledWith(3, err);
    });

    it('lets a policy look at the error', () => {
      const policy = resolveBackoff((attempt, error) =>
        error instanceof RangeError ? 0 : DEFAULT_BACKOFF(attempt, error),
      );
      expect(policy(5, new RangeError('x'))).toBe(0);
    });

    it('rounds to whole ms', () => {
      expect(resolveBackoff(() => 10.4)(1, err)).toBe(10);
    });

    it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '100', undefined, null, 10n])(
      'turns a bad return value %s into a JobValidationError',
      (value) => {
        const error = catchError(() => resolveBackoff(() => value as never)(2, err));
        expect(error).toBeInstanceOf(JobValidationError);
        expect((error as JobValidationError).message).toMatch(/attempt 2/);
      },
    );

    it('lets errors thrown by the function propagate', () => {
      const boom = new Error('policy bug');
      expect(() =>
        resolveBackoff(() => {
          throw boom;
        })(1, err),
      ).toThrow(boom);
    });
  });
});
