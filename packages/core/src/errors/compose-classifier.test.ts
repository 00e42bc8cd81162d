import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyError, composeClassifier, type ErrorClassifier } from './classify-error.js';
import { codeError, httpError } from './classify-error.test-support.js';
import { FatalJobError } from './job-errors.js';
import { JobValidationError } from './jobtrail-error.js';
import { catchError } from '../../test/catch-error.js';

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
