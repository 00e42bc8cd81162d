import { JobValidationError, type JobError, type JobHistoryEntry, type JobStatus } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { expectationFilter } from './expectation-filter.js';
import { patchUpdate, progressUpdate } from './patch-update.js';

const id = '0190a8f0-0000-7000-8000-000000000001';
const at = (ms = 0): Date => new Date(Date.UTC(2031, 0, 1) + ms);

describe('expectationFilter (compare-and-set of transition)', () => {
  it('is just the id when nothing is expected', () => {
    expect(expectationFilter(id, {})).toEqual({ _id: id });
  });

  it('puts status, lease owner, attempt and lease expiry in the filter', () => {
    expect(expectationFilter(id, { status: 'running', leaseOwner: 'w1', attempt: 2, leaseExpiresBefore: at(5) })).toEqual({
      _id: id,
      status: 'running',
      leaseOwner: 'w1',
      attempt: 2,
      leaseExpiresAt: { $lt: at(5) },
    });
  });

  it('matches any of a list of statuses, and none of an empty list', () => {
    expect(expectationFilter(id, { status: ['queued', 'retrying'] })).toEqual({ _id: id, status: { $in: ['queued', 'retrying'] } });
    expect(expectationFilter(id, { status: [] })).toEqual({ _id: id, status: { $in: [] } });
  });

  it('expects "no lease" as leaseOwner: null', () => {
    expect(expectationFilter(id, { leaseOwner: null })).toEqual({ _id: id, leaseOwner: null });
  });

  it('does not share the caller’s status list', () => {
    const statuses: JobStatus[] = ['queued'];
    const filter = expectationFilter(id, { status: statuses });
    statuses.push('running');
    expect(filter.status).toEqual({ $in: ['queued'] });
  });

  it('refuses expectations that would read as operators (core refuses the rest: guardStore)', () => {
    const bad: unknown[] = [{ status: [{ $ne: null }] }, { leaseOwner: { $ne: null } }, { attempt: { $gt: 0 } }, { leaseExpiresBefore: { $gt: 0 } }];
    for (const expected of bad) expect(() => expectationFilter(id, expected as never), JSON.stringify(expected)).toThrow(JobValidationError);
    expect(() => expectationFilter({ $ne: null } as never, {})).toThrow(JobValidationError);
  });
});

describe('patchUpdate', () => {
  const failure: JobError = { message: 'boom', code: 'E', name: 'Error', retryable: true, attempt: 1, at: at(1) };

  it('sets every defined field and updatedAt, and nothing else', () => {
    expect(patchUpdate({ status: 'cancelled', note: 'user cancelled', updatedAt: at(10) })).toEqual({
      $set: { status: 'cancelled', note: 'user cancelled', updatedAt: at(10) },
    });
    expect(patchUpdate({ updatedAt: at(1) })).toEqual({ $set: { updatedAt: at(1) } });
  });

  it('writes a lease as owner and expiry, and null as no lease', () => {
    expect(patchUpdate({ lease: { owner: 'w', expiresAt: at(30) }, updatedAt: at() }).$set).toMatchObject({ leaseOwner: 'w', leaseExpiresAt: at(30) });
    expect(patchUpdate({ lease: null, updatedAt: at() }).$set).toMatchObject({ leaseOwner: null, leaseExpiresAt: null });
  });

  it('writes explicit nulls (clearing a field) but never undefined', () => {
    const update = patchUpdate({
      stage: null,
      current: null,
      total: null,
      result: null,
      note: null,
      error: null,
      errors: [],
      startedAt: null,
      finishedAt: null,
      lease: undefined,
      progress: undefined,
      updatedAt: at(),
    });
    expect(update.$set).toEqual({ stage: null, current: null, total: null, result: null, note: null, error: null, errors: [], startedAt: null, finishedAt: null, updatedAt: at() });
    expect(Object.values(update.$set)).not.toContain(undefined);
  });

  it('stores errors without an absent stack', () => {
    const set = patchUpdate({ error: failure, errors: [failure], updatedAt: at() }).$set;
    expect(set.error).toEqual(failure);
    expect(set.error).not.toHaveProperty('stack');
    expect(set.errors).toEqual([failure]);
  });

  it('replaces history and metrics wholesale, with metric names escaped and absent stacks left out', () => {
    const history: JobHistoryEntry[] = [
      {
        kind: 'attempt',
        attempt: 1,
        owner: 'w',
        startedAt: null,
        finishedAt: at(2),
        outcome: 'retrying',
        error: failure,
        progress: 0.5,
        stage: null,
        metrics: { 'cost.usd': 1, $spent: 2, '': 3 },
      },
      { kind: 'retry', at: at(3), afterAttempt: 1 },
    ];
    const set = patchUpdate({ history, metrics: { 'cost.usd': 0.5, rows: 1 }, updatedAt: at(4) }).$set;
    expect(set.metrics).toEqual({ 'cost%2Eusd': 0.5, rows: 1 });
    expect(set.history).toEqual([
      { ...history[0], metrics: { 'cost%2Eusd': 1, '%24spent': 2, '%': 3 } },
      { kind: 'retry', at: at(3), afterAttempt: 1 },
    ]);
    expect(set.history?.[0]).toHaveProperty('error');
    expect((set.history?.[0] as { error: object } | undefined)?.error).not.toHaveProperty('stack');
    // Whole fields, never dotted paths: the stored history and metrics are replaced, not merged.
    expect(Object.keys(set).sort()).toEqual(['history', 'metrics', 'updatedAt']);
    expect(patchUpdate({ history: [], metrics: {}, updatedAt: at() }).$set).toEqual({ history: [], metrics: {}, updatedAt: at() });
  });
});

describe('progressUpdate', () => {
  it('sets only the progress fields given, and updatedAt', () => {
    expect(progressUpdate({ progress: 0.4, stage: 'Uploading', updatedAt: at(1) })).toEqual({ $set: { progress: 0.4, stage: 'Uploading', updatedAt: at(1) } });
    expect(progressUpdate({ stage: null, current: null, total: null, updatedAt: at(2) })).toEqual({
      $set: { stage: null, current: null, total: null, updatedAt: at(2) },
    });
  });
});
