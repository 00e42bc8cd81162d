import { MemoryJobStore, type FieldReads, type Job, type JobScope } from '@jobtrail/core';
import { FULL_READ, toReadPlan } from '@jobtrail/core/store';
import { makeJob } from '@jobtrail/core/testing';
import { find } from 'mingo';
import { computeValue, Context } from 'mingo/core';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import { BSON, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { toDocument, type JobDocument } from '../mapping/job-document.js';
import { readProjection, scopedIdFilter, toJobRead } from './read-projection.js';

/**
 * What the read projection means, evaluated with mingo (which lacks `$bsonSize`: it is added here
 * with the driver's own BSON size) and compared with MemoryJobStore, core's reference store.
 */
const bsonSize = (obj: object, expr: unknown, options: Parameters<typeof computeValue>[3]): number | null => {
  const value = computeValue(obj as never, expr, null as never, options) as Document | null | undefined;
  return value == null ? null : BSON.calculateObjectSize(value);
};
const context = Context.init({
  expression: { ...expressionOperators, $bsonSize: bsonSize } as never,
  pipeline: pipelineOperators,
  projection: projectionOperators,
  query: queryOperators,
});

function mongoRead(docs: JobDocument[], id: string, scope: JobScope, read: FieldReads | undefined): Job | null {
  const plan = toReadPlan(read);
  const projection = readProjection(plan);
  const [doc] = find(docs as never[], scopedIdFilter(id, scope) as never, projection ?? {}, { context } as never).all() as unknown as JobDocument[];
  return doc === undefined ? null : toJobRead(doc, plan);
}

const big = { blob: 'x'.repeat(5_000) };
const CAP = 1_000;

describe('readProjection', () => {
  it('reads whole documents under the full plan', () => {
    expect(readProjection(FULL_READ)).toBeUndefined();
  });

  it('excludes omitted fields when nothing is capped', () => {
    expect(readProjection(toReadPlan({ payload: 'omit', result: 'omit' }))).toEqual({ payload: 0, result: 0 });
  });

  it('lists every stored field in an inclusion projection when a field is capped', () => {
    const projection = readProjection(toReadPlan({ payload: { maxBytes: CAP }, result: 'omit' }))!;
    const stored = Object.keys(toDocument(makeJob())).filter((key) => key !== '_id' && key !== 'result');
    expect(Object.keys(projection).sort()).toEqual([...stored, 'payloadBytes'].sort());
    expect(projection.payload).toEqual({
      $cond: [{ $lte: [{ $subtract: [{ $bsonSize: { v: '$payload' } }, 8] }, CAP] }, '$payload', '$$REMOVE'],
    });
    expect(projection.payloadBytes).toEqual({ $subtract: [{ $bsonSize: { v: '$payload' } }, 8] });
    expect(projection).not.toHaveProperty('result');
  });

  it('scopes a get by _id and the given scope fields only', () => {
    expect(scopedIdFilter('a', {})).toEqual({ _id: 'a' });
    expect(scopedIdFilter('a', { tenantId: null, ownerId: 'o' })).toEqual({ _id: 'a', tenantId: null, ownerId: 'o' });
  });

  it('answers what the memory store answers, omitted, capped and scoped', async () => {
    const memory = new MemoryJobStore();
    const jobs = [
      makeJob({ payload: big, metadata: { m: 1 }, tenantId: 't1' }),
      makeJob({ payload: { a: 1 }, metadata: big, result: 'done', ownerId: 'o1' }),
      makeJob({ payload: null, result: null }),
    ];
    for (const job of jobs) await memory.insert(job);
    const docs = jobs.map(toDocument);
    const reads: (FieldReads | undefined)[] = [
      undefined,
      { payload: 'omit', result: 'omit', metadata: 'omit' },
      { payload: { maxBytes: CAP }, result: { maxBytes: CAP }, metadata: { maxBytes: CAP } },
      { payload: { maxBytes: CAP }, metadata: 'omit' },
    ];
    const scopes: JobScope[] = [{}, { tenantId: 't1' }, { tenantId: null }, { ownerId: 'o1' }];
    for (const job of jobs) {
      for (const read of reads) {
        for (const scope of scopes) {
          const expected = await memory.get(job.id, { scope, ...(read ? { read } : {}) });
          const actual = mongoRead(docs, job.id, scope, read);
          if (expected === null || actual === null) {
            expect(actual).toEqual(expected);
            continue;
          }
          // Sizes differ by measure (BSON here, JSON in memory); reasons and values must not.
          const reasons = (unread: Job['unread']) =>
            unread && Object.fromEntries(Object.entries(unread).map(([field, why]) => [field, why.reason]));
          expect(reasons(actual.unread)).toEqual(reasons(expected.unread));
          expect({ ...actual, unread: undefined }).toEqual({ ...expected, unread: undefined });
        }
      }
    }
    await memory.close();
  });
});
