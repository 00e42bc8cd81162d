import { JobValidationError, MemoryJobStore } from '@jobtrail/core';
import type { SchedulePatch, ScheduleQuery, ScheduleRecord } from '@jobtrail/core/store';
import { makeJob } from '@jobtrail/core/testing';
import fc from 'fast-check';
import { find, Query, update } from 'mingo';
import { describe, expect, it } from 'vitest';
import { toScheduleDocument, toScheduleRecord, type ScheduleDocument } from '../mapping/schedule-document.js';
import { at, makeSchedule } from '../schedule-record.test-support.js';
import {
  DUE_SCHEDULES_SORT,
  dueSchedulesFilter,
  listSchedulesFilter,
  NEXT_RUN_FILTER,
  NEXT_RUN_SORT,
  SCHEDULE_NAME_SORT,
  scheduleNameFilter,
  scheduleUpdate,
  scheduleVersionFilter,
} from './schedule-documents.js';

/**
 * What the schedule filter, sort and update documents mean. Each is evaluated with mingo (MongoDB's
 * query and update language in JavaScript) over the documents the mapper writes — and over
 * documents missing fields, as a hand edit leaves them — and compared with the port's words
 * (`ScheduleStore`'s docstrings) written out below over the records those documents read back as.
 * This checks that a builder says what the port means; the contract suite against a real server
 * checks the rest (mingo is not MongoDB: no indexes, no concurrency).
 */

type MingoDoc = Parameters<typeof update>[0];

function select(docs: readonly ScheduleDocument[], filter: object, sort?: object, limit?: number): ScheduleDocument[] {
  let cursor = find(docs as unknown as MingoDoc[], filter as MingoDoc);
  if (sort !== undefined) cursor = cursor.sort(sort as Record<string, 1 | -1>);
  if (limit !== undefined) cursor = cursor.limit(limit);
  return cursor.all() as unknown as ScheduleDocument[];
}

const matches = (filter: object, doc: ScheduleDocument): boolean => new Query(filter as MingoDoc).test(doc as unknown as MingoDoc);
const names = (records: readonly { name: string }[]): string[] => records.map((record) => record.name);

// ---- The port, written out over records -------------------------------------------------------

/** Code point order (what MongoDB's binary string comparison gives). */
function compareNames(a: string, b: string): number {
  const left = [...a].map((char) => char.codePointAt(0)!);
  const right = [...b].map((char) => char.codePointAt(0)!);
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    if (left[index] !== right[index]) return left[index]! - right[index]!;
  }
  return left.length - right.length;
}

const fires = (record: ScheduleRecord): boolean => record.enabled && !record.paused;

/** dueSchedules: pending ticks whatever the state, or enabled, unpaused and nextRunAt <= now. */
function portDue(records: readonly ScheduleRecord[], now: Date, limit: number): ScheduleRecord[] {
  return records
    .filter((record) => record.pendingTicks.length > 0 || (fires(record) && record.nextRunAt !== null && record.nextRunAt.getTime() <= now.getTime()))
    .sort((a, b) => {
      // nextRunAt ascending, a schedule without one first, then name.
      const left = a.nextRunAt === null ? Number.NEGATIVE_INFINITY : a.nextRunAt.getTime();
      const right = b.nextRunAt === null ? Number.NEGATIVE_INFINITY : b.nextRunAt.getTime();
      return left !== right ? left - right : compareNames(a.name, b.name);
    })
    .slice(0, limit);
}

/** nextScheduleRunAt: the earliest nextRunAt of the enabled, unpaused schedules, or null. */
function portNextRunAt(records: readonly ScheduleRecord[]): Date | null {
  const times = records.filter((record) => fires(record) && record.nextRunAt !== null).map((record) => record.nextRunAt!.getTime());
  return times.length === 0 ? null : new Date(Math.min(...times));
}

/** listSchedules: name ascending, after exclusive, tenant (null: without one; undefined: any). */
function portList(records: readonly ScheduleRecord[], query: ScheduleQuery): ScheduleRecord[] {
  return records
    .filter((record) => query.tenantId === undefined || record.tenantId === query.tenantId)
    .filter((record) => query.after === undefined || compareNames(record.name, query.after) > 0)
    .sort((a, b) => compareNames(a.name, b.name))
    .slice(0, query.limit);
}

/** updateSchedule's write: the defined fields of the patch, and the next version. */
function portPatched(record: ScheduleRecord, expectedVersion: number, patch: SchedulePatch): ScheduleRecord {
  const next: Record<string, unknown> = { ...record };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) next[key] = value;
  next['version'] = expectedVersion + 1;
  return next as unknown as ScheduleRecord;
}

// ---- Random schedules -------------------------------------------------------------------------

/** Names whose code point order differs from naive expectations: case, digits, accents, CJK. */
const NAMES = ['a', 'B', 'b', 'a.b', 'a-b', 'ab', 'é', 'z', '東京', '10', '9', 'a b'] as const;
/** Fields a hand-edited document may lack; the mapper always writes them. */
const DROPPABLE = ['tenantId', 'nextRunAt', 'pendingTicks', 'enabled', 'paused'] as const;

interface ScheduleSpec {
  tenant: string | null;
  enabled: boolean;
  paused: boolean;
  nextRunAt: number | null;
  pending: number[];
  version: number;
  /** Fields removed from the stored document (empty for documents the store wrote). */
  missing: ReadonlyArray<(typeof DROPPABLE)[number]>;
}

const scheduleSpec: fc.Arbitrary<ScheduleSpec> = fc.record({
  tenant: fc.constantFrom(null, 't1', 't2'),
  enabled: fc.boolean(),
  paused: fc.boolean(),
  nextRunAt: fc.option(fc.integer({ min: -3, max: 3 }), { freq: 3 }),
  pending: fc.array(fc.integer({ min: -5, max: 0 }), { maxLength: 2 }),
  version: fc.integer({ min: 1, max: 3 }),
  missing: fc.oneof({ weight: 3, arbitrary: fc.constant<ReadonlyArray<(typeof DROPPABLE)[number]>>([]) }, { weight: 1, arbitrary: fc.subarray([...DROPPABLE]) }),
});

/** Schedules under distinct names, as stored documents. */
const storedSchedules = fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES), scheduleSpec), { selector: ([name]) => name, maxLength: NAMES.length }).map((entries) =>
  entries.map(([name, spec]) => {
    const doc = toScheduleDocument(
      makeSchedule({
        name,
        tenantId: spec.tenant,
        enabled: spec.enabled,
        paused: spec.paused,
        nextRunAt: spec.nextRunAt === null ? null : at(spec.nextRunAt),
        pendingTicks: spec.pending.map(at),
        version: spec.version,
      }),
    );
    for (const field of spec.missing) delete (doc as Partial<ScheduleDocument>)[field];
    return doc;
  }),
);

const RUNS = { numRuns: 300 };

describe('schedule documents (mingo against the port)', () => {
  it('select the due schedules, in order, within the limit: pending ticks whatever the state, firing ones whose nextRunAt has come', () => {
    fc.assert(
      fc.property(storedSchedules, fc.integer({ min: -4, max: 4 }), fc.integer({ min: 1, max: 6 }), (docs, now, limit) => {
        const records = docs.map(toScheduleRecord);
        const expected = names(portDue(records, at(now), limit));
        expect(names(select(docs, dueSchedulesFilter(at(now)), DUE_SCHEDULES_SORT, limit).map(toScheduleRecord))).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('match a document as due exactly when the record it reads back as is due, whatever fields it lacks', () => {
    fc.assert(
      fc.property(storedSchedules, fc.integer({ min: -4, max: 4 }), (docs, now) => {
        for (const doc of docs) {
          const due = portDue([toScheduleRecord(doc)], at(now), 1).length === 1;
          expect(matches(dueSchedulesFilter(at(now)), doc), JSON.stringify(doc)).toBe(due);
        }
      }),
      RUNS,
    );
  });

  it('find the earliest nextRunAt of the enabled, unpaused schedules, or none', () => {
    fc.assert(
      fc.property(storedSchedules, (docs) => {
        const [first] = select(docs, NEXT_RUN_FILTER, NEXT_RUN_SORT, 1);
        expect(first === undefined ? null : toScheduleRecord(first).nextRunAt).toEqual(portNextRunAt(docs.map(toScheduleRecord)));
      }),
      RUNS,
    );
  });

  it('list a page by name, after a name, of a tenant, of those without one, or of all', () => {
    const query = fc.record(
      { tenantId: fc.constantFrom(null, 't1', 't2'), after: fc.constantFrom(...NAMES, 'a0', '~'), limit: fc.integer({ min: 1, max: 5 }) },
      { requiredKeys: ['limit'] },
    );
    fc.assert(
      fc.property(storedSchedules, query, (docs, q) => {
        const records = docs.map(toScheduleRecord);
        const page = select(docs, listSchedulesFilter(q), SCHEDULE_NAME_SORT, q.limit).map(toScheduleRecord);
        expect(names(page)).toEqual(names(portList(records, q)));
      }),
      RUNS,
    );
  });

  it('pages through every schedule exactly once', () => {
    fc.assert(
      fc.property(storedSchedules, fc.integer({ min: 1, max: 3 }), (docs, limit) => {
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = select(docs, listSchedulesFilter({ limit, ...(after === undefined ? {} : { after }) }), SCHEDULE_NAME_SORT, limit);
          seen.push(...page.map((doc) => doc._id));
          if (page.length < limit) break;
          after = page[page.length - 1]!._id;
        }
        expect(seen).toEqual(names(portList(docs.map(toScheduleRecord), { limit: 1000 })));
      }),
      { numRuns: 100 },
    );
  });

  it("answer what MemoryJobStore (core's reference store) answers for the documents the store writes", async () => {
    const query = fc.record({ tenantId: fc.constantFrom(undefined, null, 't1'), after: fc.constantFrom(undefined, ...NAMES), limit: fc.integer({ min: 1, max: 5 }) });
    await fc.assert(
      fc.asyncProperty(storedSchedules, fc.integer({ min: -4, max: 4 }), query, async (all, now, q) => {
        // Only documents the store wrote: the memory store holds records, never a sparse document.
        const docs = all.filter((doc) => Object.keys(doc).length === Object.keys(toScheduleDocument(makeSchedule())).length);
        const memory = new MemoryJobStore();
        for (const doc of docs) await memory.insertSchedule(toScheduleRecord(doc));
        const listQuery: ScheduleQuery = {
          limit: q.limit,
          ...(q.tenantId === undefined ? {} : { tenantId: q.tenantId }),
          ...(q.after === undefined ? {} : { after: q.after }),
        };
        expect(select(docs, listSchedulesFilter(listQuery), SCHEDULE_NAME_SORT, q.limit).map(toScheduleRecord)).toEqual(await memory.listSchedules(listQuery));
        expect(select(docs, dueSchedulesFilter(at(now)), DUE_SCHEDULES_SORT, q.limit).map(toScheduleRecord)).toEqual(await memory.dueSchedules(at(now), q.limit));
        const [first] = select(docs, NEXT_RUN_FILTER, NEXT_RUN_SORT, 1);
        expect(first === undefined ? null : first.nextRunAt).toEqual(await memory.nextScheduleRunAt());
      }),
      { numRuns: 150 },
    );
  });

  it('list "without a tenant" as the schedules whose records say so: a null tenantId, stored or missing', () => {
    const stored = toScheduleDocument(makeSchedule({ name: 'stored-null', tenantId: null }));
    const missing = toScheduleDocument(makeSchedule({ name: 'missing' }));
    delete (missing as Partial<ScheduleDocument>).tenantId;
    const tenant = toScheduleDocument(makeSchedule({ name: 'tenant', tenantId: 't1' }));
    const docs = [stored, missing, tenant];
    expect(toScheduleRecord(missing).tenantId).toBeNull();
    expect(select(docs, listSchedulesFilter({ tenantId: null, limit: 10 }), SCHEDULE_NAME_SORT).map((doc) => doc._id)).toEqual(['missing', 'stored-null']);
    expect(select(docs, listSchedulesFilter({ tenantId: 't1', limit: 10 })).map((doc) => doc._id)).toEqual(['tenant']);
    expect(select(docs, listSchedulesFilter({ limit: 10 }))).toHaveLength(3);
    expect(listSchedulesFilter({ tenantId: null, limit: 1 })).toEqual({ tenantId: null });
  });

  it('sort a schedule without nextRunAt (null or missing) first among the due, then by name', () => {
    const pendingNull = toScheduleDocument(makeSchedule({ name: 'b', nextRunAt: null, pendingTicks: [at(-1)] }));
    const pendingMissing = toScheduleDocument(makeSchedule({ name: 'a', pendingTicks: [at(-1)] }));
    delete (pendingMissing as Partial<ScheduleDocument>).nextRunAt;
    const early = toScheduleDocument(makeSchedule({ name: '0', nextRunAt: at(-5) }));
    const late = toScheduleDocument(makeSchedule({ name: 'c', nextRunAt: at(0) }));
    const docs = [late, early, pendingNull, pendingMissing];
    expect(select(docs, dueSchedulesFilter(at(0)), DUE_SCHEDULES_SORT).map((doc) => doc._id)).toEqual(['a', 'b', '0', 'c']);
  });

  it('select pending ticks whatever the state; never an empty, null or missing list', () => {
    const cases: Array<[Partial<ScheduleDocument> | undefined, boolean]> = [
      [{ pendingTicks: [at(-1)], enabled: false, paused: true, nextRunAt: null }, true],
      [{ pendingTicks: [at(5)], enabled: true, paused: true, nextRunAt: at(100) }, true],
      [{ pendingTicks: [] }, false],
      [{ pendingTicks: null as never }, false],
      [undefined, false],
    ];
    for (const [fields, due] of cases) {
      const doc = toScheduleDocument(makeSchedule({ enabled: false }));
      if (fields === undefined) delete (doc as Partial<ScheduleDocument>).pendingTicks;
      else Object.assign(doc, fields);
      expect(matches(dueSchedulesFilter(at(0)), doc), JSON.stringify(fields)).toBe(due);
    }
  });

  it('select a firing schedule from the instant its nextRunAt comes, and never a paused, disabled or null one', () => {
    const doc = (overrides: Partial<ScheduleRecord>) => toScheduleDocument(makeSchedule({ nextRunAt: at(0), ...overrides }));
    expect(matches(dueSchedulesFilter(at(0)), doc({}))).toBe(true);
    expect(matches(dueSchedulesFilter(new Date(at(0).getTime() - 1)), doc({}))).toBe(false);
    expect(matches(dueSchedulesFilter(at(9)), doc({ paused: true }))).toBe(false);
    expect(matches(dueSchedulesFilter(at(9)), doc({ enabled: false }))).toBe(false);
    expect(matches(dueSchedulesFilter(at(9)), doc({ nextRunAt: null }))).toBe(false);
    expect(select([doc({ paused: true }), doc({ enabled: false, name: 'x' }), doc({ nextRunAt: null, name: 'y' })], NEXT_RUN_FILTER)).toEqual([]);
  });

  it('make the compare-and-set match only the named schedule at the expected version', () => {
    fc.assert(
      fc.property(storedSchedules, fc.constantFrom(...NAMES), fc.integer({ min: 1, max: 4 }), (docs, name, expected) => {
        const matched = select(docs, scheduleVersionFilter(name, expected));
        const port = docs.map(toScheduleRecord).filter((record) => record.name === name && record.version === expected);
        expect(matched.map((doc) => doc._id)).toEqual(names(port));
        expect(select(docs, scheduleNameFilter(name)).map((doc) => doc._id)).toEqual(docs.map(toScheduleRecord).filter((record) => record.name === name).map((record) => record.name));
      }),
      RUNS,
    );
  });

  it('write a patch as the port says: defined fields replaced whole, null as null, undefined left alone, the next version', () => {
    const jobId = makeJob().id;
    const patches: SchedulePatch[] = [
      { updatedAt: at(10) },
      { nextRunAt: at(120), lastRunAt: at(60), lastJobId: jobId, pendingTicks: [at(60)], updatedAt: at(61) },
      { pendingTicks: [], updatedAt: at(62) },
      { paused: true, updatedAt: at(63) },
      { enabled: false, nextRunAt: null, updatedAt: at(64) },
      { cron: '*/5 * * * *', timezone: 'Europe/Berlin', everyMs: null, anchorAt: at(65), startAt: at(100), endAt: null, updatedAt: at(65) },
      { payload: { rows: [1, 2], $price: 1 }, metadata: { replaced: true }, tenantId: 't9', type: 'other.type', updatedAt: at(66) },
      { overlap: 'allow', catchUp: 'all', maxCatchUp: 50, payload: null, tenantId: null, updatedAt: at(67) },
      { nextRunAt: undefined, paused: undefined, metadata: undefined, updatedAt: at(68) },
    ];
    for (const patch of patches) {
      const record = makeSchedule({ metadata: { kept: 'no' }, payload: { old: true }, tenantId: 't1', pendingTicks: [at(1)], lastJobId: makeJob().id, version: 4 });
      const doc = toScheduleDocument(record);
      const updateDoc = scheduleUpdate(patch, 4);
      expect(Object.keys(updateDoc)).toEqual(['$set']);
      update(doc as unknown as MingoDoc, updateDoc as Parameters<typeof update>[1]);
      expect(toScheduleRecord(doc)).toEqual(portPatched(record, 4, patch));
      expect(doc.version).toBe(5);
    }
  });

  it('copy only the fields a patch may set, never other keys a JavaScript caller put in', () => {
    const patch = { updatedAt: at(1), name: 'renamed', version: 99, createdAt: at(0), _id: 'x', $where: 'sleep(1)', 'nested.path': 1 } as unknown as SchedulePatch;
    expect(scheduleUpdate(patch, 2)).toEqual({ $set: { updatedAt: at(1), version: 3 } });
  });

  it('refuse a caller value that MongoDB would read as an operator, naming the field', () => {
    const operator = { $ne: null } as never;
    const cases: Array<[string, () => unknown]> = [
      ['name', () => scheduleNameFilter(operator)],
      ['name', () => scheduleVersionFilter(operator, 1)],
      ['expectedVersion', () => scheduleVersionFilter('a', { $gt: 0 } as never)],
      ['tenantId', () => listSchedulesFilter({ tenantId: operator, limit: 1 })],
      ['after', () => listSchedulesFilter({ after: { $gt: '' } as never, limit: 1 })],
      ['now', () => dueSchedulesFilter({ $gt: 0 } as never)],
    ];
    for (const [field, build] of cases) {
      let caught: unknown;
      try {
        build();
      } catch (error) {
        caught = error;
      }
      expect(caught, field).toBeInstanceOf(JobValidationError);
      expect((caught as JobValidationError).field).toBe(field);
    }
  });
});
