import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { classifyError, composeClassifier, type ErrorClassifier } from './classify-error.js';
import { FatalJobError, RetryableJobError } from './job-errors.js';
import { JobValidationError } from './jobtrail-error.js';
import { catchError } from '../../test/catch-error.js';

function httpError(status: unknown, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`Request failed with status ${String(status)}`), { status }, extra);
}

function codeError(code: string, message = `connect ${code} 10.0.0.1:443`): Error {
  return Object.assign(new Error(message), { code });
}


afterEach(() => {
  vi.useRealTimers();
});

describe('classifyError', () => {
  describe('jobtrail errors thrown by user code win', () => {
    it('FatalJobError → not retryable', () => {
      expect(classifyError(new FatalJobError('bad payload'))).toEqual({ retryable: false, reason: 'fatal_error' });
    });

    it('FatalJobError wins over an HTTP status, a network code and a retryable message on it', () => {
      const error = Object.assign(new FatalJobError('timeout: rate limit'), { status: 503, code: 'ECONNRESET' });
      expect(classifyError(error)).toEqual({ retryable: false, reason: 'fatal_error' });
    });

    it('a subclass of FatalJobError is fatal too', () => {
      class BadInput extends FatalJobError {}
      expect(classifyError(new BadInput('x')).retryable).toBe(false);
    });

    it('RetryableJobError → retryable with its retryAfterMs', () => {
      expect(classifyError(new RetryableJobError('later', { retryAfterMs: 30_000 }))).toEqual({
        retryable: true,
        retryAfterMs: 30_000,
        reason: 'retryable_error',
      });
    });

    it('RetryableJobError without retryAfterMs has no retryAfterMs key', () => {
      const result = classifyError(new RetryableJobError('later'));
      expect(result).toEqual({ retryable: true, reason: 'retryable_error' });
      expect('retryAfterMs' in result).toBe(false);
    });

    it('RetryableJobError wins over a fatal HTTP status or message', () => {
      const error = Object.assign(new RetryableJobError('invalid token, refreshing'), { status: 401 });
      expect(classifyError(error)).toEqual({ retryable: true, reason: 'retryable_error' });
    });

    it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('ignores a bad retryAfterMs %s', (retryAfterMs) => {
      expect(classifyError(new RetryableJobError('later', { retryAfterMs }))).toEqual({
        retryable: true,
        reason: 'retryable_error',
      });
    });

    it('recognises them by name too (errors from another copy of the package)', () => {
      expect(classifyError({ name: 'FatalJobError', message: 'x' })).toEqual({ retryable: false, reason: 'fatal_error' });
      expect(classifyError({ name: 'RetryableJobError', message: 'x', retryAfterMs: 5 })).toEqual({
        retryable: true,
        retryAfterMs: 5,
        reason: 'retryable_error',
      });
    });
  });

  describe('aborts and timeouts', () => {
    it.each([
      ['a DOMException AbortError', new DOMException('The operation was aborted', 'AbortError')],
      ['a DOMException TimeoutError', new DOMException('The operation timed out', 'TimeoutError')],
      ['an Error named AbortError', Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })],
      ['an Error named TimeoutError', Object.assign(new Error('x'), { name: 'TimeoutError' })],
      ['AbortSignal.abort().reason', AbortSignal.abort().reason],
    ])('%s → retryable timeout', (_label, error) => {
      expect(classifyError(error)).toEqual({ retryable: true, reason: 'timeout' });
    });

    it('AbortSignal.timeout() reason → retryable timeout', async () => {
      const signal = AbortSignal.timeout(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(classifyError(signal.reason)).toEqual({ retryable: true, reason: 'timeout' });
    });
  });

  describe('HTTP status', () => {
    it.each([408, 429, 502, 503, 504])('%d → retryable http_%d', (status) => {
      expect(classifyError(httpError(status))).toEqual({ retryable: true, reason: `http_${status}` });
    });

    it.each([400, 401, 403, 404, 409, 422])('%d → fatal http_%d', (status) => {
      expect(classifyError(httpError(status))).toEqual({ retryable: false, reason: `http_${status}` });
    });

    it.each([500, 501, 505, 507, 520, 599])('other 5xx %d → retryable', (status) => {
      expect(classifyError(httpError(status))).toEqual({ retryable: true, reason: `http_${status}` });
    });

    it.each([
      ['status', { status: 503 }],
      ['statusCode', { statusCode: 503 }],
      ['response.status', { response: { status: 503 } }],
      ['response.statusCode', { response: { statusCode: 503 } }],
      ['a numeric string', { status: '503' }],
    ])('reads the status from %s', (_label, extra) => {
      expect(classifyError(Object.assign(new Error('x'), extra))).toEqual({ retryable: true, reason: 'http_503' });
    });

    it('reads a thrown fetch Response', () => {
      const response = new Response('slow down', { status: 429, headers: { 'Retry-After': '7' } });
      expect(classifyError(response)).toEqual({ retryable: true, retryAfterMs: 7000, reason: 'http_429' });
    });

    it('prefers error.status over error.response.status', () => {
      expect(classifyError(httpError(404, { response: { status: 503 } })).reason).toBe('http_404');
    });

    it.each([410, 413, 418, 423, 425])('other 4xx %d do not decide alone: the rest of the rules do', (status) => {
      expect(classifyError(Object.assign(new Error('boom'), { status }))).toEqual({ retryable: true, reason: 'unknown' });
      expect(classifyError(Object.assign(new Error('Resource not found'), { status })).retryable).toBe(false);
      expect(classifyError(Object.assign(new Error('x'), { status, code: 'ECONNRESET' })).reason).toBe(
        'network_ECONNRESET',
      );
    });

    it.each([0, 99, 200, 302, 600, 1.5, -503, 'abc', '5xx', '5030', null, Number.NaN, {}])(
      'ignores a status of %j that is not a decisive HTTP error status',
      (status) => {
        expect(classifyError(Object.assign(new Error('boom'), { status })).reason).toBe('unknown');
      },
    );

    it('an HTTP status decides before the network code on the same error', () => {
      expect(classifyError(httpError(404, { code: 'ECONNRESET' })).reason).toBe('http_404');
    });
  });

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

  describe('network codes', () => {
    it.each([
      'ETIMEDOUT',
      'ECONNREFUSED',
      'ECONNRESET',
      'EAI_AGAIN',
      'EPIPE',
      'ENOTFOUND',
      'ECONNABORTED',
      'ENETUNREACH',
      'EHOSTUNREACH',
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_SOCKET',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
    ])('%s → retryable network_%s', (code) => {
      expect(classifyError(codeError(code))).toEqual({ retryable: true, reason: `network_${code}` });
    });

    it.each(['EACCES', 'ENOENT', 'ERR_INVALID_ARG_TYPE', 'econnreset', 'UND_ERR', ''])(
      'does not treat the code %j as a network failure',
      (code) => {
        expect(classifyError(codeError(code, 'boom')).reason).toBe('unknown');
      },
    );

    it('ignores numeric codes (e.g. gRPC)', () => {
      expect(classifyError(Object.assign(new Error('boom'), { code: 14 })).reason).toBe('unknown');
    });
  });

  describe('causes', () => {
    it("finds the code in fetch's TypeError cause", () => {
      const error = new TypeError('fetch failed', { cause: codeError('ECONNREFUSED') });
      expect(classifyError(error)).toEqual({ retryable: true, reason: 'network_ECONNREFUSED' });
    });

    it('follows cause chains recursively', () => {
      const deep = new Error('a', { cause: new Error('b', { cause: new Error('c', { cause: httpError(404) }) }) });
      expect(classifyError(deep)).toEqual({ retryable: false, reason: 'http_404' });
    });

    it('finds a FatalJobError wrapped by other code', () => {
      const error = new Error('step 3 failed', { cause: new FatalJobError('bad input') });
      expect(classifyError(error)).toEqual({ retryable: false, reason: 'fatal_error' });
    });

    it('lets the outer error decide first', () => {
      const error = Object.assign(new Error('x', { cause: new FatalJobError('inner') }), { status: 503 });
      expect(classifyError(error).reason).toBe('http_503');
    });

    it('prefers a structured rule in the cause over a message rule on the outer error', () => {
      const error = new Error('invalid response from upstream', { cause: codeError('ECONNRESET') });
      expect(classifyError(error)).toEqual({ retryable: true, reason: 'network_ECONNRESET' });
    });

    it('uses messages of causes when nothing structured is found', () => {
      const error = new Error('job step failed', { cause: new Error('Permission denied') });
      expect(classifyError(error)).toEqual({ retryable: false, reason: 'message_permission_denied' });
    });

    it('reads string and plain-object causes', () => {
      expect(classifyError(new Error('x', { cause: 'rate limited' })).reason).toBe('message_rate_limit');
      expect(classifyError(new Error('x', { cause: { code: 'EPIPE' } })).reason).toBe('network_EPIPE');
    });

    it('reads the members of an AggregateError', () => {
      const aggregate = new AggregateError([new Error('a'), codeError('ETIMEDOUT')], 'all attempts failed');
      expect(classifyError(aggregate).reason).toBe('network_ETIMEDOUT');
      expect(classifyError(new TypeError('fetch failed', { cause: aggregate })).reason).toBe('network_ETIMEDOUT');
    });

    it('survives cycles', () => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      (a as { cause?: unknown }).cause = b;
      expect(classifyError(a)).toEqual({ retryable: true, reason: 'unknown' });
      const self = new Error('self');
      (self as { cause?: unknown }).cause = self;
      expect(classifyError(self)).toEqual({ retryable: true, reason: 'unknown' });
    });

    it('survives very deep chains (bounded, no stack overflow)', () => {
      let error: unknown = codeError('ECONNRESET');
      for (let i = 0; i < 10_000; i++) error = new Error(`wrap ${i}`, { cause: error });
      expect(classifyError(error)).toEqual({ retryable: true, reason: 'unknown' });
    });
  });

  describe('messages (last resort)', () => {
    it.each([
      ['Rate limit exceeded', 'message_rate_limit'],
      ['rate-limited by upstream', 'message_rate_limit'],
      ['RATELIMIT', 'message_rate_limit'],
      ['Too Many Requests', 'message_rate_limit'],
      ['Request timed out', 'message_timeout'],
      ['operation timedout', 'message_timeout'],
      ['time out while reading', 'message_timeout'],
      ['Timeout awaiting response', 'message_timeout'],
      ['Service temporarily unavailable', 'message_unavailable'],
    ])('%j → retryable %s', (message, reason) => {
      expect(classifyError(new Error(message))).toEqual({ retryable: true, reason });
    });

    it.each([
      ['Invalid API key', 'message_invalid'],
      ['INVALID_ARGUMENT', 'message_invalid'],
      ['Place not found', 'message_not_found'],
      ['permission denied for table jobs', 'message_permission_denied'],
      ['Forbidden', 'message_permission_denied'],
      ['Unauthorized', 'message_permission_denied'],
      ['unauthorised', 'message_permission_denied'],
      ['Unsupported file type', 'message_unsupported'],
    ])('%j → fatal %s', (message, reason) => {
      expect(classifyError(new Error(message))).toEqual({ retryable: false, reason });
    });

    it('retryable words win over fatal ones in the same message', () => {
      expect(classifyError(new Error('invalid response: timed out')).retryable).toBe(true);
    });

    it('classifies thrown strings by their text', () => {
      expect(classifyError('Too many requests')).toEqual({ retryable: true, reason: 'message_rate_limit' });
      expect(classifyError('record not found')).toEqual({ retryable: false, reason: 'message_not_found' });
    });

    it('classifies plain objects with a message', () => {
      expect(classifyError({ message: 'Forbidden' }).retryable).toBe(false);
    });

    it('does not read a message from non-string values', () => {
      expect(classifyError({ message: ['invalid'] }).reason).toBe('unknown');
    });
  });

  describe('anything else → retryable unknown', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const throwingGetters = Object.defineProperties(new Error('x'), {
      name: { get: () => { throw new Error('name'); } },
      message: { get: () => { throw new Error('message'); } },
      status: { get: () => { throw new Error('status'); } },
      code: { get: () => { throw new Error('code'); } },
      cause: { get: () => { throw new Error('cause'); } },
      response: { get: () => { throw new Error('response'); } },
    });
    const hostileProxy = new Proxy(
      {},
      {
        get: () => {
          throw new Error('get');
        },
        getPrototypeOf: () => {
          throw new Error('proto');
        },
      },
    );

    it.each([
      ['a plain Error', new Error('boom')],
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['an empty string', ''],
      ['a boolean', false],
      ['a symbol', Symbol('x')],
      ['a BigInt', 10n],
      ['an empty object', {}],
      ['an array', ['invalid']],
      ['a function', () => 'x'],
      ['a prototype-less object', Object.create(null)],
      ['a revoked proxy', revoked.proxy],
      ['an error whose getters throw', throwingGetters],
      ['a proxy whose traps throw', hostileProxy],
    ])('%s', (_label, error) => {
      expect(classifyError(error)).toEqual({ retryable: true, reason: 'unknown' });
    });

    it('never throws and always returns a well-formed classification (property)', () => {
      fc.assert(
        fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true }), (value) => {
          const result = classifyError(value);
          expect(typeof result.retryable).toBe('boolean');
          expect(typeof result.reason).toBe('string');
          if ('retryAfterMs' in result) expect(result.retryAfterMs).toBeGreaterThanOrEqual(0);
        }),
      );
    });

    it('never throws for error-shaped objects with random fields (property)', () => {
      fc.assert(
        fc.property(
          fc.record(
            {
              name: fc.oneof(fc.string(), fc.constantFrom('AbortError', 'FatalJobError', 'RetryableJobError')),
              message: fc.oneof(fc.string(), fc.anything()),
              status: fc.oneof(fc.integer({ min: 0, max: 700 }), fc.anything()),
              code: fc.oneof(fc.constantFrom('ECONNRESET', 'UND_ERR_X', 'EACCES'), fc.anything()),
              headers: fc.oneof(fc.dictionary(fc.constantFrom('retry-after', 'Retry-After', 'x'), fc.anything()), fc.anything()),
              retryAfterMs: fc.anything(),
              cause: fc.anything(),
            },
            { requiredKeys: [] },
          ),
          (error) => {
            const result = classifyError(error, { now: 0 });
            expect(typeof result.retryable).toBe('boolean');
            if (result.retryAfterMs !== undefined) {
              expect(Number.isFinite(result.retryAfterMs)).toBe(true);
              expect(result.retryAfterMs).toBeGreaterThanOrEqual(0);
            }
          },
        ),
      );
    });
  });

  describe('options', () => {
    it.each([Number.NaN, Number.POSITIVE_INFINITY, new Date(Number.NaN), 'now', true])(
      'rejects a bad now %s eagerly',
      (now) => {
        const error = catchError(() => classifyError(new Error('x'), { now: now as never }));
        expect(error).toBeInstanceOf(JobValidationError);
        expect((error as JobValidationError).field).toBe('now');
      },
    );

    it('rejects a now function returning a non-number when it is needed', () => {
      const error = httpError(429, { headers: { 'retry-after': 'Wed, 01 Jan 2025 12:05:00 GMT' } });
      expect(() => classifyError(error, { now: () => Number.NaN })).toThrow(JobValidationError);
      expect(() => classifyError(error, { now: (() => '0') as never })).toThrow(JobValidationError);
    });

    it.each(['x', 5])('rejects options that are not an object: %j', (options) => {
      expect(() => classifyError(new Error('x'), options as never)).toThrow(JobValidationError);
    });

    it('accepts null and empty options', () => {
      expect(classifyError(new Error('x'), null as never).reason).toBe('unknown');
      expect(classifyError(new Error('x'), {}).reason).toBe('unknown');
      expect(classifyError(new Error('x'), { now: undefined }).reason).toBe('unknown');
    });
  });
});

describe('composeClassifier', () => {
  it('without classifiers behaves like classifyError', () => {
    const classify = composeClassifier();
    for (const error of [new FatalJobError('x'), httpError(503), codeError('EPIPE'), 'timeout', undefined]) {
      expect(classify(error)).toEqual(classifyError(error));
    }
  });

  it('lets a classifier decide', () => {
    const classify = composeClassifier((error) =>
      error instanceof RangeError ? { retryable: false, reason: 'bad_range' } : undefined,
    );
    expect(classify(new RangeError('x'))).toEqual({ retryable: false, reason: 'bad_range' });
    expect(classify(httpError(503))).toEqual({ retryable: true, reason: 'http_503' });
  });

  it('can override a built-in decision', () => {
    const classify = composeClassifier((error) =>
      (error as { status?: number }).status === 404 ? { retryable: true, reason: 'eventually_consistent' } : undefined,
    );
    expect(classify(httpError(404))).toEqual({ retryable: true, reason: 'eventually_consistent' });
  });

  it('tries classifiers in order, first decision wins, undefined/null defer', () => {
    const calls: string[] = [];
    const classify = composeClassifier(
      () => {
        calls.push('a');
        return undefined;
      },
      () => {
        calls.push('b');
        return null;
      },
      () => {
        calls.push('c');
        return { retryable: false, reason: 'c' };
      },
      () => {
        calls.push('d');
        return { retryable: true, reason: 'd' };
      },
    );
    expect(classify(new Error('x'))).toEqual({ retryable: false, reason: 'c' });
    expect(calls).toEqual(['a', 'b', 'c']);
  });

  it('skips undefined and null entries (optional configuration)', () => {
    const classify = composeClassifier(undefined, null as never, () => ({ retryable: false, reason: 'x' }));
    expect(classify(new Error('x')).reason).toBe('x');
  });

  it('passes next: the rest of the chain, to refine its result', () => {
    const classify = composeClassifier(
      (error, next) => {
        const result = next(error);
        return result.reason === 'http_429' ? { ...result, retryAfterMs: Math.max(result.retryAfterMs ?? 0, 60_000) } : result;
      },
      (error) => ((error as { status?: number }).status === 418 ? { retryable: true, reason: 'teapot' } : undefined),
    );
    expect(classify(httpError(429))).toEqual({ retryable: true, retryAfterMs: 60_000, reason: 'http_429' });
    expect(classify(httpError(418))).toEqual({ retryable: true, reason: 'teapot' });
  });

  it('next() without an argument classifies the same error; next(other) another one', () => {
    const same = composeClassifier((_error, next) => next());
    expect(same(httpError(404))).toEqual({ retryable: false, reason: 'http_404' });
    const unwrap = composeClassifier((error, next) => next((error as { inner?: unknown }).inner));
    expect(unwrap({ inner: codeError('ECONNRESET') })).toEqual({ retryable: true, reason: 'network_ECONNRESET' });
    expect(composeClassifier((_e, next) => next(undefined))(new FatalJobError('x')).reason).toBe('unknown');
  });

  it('passes options (now) to the built-in classifier', () => {
    const classify = composeClassifier(() => undefined);
    const error = httpError(503, { headers: { 'retry-after': 'Wed, 01 Jan 2025 12:00:10 GMT' } });
    expect(classify(error, { now: Date.UTC(2025, 0, 1, 12, 0, 0) }).retryAfterMs).toBe(10_000);
  });

  it('defaults a missing reason to custom, keeps a valid retryAfterMs and copies the result', () => {
    const returned = { retryable: true, retryAfterMs: 5, extra: 'dropped' };
    const classify = composeClassifier(() => returned as never);
    const result = classify(new Error('x'));
    expect(result).toEqual({ retryable: true, retryAfterMs: 5, reason: 'custom' });
    expect(result).not.toBe(returned);
  });

  it('lets exceptions of a classifier propagate', () => {
    const bug = new Error('classifier bug');
    const classify = composeClassifier(() => {
      throw bug;
    });
    expect(() => classify(new Error('x'))).toThrow(bug);
  });

  it.each([
    ['a boolean', true],
    ['a string', 'retry'],
    ['a number', 1],
    ['an array', [true]],
    ['an empty object', {}],
    ['retryable as a string', { retryable: 'yes', reason: 'x' }],
    ['retryable as a number', { retryable: 1, reason: 'x' }],
    ['a numeric reason', { retryable: true, reason: 5 }],
    ['an empty reason', { retryable: true, reason: '' }],
    ['a negative retryAfterMs', { retryable: true, reason: 'x', retryAfterMs: -1 }],
    ['a NaN retryAfterMs', { retryable: true, reason: 'x', retryAfterMs: Number.NaN }],
    ['an infinite retryAfterMs', { retryable: true, reason: 'x', retryAfterMs: Number.POSITIVE_INFINITY }],
    ['a string retryAfterMs', { retryable: true, reason: 'x', retryAfterMs: '5' }],
  ])('rejects a classifier returning %s, naming its position', (_label, returned) => {
    const classify = composeClassifier(undefined, () => undefined, () => returned as never);
    const error = catchError(() => classify(new Error('x')));
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field).toBe('classifiers[2]');
    expect((error as JobValidationError).message).toMatch(/retryable: boolean/);
  });

  it.each([5, 'classify', {}, [() => undefined]])('rejects a non-function entry %j when composing', (entry) => {
    const error = catchError(() => composeClassifier(() => undefined, entry as never));
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field).toBe('classifiers[1]');
  });

  it('always returns a valid classification when classifiers defer (property)', () => {
    const deferring: ErrorClassifier = () => undefined;
    const classify = composeClassifier(deferring, deferring);
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(classify(value)).toEqual(classifyError(value));
      }),
    );
  });
});

describe('classifyError on hostile input', () => {
  function throwingGetter(field: string): PropertyDescriptor {
    return {
      get: () => {
        throw new Error(`${field} getter`);
      },
    };
  }

  function revoked(target: object = {}): object {
    const { proxy, revoke } = Proxy.revocable(target, {});
    revoke();
    return proxy;
  }

  const trapsThrow = (target: object = {}): object =>
    new Proxy(target, {
      get: () => {
        throw new Error('get');
      },
      getPrototypeOf: () => {
        throw new Error('proto');
      },
    });

  it.each([
    ['status', { status: 503, code: 'ECONNRESET' }, 'network_ECONNRESET'],
    ['headers', { status: 503 }, 'http_503'],
    ['code', { status: 404 }, 'http_404'],
    ['response', { status: 429 }, 'http_429'],
    ['name', { status: 404 }, 'http_404'],
    ['message', { code: 'EPIPE' }, 'network_EPIPE'],
  ])('reads what it can when only the %s getter throws', (field, fields, reason) => {
    const error = Object.defineProperty(Object.assign(new Error('x'), fields), field, throwingGetter(field));
    expect(classifyError(error).reason).toBe(reason);
  });

  it('falls back to the message rules when status and code getters throw', () => {
    const error = Object.defineProperties(new Error('Rate limit exceeded'), {
      status: throwingGetter('status'),
      code: throwingGetter('code'),
    });
    expect(classifyError(error)).toEqual({ retryable: true, reason: 'message_rate_limit' });
  });

  it.each([
    ['a revoked Proxy as response', () => ({ status: 503, response: revoked() }), 'http_503'],
    ['a revoked Proxy as headers', () => ({ status: 503, headers: revoked() }), 'http_503'],
    ['a revoked Proxy as response.headers', () => ({ response: { status: 503, headers: revoked() } }), 'http_503'],
    ['a revoked Proxy as the Retry-After value', () => ({ status: 503, headers: { 'retry-after': revoked() } }), 'http_503'],
    ['a revoked array Proxy as the Retry-After value', () => ({ status: 503, headers: { 'retry-after': revoked([]) } }), 'http_503'],
    ['an array Proxy whose get throws as the Retry-After value', () => ({ status: 429, headers: { 'retry-after': trapsThrow(['5']) } }), 'http_429'],
    ['a revoked Proxy as cause', () => ({ cause: revoked() }), 'unknown'],
    ['a Proxy whose traps throw as cause', () => ({ cause: trapsThrow() }), 'unknown'],
  ])('survives %s', (_label, make, reason) => {
    const error = Object.assign(new Error('x'), make());
    const result = classifyError(error);
    expect(result.reason).toBe(reason);
    expect(result).not.toHaveProperty('retryAfterMs');
  });

  it.each([
    ['a revoked Proxy', () => revoked()],
    ['a revoked array Proxy', () => revoked([])],
    ['an array Proxy whose get throws', () => trapsThrow([new Error('x')])],
    ['a getter that throws', () => undefined],
  ])('survives an AggregateError whose errors are %s', (label, make) => {
    const aggregate = new AggregateError([], 'all failed');
    if (label === 'a getter that throws') Object.defineProperty(aggregate, 'errors', throwingGetter('errors'));
    else Object.defineProperty(aggregate, 'errors', { value: make() });
    expect(classifyError(aggregate)).toEqual({ retryable: true, reason: 'unknown' });
    expect(classifyError({ name: 'AggregateError', errors: make() })).toEqual({ retryable: true, reason: 'unknown' });
  });

  it('still reads AggregateError members, and only up to the node limit', () => {
    const members = [...Array.from({ length: 100 }, () => new Error('boom')), Object.assign(new Error('x'), { code: 'EPIPE' })];
    expect(classifyError(new AggregateError(members.slice(-3)))).toEqual({ retryable: true, reason: 'network_EPIPE' });
    expect(classifyError(new AggregateError(members)).reason).toBe('unknown');
  });

  it('lets what a now function throws propagate (it is the caller’s bug, not the error’s)', () => {
    const clockError = new Error('clock broke');
    const error = httpError(429, { headers: { 'retry-after': 'Wed, 01 Jan 2025 12:05:00 GMT' } });
    expect(catchError(() => classifyError(error, { now: () => { throw clockError; } }))).toBe(clockError);
  });

  it('never throws on errors built from hostile parts (property)', () => {
    // Hostile parts are built inside the property: fast-check itself cannot touch a revoked Proxy.
    const part = fc.oneof(fc.anything(), fc.constantFrom('@@revoked', '@@traps', '@@revokedArray'));
    const build = (value: unknown): unknown =>
      value === '@@revoked' ? revoked() : value === '@@traps' ? trapsThrow() : value === '@@revokedArray' ? revoked([]) : value;
    fc.assert(
      fc.property(
        fc.record(
          {
            name: fc.oneof(part, fc.constant('AggregateError')),
            status: fc.oneof(part, fc.constantFrom(429, 503)),
            code: part,
            message: part,
            headers: fc.oneof(part, fc.record({ 'retry-after': part })),
            response: fc.oneof(part, fc.record({ status: fc.constantFrom(429, 503), headers: part })),
            errors: part,
            cause: part,
          },
          { requiredKeys: [] },
        ),
        fc.array(fc.constantFrom('name', 'status', 'code', 'message', 'headers', 'response', 'errors', 'cause')),
        (fields, throwing) => {
          const error = new Error('x');
          for (const [key, value] of Object.entries(fields)) {
            Object.defineProperty(error, key, { value: build(value), configurable: true });
          }
          for (const key of throwing) Object.defineProperty(error, key, { ...throwingGetter(key), configurable: true });
          const result = classifyError(error, { now: 0 });
          expect(typeof result.retryable).toBe('boolean');
          expect(typeof result.reason).toBe('string');
          if (result.retryAfterMs !== undefined) {
            expect(Number.isSafeInteger(result.retryAfterMs)).toBe(true);
            expect(result.retryAfterMs).toBeGreaterThanOrEqual(0);
          }
        },
      ),
    );
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
