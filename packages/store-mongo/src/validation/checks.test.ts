import { JobValidationError, type Job } from '@jobtrail/core';
import { makeJob } from '@jobtrail/core/testing';
import { describe, expect, it } from 'vitest';
import { requireIds, validateDeltas, validateFence, validateJob, validateProgressPatch } from './checks.js';

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
      ['history', { history: {} as never }],
      ['history[0]', { history: [null as never] }],
      ['history[0].kind', { history: [{ kind: 'other' } as never] }],
      ['history[0].at', { history: [{ kind: 'retry', at: new Date(Number.NaN), afterAttempt: 1 }] }],
      ['history[0].afterAttempt', { history: [{ kind: 'retry', at: new Date(), afterAttempt: { $gt: 0 } as never }] }],
      [
        'history[0].metrics.x',
        {
          history: [
            { kind: 'attempt', attempt: 1, owner: null, startedAt: null, finishedAt: new Date(), outcome: 'failed', error: null, progress: 0, stage: null, metrics: { x: Number.NaN } },
          ],
        },
      ],
      [
        'history[0].error.at',
        {
          history: [
            {
              kind: 'attempt',
              attempt: 1,
              owner: null,
              startedAt: null,
              finishedAt: new Date(),
              outcome: 'failed',
              error: { message: 'x', code: null, name: null, retryable: false, attempt: 1, at: 'now' as never },
              progress: 0,
              stage: null,
              metrics: {},
            },
          ],
        },
      ],
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

  it('refuses fences that are not what they claim (an object would be read as an operator)', () => {
    expect(() => validateFence(undefined, undefined)).not.toThrow();
    expect(() => validateFence(null, null)).not.toThrow();
    expect(() => validateFence('w', 0)).not.toThrow();
    for (const [owner, attempt] of [[{ $ne: null }, 1], [5, undefined], ['w', -1], ['w', 1.5], ['w', { $gt: 0 }], ['w', '1']] as const) {
      expect(() => validateFence(owner, attempt), JSON.stringify([owner, attempt])).toThrow(JobValidationError);
    }
  });

  it('keeps distinct string ids in first-seen order and refuses anything else', () => {
    expect(requireIds('ids', ['b', 'a', 'b'])).toEqual(['b', 'a']);
    expect(() => requireIds('ids', [{ $ne: null }] as never)).toThrow(JobValidationError);
    expect(() => requireIds('ids', 'abc' as never)).toThrow(JobValidationError);
  });
});
