
import { describe, expect, it, } from 'vitest';
import { JobValidationError, } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import { makeJob } from '../testing/make-job.js';
import {
  checkClaim,
  checkDeltas,
  checkExpectation,
  checkFence,
  checkFilter,
  checkHeartbeat,
  checkJob,
  checkPatch,
  checkProgressPatch,
  checkPrune,
  checkQuery,
} from './store-input.js';
import { at, fieldOf, } from './store-input.test-support.js';

describe('checkJob', () => {
  it('accepts a complete job, nullable fields left undefined too', () => {
    expect(() => checkJob(makeJob({ key: 'k', lease: { owner: 'w', expiresAt: at() }, metrics: { a: 1 } }))).not.toThrow();
    const sparse = { ...makeJob() } as Partial<Job>;
    for (const field of ['key', 'parentId', 'tenantId', 'ownerId', 'stage', 'current', 'total', 'note', 'error', 'errors', 'history', 'metrics', 'metadata', 'startedAt', 'finishedAt', 'trace', 'lease'] as const) {
      delete sparse[field];
    }
    expect(() => checkJob(sparse as Job)).not.toThrow();
  });

  it('refuses records no store should hold, naming the field', () => {
    const entry = { kind: 'attempt', attempt: 1, owner: null, startedAt: null, finishedAt: at(), outcome: 'failed', error: null, progress: 0, stage: null, metrics: {} } as const;
    const cases: Array<[string, Partial<Job>]> = [
      ['id', { id: 'job-1' }],
      ['id', { id: makeJob().id.toUpperCase() }],
      ['unread', { unread: {} }],
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
      ['runAt', { runAt: new Date(8.64e15) }],
      ['createdAt', { createdAt: '2030-01-01' as never }],
      ['finishedAt', { finishedAt: 5 as never }],
      ['lease.owner', { lease: { owner: '', expiresAt: at() } }],
      ['lease.expiresAt', { lease: { owner: 'w', expiresAt: new Date(Number.NaN) } }],
      ['metadata', { metadata: [] as never }],
      ['metrics.x', { metrics: { x: Number.NaN } }],
      ['error.at', { error: { message: 'x', code: null, name: null, retryable: false, attempt: 1, at: 'now' as never } }],
      ['errors', { errors: {} as never }],
      ['errors[0].message', { errors: [{ message: 5 } as never] }],
      ['history', { history: {} as never }],
      ['history[0]', { history: [null as never] }],
      ['history[0].kind', { history: [{ kind: 'other' } as never] }],
      ['history[0].at', { history: [{ kind: 'retry', at: new Date(Number.NaN), afterAttempt: 1 }] }],
      ['history[0].afterAttempt', { history: [{ kind: 'retry', at: at(), afterAttempt: { $gt: 0 } as never }] }],
      ['history[0].metrics.x', { history: [{ ...entry, metrics: { x: Number.NaN } }] }],
      ['history[0].error.at', { history: [{ ...entry, error: { message: 'x', code: null, name: null, retryable: false, attempt: 1, at: 'now' as never } }] }],
      ['trace', { trace: 1 as never }],
    ];
    for (const [field, override] of cases) expect(fieldOf(() => checkJob(makeJob(override))), field).toBe(field);
    expect(fieldOf(() => checkJob(null as never))).toBe('job');
  });
});

describe('checkExpectation and checkPatch', () => {
  it('refuses expectations that would read as operators, or are not what they claim', () => {
    const bad: unknown[] = [
      null,
      { status: 'done' },
      { status: [{ $ne: null }] },
      { status: { $exists: true } },
      { leaseOwner: { $ne: null } },
      { attempt: { $gt: 0 } },
      { attempt: -1 },
      { leaseExpiresBefore: 'tomorrow' },
      { leaseExpiresBefore: new Date(Number.NaN) },
    ];
    for (const expected of bad) expect(() => checkExpectation(expected as never), JSON.stringify(expected)).toThrow(JobValidationError);
    expect(() => checkExpectation({ status: ['queued', 'retrying'], leaseOwner: null, attempt: 0, leaseExpiresBefore: at() })).not.toThrow();
  });

  it('refuses patches a record should not hold', () => {
    const bad: unknown[] = [
      null,
      { updatedAt: 'now' },
      { status: 'success', updatedAt: at() },
      { attempt: 1.5, updatedAt: at() },
      { maxAttempts: -1, updatedAt: at() },
      { runAt: new Date(Number.NaN), updatedAt: at() },
      { lease: { owner: '', expiresAt: at() }, updatedAt: at() },
      { lease: { owner: 'w', expiresAt: 5 }, updatedAt: at() },
      { progress: Number.NaN, updatedAt: at() },
      { stage: { $set: 1 }, updatedAt: at() },
      { note: 5, updatedAt: at() },
      { current: Number.POSITIVE_INFINITY, updatedAt: at() },
      { finishedAt: 'yesterday', updatedAt: at() },
      { error: { message: 'x' }, updatedAt: at() },
      { errors: null, updatedAt: at() },
      { history: null, updatedAt: at() },
      { history: { 0: { kind: 'retry', at: at(), afterAttempt: 1 } }, updatedAt: at() },
      { history: [{ kind: 'retry', at: 'now', afterAttempt: 1 }], updatedAt: at() },
      { history: [{ kind: 'retry', at: at(), afterAttempt: { $gt: 0 } }], updatedAt: at() },
      { history: [{ kind: 'other' }], updatedAt: at() },
      { metrics: null, updatedAt: at() },
      { metrics: { rows: Number.NaN }, updatedAt: at() },
      { metrics: { rows: { $inc: 1 } }, updatedAt: at() },
    ];
    for (const patch of bad) expect(() => checkPatch(patch as never), JSON.stringify(patch)).toThrow(JobValidationError);
    expect(() => checkPatch({ status: 'running', lease: null, stage: null, error: null, startedAt: null, updatedAt: at() })).not.toThrow();
  });
});

describe('the other checks', () => {
  it('refuses non-finite or non-numeric metric deltas', () => {
    expect(() => checkDeltas({ a: 1, 'b.c': -2.5 })).not.toThrow();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '1', null]) {
      expect(fieldOf(() => checkDeltas({ a: 1, b: bad as never }))).toBe('deltas.b');
    }
    expect(() => checkDeltas(null as never)).toThrow(JobValidationError);
    expect(() => checkDeltas([1] as never)).toThrow(JobValidationError);
  });

  it('refuses bad progress patches', () => {
    expect(() => checkProgressPatch({ progress: 0.5, updatedAt: at() })).not.toThrow();
    expect(() => checkProgressPatch({ progress: Number.NaN, updatedAt: at() })).toThrow(JobValidationError);
    expect(() => checkProgressPatch({ stage: 3 as never, updatedAt: at() })).toThrow(JobValidationError);
    expect(() => checkProgressPatch({ progress: 0.5 } as never)).toThrow(JobValidationError);
  });

  it('refuses fences that are not what they claim (an object would reach a query as an operator)', () => {
    expect(() => checkFence(undefined, undefined)).not.toThrow();
    expect(() => checkFence(null, null)).not.toThrow();
    expect(() => checkFence('w', 0)).not.toThrow();
    for (const [owner, attempt] of [[{ $ne: null }, 1], [5, undefined], ['w', -1], ['w', 1.5], ['w', { $gt: 0 }], ['w', '1']] as const) {
      expect(() => checkFence(owner, attempt), JSON.stringify([owner, attempt])).toThrow(JobValidationError);
    }
  });

  it('answers the heartbeat ids themselves when all are job ids, and only the job ids otherwise', () => {
    const ids = [makeJob().id, makeJob().id];
    expect(checkHeartbeat('w', ids, at())).toBe(ids);
    expect(checkHeartbeat('w', [ids[0]!, '42'], at())).toEqual([ids[0]]);
    expect(() => checkHeartbeat('w', [{ $ne: null }] as never, at())).toThrow(JobValidationError);
    expect(() => checkHeartbeat('w', 'abc' as never, at())).toThrow(JobValidationError);
    expect(() => checkHeartbeat('', ids, at())).toThrow(JobValidationError);
  });
});

describe('checkFilter, checkQuery, checkPrune and checkClaim', () => {
  const id = '0190a8f0-0000-7000-8000-000000000001';

  it('refuses filter values that would act as operators or are not what they claim', () => {
    const bad: unknown[] = [
      null,
      { status: ['done'] },
      { status: 'queued' },
      { type: 'a' },
      { type: [{ $ne: null }] },
      { tenantId: { $ne: null } },
      { ownerId: 5 },
      { parentId: { $exists: true } },
      { createdAfter: '2030-01-01' },
      { activeSince: new Date(Number.NaN) },
    ];
    for (const filter of bad) expect(() => checkFilter(filter as never), JSON.stringify(filter)).toThrow(JobValidationError);
    expect(() => checkFilter({ status: [], type: [], tenantId: null, ownerId: 'o', parentId: '42', createdAfter: at(), activeSince: at() })).not.toThrow();
  });

  it('refuses page sizes outside 1..1000 and cursors that are not job ids', () => {
    for (const limit of [0, -1, 1.5, 1001, Number.NaN, '10']) expect(() => checkQuery({ limit } as never)).toThrow(JobValidationError);
    for (const cursor of ['', 'not-a-uuid', '{"$gt":""}', { $gt: '' }, id.toUpperCase()]) {
      expect(() => checkQuery({ limit: 10, cursor } as never)).toThrow(JobValidationError);
    }
    expect(() => checkQuery({ limit: 1000, cursor: id })).not.toThrow();
  });

  it('never prunes unfinished statuses, and refuses bad limits and dates', () => {
    for (const status of ['queued', 'running', 'retrying', 'done']) {
      expect(() => checkPrune({ before: { [status]: at() } } as never)).toThrow(JobValidationError);
    }
    for (const limit of [0, -1, 1.5, Number.NaN]) expect(() => checkPrune({ before: { completed: at() }, limit })).toThrow(JobValidationError);
    expect(() => checkPrune({ before: { failed: 'yesterday' } } as never)).toThrow(JobValidationError);
    expect(() => checkPrune(null as never)).toThrow(JobValidationError);
    expect(() => checkPrune({ before: { completed: at(), failed: undefined } })).not.toThrow();
  });

  it('refuses claims with bad limits, owners and times', () => {
    const valid = { owner: 'w', now: at(), leaseExpiresAt: at(1), limits: { a: 1 }, limit: 1 };
    expect(() => checkClaim(valid)).not.toThrow();
    const bad: unknown[] = [
      null,
      { ...valid, limit: -1 },
      { ...valid, limit: 1.5 },
      { ...valid, limits: { a: 1.5 } },
      { ...valid, limits: { a: -1 } },
      { ...valid, limits: { a: '2' } },
      { ...valid, limits: null },
      { ...valid, owner: '' },
      { ...valid, owner: { $ne: null } },
      { ...valid, now: 'now' },
      { ...valid, leaseExpiresAt: new Date(Number.NaN) },
    ];
    for (const request of bad) expect(() => checkClaim(request as never), JSON.stringify(request)).toThrow(JobValidationError);
  });
});
