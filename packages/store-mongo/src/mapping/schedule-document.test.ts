import type { ScheduleRecord } from '@jobtrail/core/store';
import { makeJob } from '@jobtrail/core/testing';
import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { at, makeSchedule } from '../schedule-record.test-support.js';
import { asStoredSchedule, toScheduleDocument, toScheduleRecord, type ScheduleDocument } from './schedule-document.js';

/** A record with every field set to something other than its default, nested JSON included. */
function fullSchedule(): ScheduleRecord {
  return makeSchedule({
    name: 'rapports — 東京 🙃',
    type: 'reports.build',
    payload: { nested: { list: [1, 2.5, null, 'ü'], empty: {} }, big: 9_007_199_254_740_991, 'dotted.key': true, $ref: 'x' },
    metadata: { team: 'data', 'a.b': { $c: 1 } },
    tenantId: 'tenant-1',
    cron: '0 3 * * *',
    timezone: 'Europe/Berlin',
    everyMs: null,
    startAt: at(-3600),
    endAt: at(86_400 * 365),
    anchorAt: at(-7200),
    overlap: 'allow',
    catchUp: 'all',
    maxCatchUp: 1000,
    enabled: false,
    paused: true,
    nextRunAt: at(3600),
    lastRunAt: at(-60),
    lastJobId: makeJob().id,
    pendingTicks: [at(-120), at(-60)],
    version: 7,
    createdAt: at(-7200),
    updatedAt: at(-1),
  });
}

/** Through BSON, as the driver writes and reads it. */
function throughBson(doc: object): ScheduleDocument {
  return BSON.deserialize(BSON.serialize(doc)) as ScheduleDocument;
}

describe('schedule document mapper', () => {
  it('keys the document by the name (_id) and keeps every other field under its own name', () => {
    const record = fullSchedule();
    const doc = toScheduleDocument(record);
    expect(doc._id).toBe(record.name);
    expect(doc).not.toHaveProperty('name');
    const { name: _name, ...rest } = record;
    const { _id, ...fields } = doc;
    expect(fields).toEqual(rest);
  });

  it('round-trips every field exactly, in memory and through BSON, with Dates as Dates', () => {
    for (const record of [fullSchedule(), makeSchedule()]) {
      expect(toScheduleRecord(toScheduleDocument(record))).toEqual(record);
      const stored = asStoredSchedule(toScheduleDocument(record));
      expect(stored).toEqual(record);
      expect(Object.keys(stored).sort()).toEqual(Object.keys(record).sort());
    }
    const stored = asStoredSchedule(toScheduleDocument(fullSchedule()));
    for (const field of ['startAt', 'endAt', 'anchorAt', 'nextRunAt', 'lastRunAt', 'createdAt', 'updatedAt'] as const) {
      expect(stored[field], field).toBeInstanceOf(Date);
    }
    expect(stored.pendingTicks.every((tick) => tick instanceof Date)).toBe(true);
  });

  it('answers a copy through BSON that shares nothing with the input', () => {
    const record = fullSchedule();
    const stored = asStoredSchedule(toScheduleDocument(record));
    (stored.payload as { nested: { list: unknown[] } }).nested.list.push('changed');
    stored.pendingTicks.push(at(0));
    stored.pendingTicks[0]!.setTime(0);
    stored.metadata['team'] = 'other';
    expect((record.payload as { nested: { list: unknown[] } }).nested.list).toHaveLength(4);
    expect(record.pendingTicks).toEqual([at(-120), at(-60)]);
    expect(record.metadata['team']).toBe('data');
  });

  it('stores every nullable field, as null when empty, so none is ever missing (tenantId: null means "no tenant")', () => {
    const doc = toScheduleDocument(makeSchedule());
    for (const field of ['tenantId', 'cron', 'timezone', 'startAt', 'endAt', 'lastRunAt', 'lastJobId', 'payload'] as const) {
      expect(doc, field).toHaveProperty(field, null);
    }
    expect(throughBson(doc)).toHaveProperty('tenantId', null);
    expect(doc.pendingTicks).toEqual([]);
  });

  it('fills what a JavaScript caller left undefined, so every document has the full shape', () => {
    const sparse = {
      ...makeSchedule(),
      payload: undefined,
      metadata: undefined,
      tenantId: undefined,
      timezone: undefined,
      startAt: undefined,
      endAt: undefined,
      nextRunAt: undefined,
      lastRunAt: undefined,
      lastJobId: undefined,
      pendingTicks: undefined,
    } as unknown as ScheduleRecord;
    const doc = toScheduleDocument(sparse);
    expect(doc).toMatchObject({ payload: null, metadata: {}, tenantId: null, timezone: null, startAt: null, endAt: null, nextRunAt: null, lastRunAt: null, lastJobId: null, pendingTicks: [] });
    expect(Object.values(doc)).not.toContain(undefined);
  });

  it('stores and reads the flags as the due filters see them: only true is enabled, only false is unpaused', () => {
    for (const [enabled, paused] of [[true, false], [false, true], [true, true], [false, false]] as const) {
      const doc = toScheduleDocument(makeSchedule({ enabled, paused }));
      expect([doc.enabled, doc.paused]).toEqual([enabled, paused]);
    }
    // A record a JavaScript caller built without the flags is stored (and answered) as not firing.
    const flagless = toScheduleDocument({ ...makeSchedule(), enabled: undefined, paused: undefined } as unknown as ScheduleRecord);
    expect([flagless.enabled, flagless.paused]).toEqual([false, true]);
  });

  it('reads documents missing fields (edited by hand) the way the filters match them, without failing', () => {
    const doc = toScheduleDocument(fullSchedule());
    const sparse = { ...doc } as Partial<ScheduleDocument>;
    for (const field of ['payload', 'metadata', 'tenantId', 'cron', 'timezone', 'everyMs', 'startAt', 'endAt', 'nextRunAt', 'lastRunAt', 'lastJobId', 'pendingTicks', 'enabled', 'paused'] as const) {
      delete sparse[field];
    }
    const record = toScheduleRecord(throughBson(sparse));
    expect(record).toMatchObject({
      payload: null,
      metadata: {},
      tenantId: null,
      cron: null,
      timezone: null,
      everyMs: null,
      startAt: null,
      endAt: null,
      nextRunAt: null,
      lastRunAt: null,
      lastJobId: null,
      pendingTicks: [],
      enabled: false,
      paused: true,
    });
    // Flags of the wrong type, and pendingTicks that is not an array, read the same way.
    const odd = toScheduleRecord({ ...doc, enabled: 1, paused: null, pendingTicks: at(1) } as unknown as ScheduleDocument);
    expect(odd).toMatchObject({ enabled: false, paused: true, pendingTicks: [] });
  });

  it('answers exactly the fields of a record: no document field leaks out', () => {
    const record = toScheduleRecord({ ...toScheduleDocument(fullSchedule()), extra: 'x', _id: 'n' } as ScheduleDocument);
    expect(Object.keys(record).sort()).toEqual(Object.keys(fullSchedule()).sort());
    expect(record.name).toBe('n');
  });

  it('honours the collection’s ignoreUndefined for undefined values nested in the payload', () => {
    const record = makeSchedule({ payload: { kept: 1, dropped: undefined } });
    expect(asStoredSchedule(toScheduleDocument(record), { ignoreUndefined: true }).payload).toEqual({ kept: 1 });
    expect(asStoredSchedule(toScheduleDocument(record)).payload).toEqual({ kept: 1, dropped: null });
  });
});
