import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyError } from './classify-error.js';
import { codeError, httpError } from './classify-error.test-support.js';
import { FatalJobError, RetryableJobError } from './job-errors.js';
import { JobValidationError } from './jobtrail-error.js';
import { catchError } from '../../test/catch-error.js';

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
