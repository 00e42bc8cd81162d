import { JobValidationError, type Job } from '@jobtrail/core';
import { makeJob } from '@jobtrail/core/testing';
import { describe, expect, it } from 'vitest';
import { requireIds, validateDeltas, validateJob, validateProgressPatch } from './checks.js';

describe('validateJob', () => {
  it('accepts a complete job', () => {
    expect(() => validateJob(makeJob({ key: 'k', lease: { owner: 'w', expiresAt: new Date() }, metrics: { a: 1 } }))).not.toThrow();
  });

  it('refuses records no store should hold, naming the field', () => {
    const cases: Array<[string, Partial<Job>]> = [
      ['id', { id: 'job-1' }],
      ['id', { id: makeJob().id.toUpperCase() }],
      ['type', { type: '' }],
      ['status', { status: 'done' as never }],
      ['key', { key: 42 as never }],
      ['key', { key: { $ne: null } as never }],
      ['tenantId', { tenantId: {} as never }],
      ['attempt', { attempt: -1 }],
      ['maxAttempts', { maxAttempts: 1.5 }],
      ['priority', { priority: Number.NaN }],
      ['progress', { progress: Number.POSITIVE_INFINITY }],
      ['runAt', { runAt: new Date(Number.NaN) }],
      ['createdAt', { createdAt: '2030-01-01' as never }],
      ['finishedAt', { finishedAt: 5 as never }],
      ['lease.owner', { lease: { owner: '', expiresAt: new Date() } }],
      ['lease.expiresAt', { lease: { owner: 'w', expiresAt: new Date(Number.NaN) } }],
      ['metrics.x', { metrics: { x: Number.NaN } }],
    ];
    for (const [field, override] of cases) {
      let caught: unknown;
      try {
        validateJob(makeJob(override));
      } catch (error) {
        caught = error;
      }
      expect(caught, field).toBeInstanceOf(JobValidationError);
      expect((caught as JobValidationError).field).toBe(field);
      expect((caught as JobValidationError).code).toBe('invalid_input');
    }
    expect(() => validateJob(null as never)).toThrow(JobValidationError);
  });
});

describe('other checks', () => {
  it('refuses non-finite or non-numeric metric deltas', () => {
    expect(validateDeltas({ a: 1, 'b.c': -2.5 })).toEqual(['a', 'b.c']);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '1', null]) expect(() => validateDeltas({ a: 1, b: bad as never })).toThrow(JobValidationError);
    expect(() => validateDeltas(null as never)).toThrow(JobValidationError);
    expect(() => validateDeltas([1] as never)).toThrow(JobValidationError);
  });

  it('refuses bad progress patches', () => {
    expect(() => validateProgressPatch({ progress: 0.5, updatedAt: new Date() })).not.toThrow();
    expect(() => validateProgressPatch({ progress: Number.NaN, updatedAt: new Date() })).toThrow(JobValidationError);
    expect(() => validateProgressPatch({ stage: 3 as never, updatedAt: new Date() })).toThrow(JobValidationError);
    expect(() => validateProgressPatch({ progress: 0.5 } as never)).toThrow(JobValidationError);
  });

  it('keeps distinct string ids in first-seen order and refuses anything else', () => {
    expect(requireIds('ids', ['b', 'a', 'b'])).toEqual(['b', 'a']);
    expect(() => requireIds('ids', [{ $ne: null }] as never)).toThrow(JobValidationError);
    expect(() => requireIds('ids', 'abc' as never)).toThrow(JobValidationError);
  });
});
