import { describe, expect, it } from 'vitest';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { makeJob } from '../testing/make-job.js';
import { FULL_READ, checkReadOptions, isFullRead, jsonBytes, markUnread, toReadPlan } from './field-reads.js';

describe('toReadPlan', () => {
  it('reads everything by default and names each field of a plan', () => {
    expect(toReadPlan(undefined)).toBe(FULL_READ);
    expect(toReadPlan({})).toEqual(FULL_READ);
    expect(toReadPlan({ payload: 'omit', result: { maxBytes: 0 }, metadata: 'full' })).toEqual({ payload: 'omit', result: 0, metadata: 'full' });
    expect(isFullRead(toReadPlan({ payload: 'full' }))).toBe(true);
  });

  it('refuses anything else with invalid_input naming the field', () => {
    const cases: [unknown, string][] = [
      [null, 'read'],
      ['omit', 'read'],
      [[], 'read'],
      [{ history: 'omit' }, 'read.history'],
      [{ payload: 'skip' }, 'read.payload'],
      [{ payload: { maxBytes: -1 } }, 'read.payload'],
      [{ result: { maxBytes: 2 ** 30 + 1 } }, 'read.result'],
      [{ result: { maxBytes: 1, more: 2 } }, 'read.result'],
      [{ metadata: { bytes: 10 } }, 'read.metadata'],
    ];
    for (const [read, field] of cases) {
      let caught: unknown;
      try {
        toReadPlan(read as never);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(JobValidationError);
      expect((caught as JobValidationError).code).toBe('invalid_input');
      expect((caught as JobValidationError).message).toContain(field);
    }
  });

  it('checks a scope: only strings, null or undefined, other keys ignored', () => {
    expect(checkReadOptions({ scope: { tenantId: null, ownerId: 'o' } }).scope).toEqual({ tenantId: null, ownerId: 'o' });
    expect(checkReadOptions({ scope: { admin: true } as never }).scope).toEqual({});
    expect(() => checkReadOptions({ scope: { tenantId: { $ne: null } } as never })).toThrow(JobValidationError);
    expect(() => checkReadOptions('x' as never)).toThrow(JobValidationError);
  });
});

describe('markUnread', () => {
  it('leaves a job read in full untouched, without a marker', () => {
    const job = makeJob({ payload: { a: 1 } });
    expect(markUnread(job, FULL_READ)).not.toHaveProperty('unread');
  });

  it('marks omitted and oversized fields, keeps those within the cap, and always sets the marker', () => {
    const job = makeJob({ payload: 'p', result: 'r', metadata: { m: 1 } });
    const read = markUnread(job, toReadPlan({ payload: 'omit', result: { maxBytes: 3 }, metadata: { maxBytes: 100 } }), { result: 10, metadata: 7 });
    expect(read.payload).toBeUndefined();
    expect(read.result).toBeUndefined();
    expect(read.metadata).toEqual({ m: 1 });
    expect(read.unread).toEqual({ payload: { reason: 'omitted' }, result: { reason: 'too_large', bytes: 10 } });
    expect(markUnread(makeJob(), toReadPlan({ payload: { maxBytes: 5 } }), {}).unread).toEqual({});
  });
});

describe('jsonBytes', () => {
  it('counts UTF-8 bytes of the JSON text', () => {
    expect(jsonBytes(null)).toBe(4);
    expect(jsonBytes(undefined)).toBe(4);
    expect(jsonBytes({ a: 'é' })).toBe(Buffer.byteLength(JSON.stringify({ a: 'é' })));
    expect(jsonBytes('€😀')).toBe(Buffer.byteLength(JSON.stringify('€😀')));
    expect(jsonBytes('\ud800')).toBe(Buffer.byteLength(JSON.stringify('\ud800')));
  });
});
