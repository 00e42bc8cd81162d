import { FatalJobError, JobAbortedError, StoreError } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { asException, errorTypeOf, messageOf } from './error-type.js';

describe('errorTypeOf', () => {
  it("answers a store_error's cause's code: the driver's class of failure", () => {
    const refused = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    expect(errorTypeOf(new StoreError('The job store failed in insert', { cause: refused }))).toBe('ECONNREFUSED');
    expect(errorTypeOf(new StoreError('The job store failed in insert', { cause: new Error('no code') }))).toBe('store_error');
    expect(errorTypeOf(new StoreError('The job store failed'))).toBe('store_error');
  });

  it('prefers a code, then an HTTP status, then the class name, then _OTHER', () => {
    expect(errorTypeOf(Object.assign(new Error('x'), { status: 503 }))).toBe('503');
    expect(errorTypeOf(Object.assign(new Error('x'), { statusCode: 429 }))).toBe('429');
    expect(errorTypeOf(Object.assign(new Error('x'), { response: { status: 404 } }))).toBe('404');
    expect(errorTypeOf(Object.assign(new Error('x'), { status: 200 }))).toBe('Error');
    expect(errorTypeOf(Object.assign(new Error('x'), { response: null }))).toBe('Error');
    expect(errorTypeOf(Object.assign(new Error('x'), { code: 'ETIMEDOUT', status: 504 }))).toBe('ETIMEDOUT');
    expect(errorTypeOf(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errorTypeOf(Object.assign(new Error('x'), { code: 503 }))).toBe('503');
    expect(errorTypeOf(new JobAbortedError('j', 'timeout'))).toBe('job_timeout');
    expect(errorTypeOf(new FatalJobError('gone'))).toBe('fatal');
    expect(errorTypeOf(new RangeError('x'))).toBe('RangeError');
    expect(errorTypeOf(new Error('x'))).toBe('Error');
    expect(errorTypeOf('just a string')).toBe('_OTHER');
    expect(errorTypeOf(undefined)).toBe('_OTHER');
    expect(errorTypeOf({ code: '' })).toBe('_OTHER');
  });
});

describe('asException and messageOf', () => {
  it('keep errors and strings, and describe anything else', () => {
    const error = new Error('boom');
    expect(asException(error)).toBe(error);
    expect(asException('boom')).toBe('boom');
    expect(asException({ message: 'shaped like an error' })).toEqual({ message: 'shaped like an error' });
    expect(asException(7)).toEqual({ name: '_OTHER', message: '7' });
    expect(messageOf(new Error(''))).toBe('Error');
    expect(messageOf({ message: 'm' })).toBe('m');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(messageOf(circular)).toBe('[object Object]');
  });
});
