import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { classifyError } from './classify-error.js';
import { httpError } from './classify-error.test-support.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('classifyError', () => {
  describe('Retry-After', () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);

    it.each([
      ['a plain object (lowercase)', { headers: { 'retry-after': '120' } }],
      ['a plain object (Title-Case)', { headers: { 'Retry-After': '120' } }],
      ['a plain object (UPPERCASE)', { headers: { 'RETRY-AFTER': '120' } }],
      ['a Map', { headers: new Map([['retry-after', '120']]) }],
      ['a Map with Title-Case key', { headers: new Map([['Retry-After', '120']]) }],
      ['a Map with odd-case key', { headers: new Map([['RETRY-after', '120']]) }],
      ['Fetch Headers', { headers: new Headers({ 'Retry-After': '120' }) }],
      ['response.headers (object)', { response: { status: 429, headers: { 'retry-after': '120' } } }],
      ['response.headers (Headers)', { response: { status: 429, headers: new Headers({ 'retry-after': '120' }) } }],
      ['a Map-like with get()', { headers: { get: (name: string) => (name === 'retry-after' ? '120' : null) } }],
      ['a number of seconds', { headers: { 'retry-after': 120 } }],
      ['an array (Node raw headers)', { headers: { 'retry-after': ['120', '5'] } }],
      ['a padded string', { headers: { 'retry-after': '  120 ' } }],
    ])('reads seconds from %s', (_label, extra) => {
      const error = Object.assign(new Error('x'), { status: 429 }, extra);
      expect(classifyError(error)).toEqual({ retryable: true, retryAfterMs: 120_000, reason: 'http_429' });
    });

    it('reads fractional seconds', () => {
      expect(classifyError(httpError(503, { headers: { 'retry-after': '1.5' } })).retryAfterMs).toBe(1500);
    });

    it('reads 0 seconds', () => {
      expect(classifyError(httpError(503, { headers: { 'retry-after': '0' } })).retryAfterMs).toBe(0);
    });

    it('reads an HTTP-date relative to the now option (number, Date or function)', () => {
      const headers = { 'retry-after': new Date(now + 90_000).toUTCString() };
      const error = httpError(503, { headers });
      expect(classifyError(error, { now }).retryAfterMs).toBe(90_000);
      expect(classifyError(error, { now: new Date(now) }).retryAfterMs).toBe(90_000);
      expect(classifyError(error, { now: () => now + 30_000 }).retryAfterMs).toBe(60_000);
    });

    it('reads an IMF-fixdate literally', () => {
      const error = httpError(503, { headers: { 'retry-after': 'Wed, 01 Jan 2025 12:05:00 GMT' } });
      expect(classifyError(error, { now }).retryAfterMs).toBe(300_000);
    });

    it('reads an HTTP-date relative to Date.now() by default', () => {
      vi.useFakeTimers();
      vi.setSystemTime(now);
      const error = httpError(429, { headers: { 'retry-after': new Date(now + 10_000).toUTCString() } });
      expect(classifyError(error).retryAfterMs).toBe(10_000);
    });

    it('gives 0 for a date in the past', () => {
      const error = httpError(429, { headers: { 'retry-after': new Date(now - 60_000).toUTCString() } });
      expect(classifyError(error, { now }).retryAfterMs).toBe(0);
    });

    it('only calls a now function when an HTTP-date needs it', () => {
      const clock = vi.fn(() => now);
      classifyError(httpError(429, { headers: { 'retry-after': '5' } }), { now: clock });
      classifyError(new Error('boom'), { now: clock });
      expect(clock).not.toHaveBeenCalled();
    });

    it.each(['soon', '', '-5', '1e3', 'NaN', '12 apples', '-1', 'Infinity', null, {}, [], true, -5, Number.NaN])(
      'ignores an unusable value %j but stays retryable',
      (value) => {
        const result = classifyError(httpError(503, { headers: { 'retry-after': value } }), { now });
        expect(result).toEqual({ retryable: true, reason: 'http_503' });
      },
    );

    it('is read for every retryable status, including other 5xx and 408', () => {
      const headers = { 'retry-after': '3' };
      expect(classifyError(httpError(500, { headers })).retryAfterMs).toBe(3000);
      expect(classifyError(httpError(408, { headers })).retryAfterMs).toBe(3000);
    });

    it('is ignored for fatal statuses', () => {
      expect(classifyError(httpError(404, { headers: { 'retry-after': '3' } }))).toEqual({
        retryable: false,
        reason: 'http_404',
      });
    });

    it('prefers error.headers over error.response.headers', () => {
      const error = httpError(429, { headers: { 'retry-after': '1' }, response: { headers: { 'retry-after': '2' } } });
      expect(classifyError(error).retryAfterMs).toBe(1000);
    });

    it('survives hostile headers', () => {
      const throwingGet = { get: () => { throw new Error('nope'); } };
      const throwingIterator = { [Symbol.iterator]: () => { throw new Error('nope'); } };
      const proxy = new Proxy({}, { ownKeys: () => { throw new Error('nope'); } });
      for (const headers of [throwingGet, throwingIterator, proxy, 'retry-after: 5', 5]) {
        expect(classifyError(httpError(503, { headers }))).toEqual({ retryable: true, reason: 'http_503' });
      }
    });
  });

});

describe('Retry-After out of range (RFC 9110 §10.2.3)', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  const retryAfterOf = (value: unknown, at: number = now) =>
    classifyError(httpError(503, { headers: { 'retry-after': value } }), { now: at }).retryAfterMs;

  it.each([
    ['10000000000000 seconds', '10000000000000'],
    ['a 400-digit number of seconds (Infinity as a number)', `1${'0'.repeat(400)}`],
    ['a huge finite number', 1e300],
    ['Number.MAX_VALUE', Number.MAX_VALUE],
  ])('clamps %s to Number.MAX_SAFE_INTEGER ms', (_label, value) => {
    expect(retryAfterOf(value)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('keeps a large delay that still fits exactly', () => {
    expect(retryAfterOf('9007199254740')).toBe(9_007_199_254_740_000);
  });

  it('reads a date past year 9999 as a large, finite delay', () => {
    const at = Date.parse('Fri, 01 Jan 10000 00:00:00 GMT');
    expect(retryAfterOf('Fri, 01 Jan 10000 00:00:00 GMT')).toBe(at - now);
    expect(retryAfterOf('Mon, 01 Jan 200000 00:00:00 GMT')).toBe(Date.parse('Mon, 01 Jan 200000 00:00:00 GMT') - now);
  });

  it('clamps a date delay that is too large for a safe integer (a far-past clock)', () => {
    expect(retryAfterOf('Sat, 13 Sep 275760 00:00:00 GMT', -8.64e15)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('gives 0, never a negative delay, for dates before a far-future clock', () => {
    expect(retryAfterOf('Wed, 01 Jan 2025 12:05:00 GMT', 8.64e15)).toBe(0);
    expect(retryAfterOf('Wed, 01 Jan 2025 12:05:00 GMT', Number.MAX_VALUE)).toBe(0);
  });

  it.each([
    ['a date past the end of JS time', 'Sat, 13 Sep 275760 00:00:01 GMT'],
    ['Infinity as a number', Number.POSITIVE_INFINITY],
    ['-Infinity as a number', Number.NEGATIVE_INFINITY],
    ['-0.5 as a number', -0.5],
  ])('treats %s as absent', (_label, value) => {
    expect(retryAfterOf(value)).toBeUndefined();
  });

  it('turns -0 into 0', () => {
    expect(Object.is(retryAfterOf(-0), 0)).toBe(true);
  });

  it('always gives a safe integer >= 0 for any string of digits (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,400}(\.\d{1,5})?$/), (digits) => {
        const ms = retryAfterOf(digits);
        expect(Number.isSafeInteger(ms)).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
