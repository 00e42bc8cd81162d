import { JobValidationError, TERMINAL_STATUSES } from '@jobtrail/core';
import { makeJob } from '@jobtrail/core/testing';
import fc from 'fast-check';
import { Query } from 'mingo';
import { describe, expect, it } from 'vitest';
import { toDocument } from '../mapping/job-document.js';
import { insertClashFilter, keyHolderFilter, sharesKey } from './dedupe-documents.js';
import { EXPIRED_LEASES_SORT, expiredLeasesFilter, heldLeasesFilter, progressFilter, renewLeaseUpdate } from './lease-documents.js';
import { countPipeline, headroom, incrementMetricsFilter, incrementMetricsUpdate, missedIncrement, sumMetricsPipeline, unfinishedJobFilter } from './metrics-documents.js';
import { DEFAULT_PRUNE_LIMIT, PRUNE_SORT, prunePlan } from './prune-documents.js';
import { QUERY_SORT, queryFilter, storeFilter } from './store-filter.js';

const at = (ms = 0): Date => new Date(Date.UTC(2033, 2, 4) + ms);
const id = '0190a8f0-0000-7000-8000-000000000001';

describe('storeFilter (query, count, sumMetrics)', () => {
  it('is empty without conditions', () => {
    expect(storeFilter({})).toEqual({});
  });

  it('matches metadata fields by whole value, as the memory and PostgreSQL stores do', () => {
    const match = storeFilter({ metadata: { c: 'a', n: 1, f: false } });
    expect(match).toEqual({
      'metadata.c': { $eq: 'a', $not: { $type: 'array' } },
      'metadata.n': { $eq: 1, $not: { $type: 'array' } },
      'metadata.f': { $eq: false, $not: { $type: 'array' } },
    });
    const query = new Query(match);
    expect(query.test({ metadata: { c: 'a', n: 1.0, f: false, other: 'x' } })).toBe(true);
    // An array holding the value, a look-alike type, a missing field: no match.
    expect(query.test({ metadata: { c: ['a'], n: 1, f: false } })).toBe(false);
    expect(query.test({ metadata: { c: 'a', n: '1', f: false } })).toBe(false);
    expect(query.test({ metadata: { c: 'a', n: 1 } })).toBe(false);
    expect(query.test({ metadata: {} })).toBe(false);
  });

  it('refuses a metadata field name MongoDB would read as a path or an operator', () => {
    for (const name of ['a.b', '$where', '']) {
      expect(() => storeFilter({ metadata: { [name]: 'x' } })).toThrow(JobValidationError);
    }
    expect(() => storeFilter({ metadata: { c: { $gt: '' } as unknown as string } })).toThrow(JobValidationError);
  });

  it('combines every condition', () => {
    expect(
      storeFilter({
        status: ['queued', 'failed'],
        type: ['a', 'b'],
        tenantId: 't',
        ownerId: null,
        parentId: id,
        createdAfter: at(1),
        createdBefore: at(2),
      }),
    ).toEqual({
      status: { $in: ['queued', 'failed'] },
      type: { $in: ['a', 'b'] },
      tenantId: 't',
      ownerId: null,
      parentId: id,
      createdAt: { $gte: at(1), $lt: at(2) },
    });
  });

  it('matches nothing for an empty status or type list', () => {
    expect(storeFilter({ status: [], type: [] })).toEqual({ status: { $in: [] }, type: { $in: [] } });
  });

  it('keeps unfinished jobs and jobs finished since the instant in the active view', () => {
    expect(storeFilter({ activeSince: at(5), status: ['failed'] })).toEqual({
      status: { $in: ['failed'] },
      $or: [{ status: { $in: ['queued', 'running', 'retrying'] } }, { finishedAt: { $gte: at(5) } }],
    });
  });

  it('refuses values that would act as operators (core refuses the rest: guardStore)', () => {
    const bad: unknown[] = [{ type: [{ $ne: null }] }, { status: [{ $in: ['queued'] }] }, { tenantId: { $ne: null } }, { ownerId: { $exists: true } }, { parentId: { $exists: true } }];
    for (const filter of bad) expect(() => storeFilter(filter as never), JSON.stringify(filter)).toThrow(JobValidationError);
  });
});

describe('queryFilter', () => {
  it('pages newest first, below the cursor; oldest first above it', () => {
    expect(QUERY_SORT).toEqual({ _id: -1 });
    expect(queryFilter({ type: ['a'], limit: 10, cursor: id })).toEqual({ filter: { type: { $in: ['a'] }, _id: { $lt: id } }, limit: 10, sort: { _id: -1 } });
    expect(queryFilter({ type: ['a'], limit: 10, cursor: id, order: 'oldest' })).toEqual({ filter: { type: { $in: ['a'] }, _id: { $gt: id } }, limit: 10, sort: { _id: 1 } });
  });

  it('refuses a cursor that would act as an operator (core checks page sizes and cursors: guardStore)', () => {
    expect(() => queryFilter({ limit: 10, cursor: { $gt: '' } } as never)).toThrow(JobValidationError);
    expect(queryFilter({ limit: 1000 }).limit).toBe(1000);
  });
});

describe('lease documents', () => {
  it('renews only running jobs among the ids whose lease the owner holds, leaving updatedAt alone', () => {
    expect(heldLeasesFilter('w', ['a', 'b'])).toEqual({ _id: { $in: ['a', 'b'] }, status: 'running', leaseOwner: 'w' });
    expect(renewLeaseUpdate(at(9))).toEqual({ $set: { leaseExpiresAt: at(9) } });
  });

  it('finds running jobs whose lease expired before now, oldest lease first', () => {
    expect(expiredLeasesFilter(at(1))).toEqual({ status: 'running', leaseExpiresAt: { $lt: at(1) } });
    expect(Object.entries(EXPIRED_LEASES_SORT)).toEqual([
      ['leaseExpiresAt', 1],
      ['_id', 1],
    ]);
  });

  it('writes progress only on running jobs, and only for the owner when one is named', () => {
    expect(progressFilter(id, undefined)).toEqual({ _id: id, status: 'running' });
    expect(progressFilter(id, null)).toEqual({ _id: id, status: 'running' });
    expect(progressFilter(id, 'w')).toEqual({ _id: id, status: 'running', leaseOwner: 'w' });
  });

  it('writes progress only while the job runs the attempt, when one is given', () => {
    expect(progressFilter(id, 'w', 2)).toEqual({ _id: id, status: 'running', leaseOwner: 'w', attempt: 2 });
    expect(progressFilter(id, null, 0)).toEqual({ _id: id, status: 'running', attempt: 0 });
    expect(progressFilter(id, undefined, null)).toEqual({ _id: id, status: 'running' });
  });
});

describe('metrics documents', () => {
  it('increments escaped names of an unfinished job in one update, with updatedAt', () => {
    expect(unfinishedJobFilter(id)).toEqual({ _id: id, status: { $in: ['queued', 'running', 'retrying'] } });
    expect(incrementMetricsUpdate({ rows: 1, 'cost.usd': 0.5 }, ['rows', 'cost.usd'], at())).toEqual({
      $set: { updatedAt: at() },
      $inc: { 'metrics.rows': 1, 'metrics.cost%2Eusd': 0.5 },
    });
  });

  it('fences an increment like a progress write when an owner or attempt is given', () => {
    expect(incrementMetricsFilter(id, undefined, undefined)).toEqual(unfinishedJobFilter(id));
    expect(incrementMetricsFilter(id, null, null)).toEqual(unfinishedJobFilter(id));
    expect(incrementMetricsFilter(id, 'w', undefined)).toEqual({ _id: id, status: 'running', leaseOwner: 'w' });
    expect(incrementMetricsFilter(id, null, 3)).toEqual({ _id: id, status: 'running', attempt: 3 });
    expect(incrementMetricsFilter(id, 'w', 3)).toEqual({ _id: id, status: 'running', leaseOwner: 'w', attempt: 3 });
  });

  it("tells a missed increment's answer from the job read after the miss", () => {
    const running = { status: 'running' as const, leaseOwner: 'w', attempt: 2 };
    expect(missedIncrement(null, 'w', 2)).toBeNull();
    expect(missedIncrement({ ...running, status: 'completed' }, 'w', 2)).toBe('finished');
    expect(missedIncrement({ ...running, status: 'cancelled' }, undefined, undefined)).toBe('finished');
    expect(missedIncrement(running, 'w', 1)).toBe('stale');
    expect(missedIncrement(running, 'x', 2)).toBe('stale');
    expect(missedIncrement({ ...running, status: 'retrying' }, null, 2)).toBe('stale');
    expect(missedIncrement({ ...running, status: 'queued', leaseOwner: null }, 'w', undefined)).toBe('stale');
    // It takes the increment now (it changed between the update and the read): try again.
    expect(missedIncrement(running, 'w', 2)).toBe('again');
    expect(missedIncrement({ ...running, status: 'queued' }, undefined, undefined)).toBe('again');
  });

  it('leaves $inc out when there is nothing to add (an empty $inc is an error on older servers)', () => {
    expect(incrementMetricsUpdate({}, [], at())).toEqual({ $set: { updatedAt: at() } });
  });

  it('sums and counts on the server, after the filter', () => {
    const match = { tenantId: 't' };
    const sum = sumMetricsPipeline(match);
    expect(sum[0]).toEqual({ $match: match });
    expect(sum.at(-1)).toEqual({ $group: { _id: '$metric.k', sum: { $sum: '$metric.v' } } });
    expect(countPipeline(match)).toEqual([{ $match: match }, { $group: { _id: { type: '$type', status: '$status' }, count: { $sum: 1 } } }]);
  });
});

describe('prunePlan', () => {
  it('deletes per status what finished before its cut-off, oldest first, in bounded batches', () => {
    expect(prunePlan({ before: { completed: at(1) } })).toEqual({ filter: { status: 'completed', finishedAt: { $lt: at(1) } }, limit: DEFAULT_PRUNE_LIMIT });
    expect(prunePlan({ before: { completed: at(1), failed: at(2) }, limit: 5 })).toEqual({
      filter: {
        $or: [
          { status: 'completed', finishedAt: { $lt: at(1) } },
          { status: 'failed', finishedAt: { $lt: at(2) } },
        ],
      },
      limit: 5,
    });
    expect(Object.entries(PRUNE_SORT)).toEqual([
      ['finishedAt', 1],
      ['_id', 1],
    ]);
  });

  it('deletes nothing without a cut-off', () => {
    expect(prunePlan({ before: {} }).filter).toBeNull();
    expect(prunePlan({ before: { completed: undefined } }).filter).toBeNull();
  });

  it('deletes each terminal status by its own cut-off (core refuses the rest: guardStore)', () => {
    for (const status of TERMINAL_STATUSES) expect(prunePlan({ before: { [status]: at() } }).filter).toMatchObject({ status });
  });
});

describe('dedupe documents', () => {
  const scope = { type: 't', tenantId: 'acme', ownerId: null };

  it('finds the unfinished holder of a key in its type, tenant and owner, optionally other than a given job', () => {
    expect(keyHolderFilter(scope, 'k')).toEqual({
      type: 't',
      key: 'k',
      tenantId: 'acme',
      ownerId: null,
      status: { $in: ['queued', 'running', 'retrying'] },
    });
    expect(keyHolderFilter(scope, 'k', id)).toMatchObject({ _id: { $ne: id } });
  });

  it('looks for a taken id or a held key before an insert in a transaction', () => {
    expect(insertClashFilter({ _id: id, ...scope, key: null })).toEqual({ _id: id });
    expect(insertClashFilter({ _id: id, ...scope, key: 'k' })).toEqual({ $or: [{ _id: id }, keyHolderFilter(scope, 'k')] });
  });

  /** Stored documents of one type and key in every scope: none, tenant only, owner only, both. */
  const scopes = [
    { tenantId: null, ownerId: null },
    { tenantId: 'a', ownerId: null },
    { tenantId: 'b', ownerId: null },
    { tenantId: null, ownerId: 'u' },
    { tenantId: 'a', ownerId: 'u' },
    { tenantId: 'a', ownerId: 'v' },
    { tenantId: 'b', ownerId: 'u' },
  ];

  it('matches (evaluated with mingo) exactly the stored job of the same scope, null being a value of its own', () => {
    const docs = scopes.map((s) => toDocument(makeJob({ type: 't', key: 'k', ...s })));
    for (const [index, s] of scopes.entries()) {
      const filter = keyHolderFilter({ type: 't', ...s }, 'k');
      const matched = docs.filter((doc) => new Query(filter as Record<string, unknown>).test(doc as unknown as Record<string, unknown>));
      expect(matched.map((doc) => doc._id), JSON.stringify(s)).toEqual([docs[index]!._id]);
      expect(new Query(insertClashFilter({ _id: id, type: 't', key: 'k', ...s }) as Record<string, unknown>).test(docs[index] as never)).toBe(true);
    }
    // Finished jobs and other types never hold the key.
    const finished = toDocument(makeJob({ type: 't', key: 'k', status: 'completed', finishedAt: at() }));
    const otherType = toDocument(makeJob({ type: 'u', key: 'k' }));
    for (const doc of [finished, otherType]) expect(new Query(keyHolderFilter({ type: 't', tenantId: null, ownerId: null }, 'k') as never).test(doc as never)).toBe(false);
  });

  it('says a job shares a key only with one of the same type, key, tenant and owner', () => {
    const base = { type: 't', key: 'k', tenantId: null, ownerId: null };
    expect(sharesKey(base, { ...base })).toBe(true);
    expect(sharesKey(base, { ...base, tenantId: 'x' })).toBe(false);
    expect(sharesKey(base, { ...base, ownerId: 'x' })).toBe(false);
    expect(sharesKey({ ...base, tenantId: 'a' }, { ...base, tenantId: 'b' })).toBe(false);
    expect(sharesKey(base, { ...base, key: 'other' })).toBe(false);
    expect(sharesKey(base, { ...base, type: 'u' })).toBe(false);
    expect(sharesKey({ ...base, key: null }, { ...base, key: null })).toBe(false);
  });
});

describe('headroom (the largest value a positive delta can be added to and stay finite)', () => {
  it('is exact for any positive double delta: the value stays finite, the next double above overflows', () => {
    fc.assert(
      fc.property(fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }), (delta) => {
        const bound = headroom(delta);
        expect(Number.isFinite(bound + delta)).toBe(true);
        const above = new DataView(new ArrayBuffer(8));
        above.setFloat64(0, bound);
        above.setBigUint64(0, above.getBigUint64(0) + 1n);
        expect(Number.isFinite(above.getFloat64(0) + delta)).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(headroom(1)).toBe(Number.MAX_VALUE);
    expect(headroom(Number.MAX_VALUE)).toBeLessThan(2 ** 970);
  });
});
