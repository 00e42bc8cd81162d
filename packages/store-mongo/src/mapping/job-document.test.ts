import type { Job, JobAttemptEntry, JobError, JobHistoryEntry } from '@jobtrail/core';
import { makeJob } from '@jobtrail/core/testing';
import { describe, expect, it } from 'vitest';
import { asStored, toDocument, toJob, type JobDocument } from './job-document.js';

const base = Date.UTC(2031, 4, 6, 7, 8, 9, 123);
const at = (ms = 0): Date => new Date(base + ms);

function failure(attempt: number, extra: Partial<JobError> = {}): JobError {
  return { message: `Attempt ${attempt} failed — réessayer 🙃`, code: 'ECONNREFUSED', name: 'Error', retryable: true, attempt, at: at(attempt), ...extra };
}

function history(): JobHistoryEntry[] {
  return [
    {
      kind: 'attempt',
      attempt: 1,
      owner: 'worker-1',
      startedAt: at(1),
      finishedAt: at(2),
      outcome: 'retrying',
      error: failure(1),
      progress: 0.5,
      stage: 'Parsing — 東京',
      metrics: { leads: 3, 'cost.usd': 0.25, $spent: 1, '': 2 },
    },
    { kind: 'retry', at: at(3), afterAttempt: 1 },
    {
      kind: 'attempt',
      attempt: 2,
      owner: null,
      startedAt: null,
      finishedAt: at(4),
      outcome: 'lease_expired',
      error: failure(2, { stack: 'Error: x\n    at y' }),
      progress: 0,
      stage: null,
      metrics: {},
    },
  ];
}

function fullJob(): Job {
  return makeJob({
    key: 'key-ключ',
    parentId: makeJob().id,
    tenantId: 'tenant-1',
    ownerId: 'owner-1',
    group: 'account-7 — 東京',
    scheduleName: 'nightly-report — 東京',
    scheduledFor: at(-60_000),
    status: 'running',
    attempt: 2,
    maxAttempts: 7,
    priority: -3,
    runAt: at(1),
    lease: { owner: 'worker-1', expiresAt: at(30_000) },
    progress: 0.625,
    stage: 'Calling Google API — 東京',
    current: 5,
    total: 8,
    payload: { nested: { list: [1, 2.5, null, 'ü'], empty: {} }, big: 9_007_199_254_740_991, 'dotted.key': true },
    result: { rows: [{ id: 1 }] },
    metadata: { placeId: 'abc' },
    metrics: { leads: 12, 'cost.usd': 0.25, $spent: 3, '': 1 },
    note: 'completed with 3 row errors',
    error: failure(1),
    errors: [failure(1), failure(2, { code: null, name: null, retryable: false, stack: 'Error: x\n    at y' })],
    history: history(),
    createdAt: at(0),
    startedAt: at(2),
    finishedAt: null,
    updatedAt: at(3),
    trace: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
}

describe('job document mapper', () => {
  it('maps id to _id, flattens the lease and escapes metric names', () => {
    const job = fullJob();
    const doc = toDocument(job);
    expect(doc._id).toBe(job.id);
    expect(doc).not.toHaveProperty('id');
    expect(doc).not.toHaveProperty('lease');
    expect(doc.leaseOwner).toBe('worker-1');
    expect(doc.leaseExpiresAt).toEqual(at(30_000));
    expect(doc.metrics).toEqual({ leads: 12, 'cost%2Eusd': 0.25, '%24spent': 3, '%': 1 });
    expect(doc.runAt).toBeInstanceOf(Date);
  });

  it('stores history entries with their metric names escaped like the job’s own', () => {
    const doc = toDocument(fullJob());
    expect(doc.history).toHaveLength(3);
    expect(doc.history[0]).toMatchObject({ kind: 'attempt', attempt: 1, metrics: { leads: 3, 'cost%2Eusd': 0.25, '%24spent': 1, '%': 2 } });
    expect(doc.history[1]).toEqual({ kind: 'retry', at: at(3), afterAttempt: 1 });
    expect(doc.history[2]?.kind === 'attempt' && doc.history[2].metrics).toEqual({});
  });

  it('stores no lease as two nulls, so filters on leaseOwner: null and leaseExpiresAt work', () => {
    const doc = toDocument(makeJob());
    expect(doc.leaseOwner).toBeNull();
    expect(doc.leaseExpiresAt).toBeNull();
  });

  it('round-trips every field exactly, in memory and through BSON', () => {
    const job = fullJob();
    expect(toJob(toDocument(job))).toEqual(job);
    const stored = asStored(toDocument(job));
    expect(stored).toEqual(job);
    expect(stored.runAt).toBeInstanceOf(Date);
    expect(stored.errors[1]?.at).toBeInstanceOf(Date);
    expect(stored.errors[1]?.stack).toBe('Error: x\n    at y');
    const [first, retry, second] = stored.history as [JobAttemptEntry, JobHistoryEntry, JobAttemptEntry];
    expect(first.startedAt).toBeInstanceOf(Date);
    expect(first.finishedAt).toBeInstanceOf(Date);
    expect(first.error?.at).toBeInstanceOf(Date);
    expect(first.error).not.toHaveProperty('stack');
    expect(retry.kind === 'retry' && retry.at).toBeInstanceOf(Date);
    expect(second.error?.stack).toBe('Error: x\n    at y');
    expect(second.startedAt).toBeNull();
    expect(stored.group).toBe('account-7 — 東京');
    expect(stored.scheduleName).toBe('nightly-report — 東京');
    expect(stored.scheduledFor).toEqual(at(-60_000));
    expect(stored.scheduledFor).toBeInstanceOf(Date);
  });

  it('answers a copy through BSON that shares nothing with the input', () => {
    const job = fullJob();
    const stored = asStored(toDocument(job));
    (stored.payload as { nested: { list: unknown[] } }).nested.list.push('changed');
    stored.runAt.setTime(0);
    stored.metrics['leads'] = 0;
    expect((job.payload as { nested: { list: unknown[] } }).nested.list).toHaveLength(4);
    expect(job.runAt.getTime()).toBe(base + 1);
    expect(job.metrics['leads']).toBe(12);
  });

  it('keeps an absent error stack absent instead of turning it into null', () => {
    const job = makeJob({ error: failure(1), errors: [failure(1)] });
    const stored = asStored(toDocument(job));
    expect(stored.error).not.toHaveProperty('stack');
    expect(stored.errors[0]).not.toHaveProperty('stack');
    expect(asStored(toDocument(makeJob({ error: failure(1, { stack: null }) }))).error).toHaveProperty('stack', null);
  });

  it('fills nullable fields a JavaScript caller left out, so every document has the full shape', () => {
    const { key: _key, note: _note, trace: _trace, lease: _lease, errors: _errors, metrics: _metrics, history: _history, ...partial } = makeJob();
    const doc = toDocument(partial as Job);
    expect(doc).toMatchObject({ key: null, note: null, trace: null, leaseOwner: null, leaseExpiresAt: null, errors: [], metrics: {}, history: [] });
    const sparseEntry = { kind: 'attempt', attempt: 1, finishedAt: at(1), outcome: 'failed', progress: 0, metrics: {} } as unknown as JobHistoryEntry;
    expect(asStored(toDocument(makeJob({ history: [sparseEntry] }))).history).toEqual([
      { kind: 'attempt', attempt: 1, owner: null, startedAt: null, finishedAt: at(1), outcome: 'failed', error: null, progress: 0, stage: null, metrics: {} },
    ]);
    const undefinedPayload = toDocument(makeJob({ payload: undefined }));
    expect(undefinedPayload.payload).toBeNull();
  });

  it('stores a job without a schedule as two nulls, and reads documents written before schedules (no such fields) as null', () => {
    const doc = toDocument(makeJob());
    expect(doc).toHaveProperty('scheduleName', null);
    expect(doc).toHaveProperty('scheduledFor', null);
    const { scheduleName: _name, scheduledFor: _for, ...older } = doc;
    expect(older).not.toHaveProperty('scheduleName');
    const job = asStored(older as JobDocument);
    expect(job.scheduleName).toBeNull();
    expect(job.scheduledFor).toBeNull();
    expect(Object.keys(job).sort()).toEqual(Object.keys(makeJob()).sort());
    // A JavaScript caller that left them out gets them stored as null, not missing.
    const { scheduleName: _n, scheduledFor: _f, ...partial } = makeJob();
    expect(toDocument(partial as Job)).toMatchObject({ scheduleName: null, scheduledFor: null });
  });

  it('stores a job without a group as null, and reads documents written before groups (no such field) as null', () => {
    const doc = toDocument(makeJob());
    expect(doc).toHaveProperty('group', null);
    const { group: _group, ...older } = doc;
    const job = asStored(older as JobDocument);
    expect(job.group).toBeNull();
    expect(Object.keys(job).sort()).toEqual(Object.keys(makeJob()).sort());
    const { group: _g, ...partial } = makeJob();
    expect(toDocument(partial as Job)).toHaveProperty('group', null);
  });

  it('reads documents that lack optional fields (edited by hand) without failing', () => {
    const doc = toDocument(makeJob());
    const sparse = { ...doc } as Partial<JobDocument>;
    for (const field of ['key', 'stage', 'metrics', 'errors', 'error', 'history', 'trace', 'leaseOwner', 'metadata', 'result'] as const) delete sparse[field];
    const job = toJob(sparse as JobDocument);
    expect(job).toMatchObject({ key: null, stage: null, metrics: {}, errors: [], error: null, history: [], trace: null, lease: null, metadata: {}, result: null });
  });

  it('answers exactly the fields of a Job: no document field leaks out', () => {
    const job = toJob({ ...toDocument(fullJob()), claimToken: 'x' } as JobDocument);
    expect(Object.keys(job).sort()).toEqual(Object.keys(fullJob()).sort());
  });

  it("keeps __proto__ a plain metric name, never the metrics object's prototype", () => {
    const metrics = JSON.parse('{"__proto__": 2, "ok": 1}') as Record<string, number>;
    const stored = asStored(toDocument(makeJob({ metrics })));
    expect(Object.keys(stored.metrics)).toEqual(['__proto__', 'ok']);
    expect(Object.getPrototypeOf(stored.metrics)).toBe(Object.prototype);
  });
});
