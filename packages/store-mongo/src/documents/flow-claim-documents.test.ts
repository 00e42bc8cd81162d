import { JOB_STATUSES, type JobStatus } from '@jobtrail/core';
import { makeJob } from '@jobtrail/core/testing';
import fc from 'fast-check';
import { aggregate, find, Query, update } from 'mingo';
import type { AnyBulkWriteOperation } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ranksBefore } from '../flow/claim-order.js';
import { toDocument, type JobDocument } from '../mapping/job-document.js';
import {
  countStartsFilter,
  dueGroupsPipeline,
  groupStartsFilter,
  groupStartWrites,
  leasedJobsFilter,
  ofTypeFilter,
  plannedJobsFilter,
  runningByGroupPipeline,
  startsByGroupPipeline,
  startWrites,
  type DueGroup,
  type GroupCount,
  type TypeGroupDocument,
  type TypeStartDocument,
} from './flow-claim-documents.js';

/**
 * What the documents of a controlled type's claim mean: each pipeline, filter and write evaluated
 * with mingo over the documents the store writes (and job documents from before groups, without
 * the field), compared with the port's words written out below. The flow-control contract suite
 * runs them all together, over the fake Db and against a real server.
 */

type MingoDoc = Parameters<typeof update>[0];
const BASE = Date.UTC(2030, 0, 1);
const at = (seconds: number): Date => new Date(BASE + seconds * 1000);
const GROUPS = [null, 'g1', 'g2', 'missing'] as const;

const jobSpec = fc.record({
  type: fc.constantFrom('a', 'b'),
  status: fc.constantFrom(...JOB_STATUSES),
  group: fc.constantFrom(...GROUPS),
  priority: fc.integer({ min: -1, max: 2 }),
  runAt: fc.integer({ min: -3, max: 3 }),
});

/** Job documents; `group: 'missing'` stands for a document written before groups (no field). */
function jobDocs(specs: readonly { type: string; status: JobStatus; group: (typeof GROUPS)[number]; priority: number; runAt: number }[]): JobDocument[] {
  return specs.map((spec) => {
    const doc = toDocument(makeJob({ type: spec.type, status: spec.status, group: spec.group === 'missing' ? null : spec.group, priority: spec.priority, runAt: at(spec.runAt) }));
    if (spec.group === 'missing') delete (doc as Partial<JobDocument>).group;
    return doc;
  });
}

const groupOf = (doc: { group?: string | null }): string | null => doc.group ?? null;
const run = <T>(docs: readonly object[], pipeline: object[]): T[] => aggregate(docs as unknown as MingoDoc[], pipeline as MingoDoc[]) as unknown as T[];
const matches = (filter: object, doc: object): boolean => new Query(filter as MingoDoc).test(doc as unknown as MingoDoc);
const countsOf = (rows: readonly GroupCount[]): Map<string | null, number> => new Map(rows.map((row) => [row._id ?? null, row.count]));

function countBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** Applies bulk-write operations to an array as MongoDB would (an upsert inserts the filter's equalities, then the update). */
function applyBulk<T extends object>(docs: T[], operations: readonly AnyBulkWriteOperation<T>[]): void {
  for (const operation of operations) {
    if ('insertOne' in operation) docs.push(structuredClone(operation.insertOne.document) as T);
    else if ('deleteMany' in operation) {
      const doomed = find(docs as unknown as MingoDoc[], operation.deleteMany.filter as MingoDoc).all();
      for (const doc of doomed) docs.splice(docs.indexOf(doc as unknown as T), 1);
    } else if ('updateOne' in operation) {
      const { filter, update: updateDoc, upsert } = operation.updateOne;
      const [found] = find(docs as unknown as MingoDoc[], filter as MingoDoc).all();
      if (found !== undefined) update(found, updateDoc as Parameters<typeof update>[1]);
      else if (upsert) {
        const created = Object.fromEntries(Object.entries(filter).filter(([, value]) => value === null || typeof value !== 'object')) as MingoDoc;
        update(created, updateDoc as Parameters<typeof update>[1]);
        docs.push(created as unknown as T);
      }
    } else throw new Error(`not used by the store: ${Object.keys(operation)[0]}`);
  }
}

describe('flow claim documents (mingo)', () => {
  it("count a type's running jobs per group, jobs without a group (or the field) as one", () => {
    fc.assert(
      fc.property(fc.array(jobSpec, { maxLength: 30 }), (specs) => {
        const docs = jobDocs(specs);
        const expected = countBy(docs.filter((doc) => doc.type === 'a' && doc.status === 'running'), groupOf);
        expect(countsOf(run<GroupCount>(docs, runningByGroupPipeline('a')))).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it("answer every group's first due, claimable jobs in claim order, however deep in claim order they lie", () => {
    fc.assert(
      fc.property(fc.array(jobSpec, { maxLength: 30 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 1, max: 4 }), (specs, now, perGroup) => {
        const docs = jobDocs(specs);
        const due = docs
          .filter((doc) => doc.type === 'a' && (doc.status === 'queued' || doc.status === 'retrying') && doc.runAt.getTime() <= at(now).getTime())
          .sort((x, y) => (ranksBefore(x, y) ? -1 : ranksBefore(y, x) ? 1 : 0));
        const expected = new Map<string | null, string[]>();
        for (const doc of due) {
          const list = expected.get(groupOf(doc)) ?? [];
          if (list.length < perGroup) list.push(doc._id);
          expected.set(groupOf(doc), list);
        }
        const rows = run<DueGroup>(docs, dueGroupsPipeline('a', at(now), perGroup));
        expect(new Map(rows.map((row) => [row._id ?? null, row.jobs.map((job) => job._id)]))).toEqual(expected);
        for (const row of rows) for (const job of row.jobs) expect(Object.keys(job).sort()).toEqual(['_id', 'priority', 'runAt']);
      }),
      { numRuns: 150 },
    );
  });

  it('lease only the planned jobs still due and claimable, and read exactly those back', () => {
    const docs = jobDocs([
      { type: 'a', status: 'queued', group: null, priority: 0, runAt: 0 },
      { type: 'a', status: 'running', group: null, priority: 0, runAt: 0 },
      { type: 'a', status: 'retrying', group: 'g1', priority: 0, runAt: 5 },
      { type: 'b', status: 'queued', group: null, priority: 0, runAt: 0 },
    ]);
    const ids = docs.map((doc) => doc._id);
    expect(docs.map((doc) => matches(plannedJobsFilter('a', ids, at(1)), doc))).toEqual([true, false, false, false]);
    expect(docs.map((doc) => matches(plannedJobsFilter('a', ids, at(5)), doc))).toEqual([true, false, true, false]);
    expect(docs.map((doc) => matches(leasedJobsFilter(ids.slice(0, 2)), doc))).toEqual([true, true, false, false]);
  });

  const startSpec = fc.record({ type: fc.constantFrom('a', 'b'), group: fc.constantFrom(null, 'g1', 'g2'), at: fc.integer({ min: 0, max: 20 }) });

  it('count starts per group after since (exclusive), those after the claim\'s now too (a claimer ahead)', () => {
    fc.assert(
      fc.property(fc.array(startSpec, { maxLength: 30 }), fc.integer({ min: 0, max: 20 }), (specs, since) => {
        const starts: TypeStartDocument[] = specs.map((spec) => ({ type: spec.type, group: spec.group, at: at(spec.at) }));
        const inWindow = starts.filter((start) => start.type === 'a' && start.at > at(since));
        expect(countsOf(run<GroupCount>(starts, startsByGroupPipeline('a', at(since))))).toEqual(countBy(inWindow, groupOf));
      }),
      { numRuns: 100 },
    );
  });

  it('countStarts: after since (exclusive), of one group (null: without one) or of all', () => {
    fc.assert(
      fc.property(fc.array(startSpec, { maxLength: 30 }), fc.integer({ min: 0, max: 20 }), fc.constantFrom(undefined, null, 'g1'), (specs, since, group) => {
        const starts: TypeStartDocument[] = specs.map((spec) => ({ type: spec.type, group: spec.group, at: at(spec.at) }));
        const expected = starts.filter((start) => start.type === 'a' && start.at > at(since) && (group === undefined || start.group === group)).length;
        expect(starts.filter((start) => matches(countStartsFilter('a', at(since), group), start))).toHaveLength(expected);
      }),
      { numRuns: 100 },
    );
  });

  it("record one start per started job and drop the type's starts no window can count any more", () => {
    const starts: TypeStartDocument[] = [
      { type: 'a', group: null, at: at(0) },
      { type: 'a', group: 'g1', at: at(5) },
      { type: 'a', group: 'g1', at: new Date(at(5).getTime() + 1) },
      { type: 'a', group: 'g1', at: at(6) },
      { type: 'b', group: null, at: at(0) },
    ];
    applyBulk(starts, startWrites('a', ['g1', null, 'g1'], at(10), 5000));
    // The window of a claim at 10 is (5, 10]: the start at 5 and before go, b's stay.
    expect(starts.map((start) => [start.type, start.group, start.at.getTime() - BASE])).toEqual([
      ['a', 'g1', 5001],
      ['a', 'g1', 6000],
      ['b', null, 0],
      ['a', 'g1', 10_000],
      ['a', null, 10_000],
      ['a', 'g1', 10_000],
    ]);
  });

  it("record each started group's latest start and turn once, creating the group's document on its first start", () => {
    const groups: TypeGroupDocument[] = [
      { type: 'a', group: 'g1', lastStartAt: at(1), turn: 1_000_000 },
      { type: 'b', group: null, lastStartAt: at(1), turn: 1_000_000 },
    ];
    const writes = groupStartWrites(
      'a',
      [
        { group: 'g1', turn: 2_000_000 },
        { group: null, turn: 2_000_001 },
        { group: 'g1', turn: 2_000_002 },
      ],
      at(9),
    );
    expect(writes).toHaveLength(2);
    applyBulk(groups, writes);
    expect(groups.map((doc) => [doc.type, doc.group, doc.lastStartAt.getTime() - BASE, doc.turn])).toEqual([
      ['a', 'g1', 9000, 2_000_002],
      ['b', null, 1000, 1_000_000],
      ['a', null, 9000, 2_000_001],
    ]);
    expect(groups.filter((doc) => matches(groupStartsFilter('a', [null, 'g2']), doc)).map((doc) => doc.group)).toEqual([null]);
    expect(groups.filter((doc) => matches(ofTypeFilter('a'), doc))).toHaveLength(2);
  });
});
