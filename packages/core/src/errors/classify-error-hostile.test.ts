import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyError } from './classify-error.js';
import { httpError } from './classify-error.test-support.js';
import { catchError } from '../../test/catch-error.js';

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
