import { StoreError } from '@jobtrail/core';
import { guardStore, type ScheduleRecord, type StoreWakeEvent } from '@jobtrail/core/store';
import { find, update } from 'mingo';
import { MongoNetworkError, MongoServerError, type Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { failure } from './caught-error.test-support.js';
import { toScheduleDocument, type ScheduleDocument } from './mapping/schedule-document.js';
import { MongoJobStore } from './mongo-job-store.js';
import { at, makeSchedule } from './schedule-record.test-support.js';
import { FakeStream } from './wake/fake-change-stream.test-support.js';
import { SCHEDULE_WAKE_PIPELINE } from './wake/schedule-wake-pipeline.js';
import { TYPE_CONTROL_WAKE_PIPELINE } from './wake/type-control-wake-pipeline.js';
import { WAKE_PIPELINE } from './wake/wake-pipeline.js';

/**
 * The store's schedule operations over a fake database (no server here): the schedules collection
 * is an array, its filters, sorts and updates evaluated with mingo, `_id` kept unique the way
 * MongoDB does; `faults` lets a test put a driver error or another process's write in front of a
 * call. Change streams are `FakeStream`s, one per collection. The real server runs the contract
 * suite (test/contract.test.ts) and test/mongo-only.test.ts.
 */
type MingoDoc = Parameters<typeof update>[0];
type Operation = 'insertOne' | 'findOne' | 'find' | 'findOneAndUpdate' | 'deleteOne';

const duplicateName = (name: string): MongoServerError =>
  new MongoServerError({ message: `E11000 duplicate key error collection: app.jobtrail_jobs_schedules index: _id_ dup key: { _id: "${name}" }`, code: 11000, keyPattern: { _id: 1 }, keyValue: { _id: name } });

function fakeDatabase() {
  const docs: ScheduleDocument[] = [];
  const streams: Record<string, FakeStream[]> = {};
  const pipelines: Record<string, unknown[]> = {};
  const calls: string[] = [];
  /** Run (and removed) before the next call of an operation: may throw, or change `docs`. */
  const faults: Partial<Record<Operation, Array<() => void>>> = {};
  const before = (operation: Operation): void => {
    calls.push(operation);
    faults[operation]?.shift()?.();
  };
  const select = (filter: object, options: { sort?: object; limit?: number } = {}): ScheduleDocument[] => {
    let cursor = find(docs as unknown as MingoDoc[], filter as MingoDoc);
    if (options.sort) cursor = cursor.sort(options.sort as Record<string, 1 | -1>);
    if (options.limit) cursor = cursor.limit(options.limit);
    return cursor.all() as unknown as ScheduleDocument[];
  };
  const schedules = {
    bsonOptions: {},
    async insertOne(doc: ScheduleDocument) {
      before('insertOne');
      if (docs.some((other) => other._id === doc._id)) throw duplicateName(doc._id);
      docs.push(structuredClone(doc));
      return { acknowledged: true, insertedId: doc._id };
    },
    async findOne(filter: object, options: { sort?: object; projection?: Record<string, 0 | 1> } = {}) {
      before('findOne');
      const [doc] = select(filter, { ...options, limit: 1 });
      if (doc === undefined) return null;
      if (options.projection === undefined) return structuredClone(doc);
      // Only the inclusion projection the store uses: the listed fields, `_id` unless excluded.
      const projected: Record<string, unknown> = {};
      for (const [field, keep] of Object.entries(options.projection)) if (keep === 1) projected[field] = structuredClone((doc as unknown as Record<string, unknown>)[field]);
      return projected;
    },
    find(filter: object, options: { sort?: object; limit?: number } = {}) {
      before('find');
      return { toArray: async () => structuredClone(select(filter, options)) };
    },
    async findOneAndUpdate(filter: object, updateDoc: object, options: { returnDocument?: string }) {
      before('findOneAndUpdate');
      expect(options.returnDocument).toBe('after');
      const [doc] = select(filter);
      if (doc === undefined) return null;
      update(doc as unknown as MingoDoc, updateDoc as Parameters<typeof update>[1]);
      return structuredClone(doc);
    },
    async deleteOne(filter: object) {
      before('deleteOne');
      const [doc] = select(filter);
      if (doc !== undefined) docs.splice(docs.indexOf(doc), 1);
      return { acknowledged: true, deletedCount: doc === undefined ? 0 : 1 };
    },
  };
  const collection = (name: string) => ({
    ...(name.endsWith('_schedules') ? schedules : {}),
    watch(pipeline: unknown[]) {
      pipelines[name] = pipeline;
      const stream = new FakeStream();
      streams[name] = [...(streams[name] ?? []), stream];
      return stream;
    },
  });
  const db = { databaseName: 'app', collection } as unknown as Db;
  return { db, docs, streams, pipelines, calls, faults };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(options: { changeStreams?: boolean } = {}) {
  const fake = fakeDatabase();
  const raw = new MongoJobStore({ db: fake.db, changeStreams: options.changeStreams ?? false });
  const store = guardStore(raw);
  const events: StoreWakeEvent[] = [];
  const listen = () => store.subscribe!((event) => events.push(event));
  return { ...fake, raw, store, events, listen };
}

/** A schedule as the store holds it (stored, then read back). */
async function seeded(records: ScheduleRecord[]) {
  const context = setup();
  for (const record of records) context.docs.push(toScheduleDocument(record));
  return context;
}

describe('MongoJobStore schedules (fake collection)', () => {
  it('keeps schedules in <jobs collection>_schedules, or the collection it is told', () => {
    expect(new MongoJobStore({ db: fakeDatabase().db }).schedulesCollectionName).toBe('jobtrail_jobs_schedules');
    expect(new MongoJobStore({ db: fakeDatabase().db, collectionName: 'queue.jobs' }).schedulesCollectionName).toBe('queue.jobs_schedules');
    expect(new MongoJobStore({ db: fakeDatabase().db, schedulesCollectionName: 'crons' }).schedulesCollectionName).toBe('crons');
  });

  it('has every schedule method, so guardStore serves schedules (all or none)', () => {
    const { store } = setup();
    for (const method of ['insertSchedule', 'getSchedule', 'listSchedules', 'dueSchedules', 'nextScheduleRunAt', 'updateSchedule', 'deleteSchedule'] as const) {
      expect(typeof store[method], method).toBe('function');
    }
  });

  it('inserts a schedule, answers it as stored and wakes subscribers with its name', async () => {
    const { store, docs, events, listen } = setup();
    listen();
    const record = makeSchedule({ tenantId: 't1', payload: { n: 1 } });
    const result = await store.insertSchedule!(record);
    expect(result).toEqual({ ok: true, schedule: record });
    expect(result.ok && result.schedule).not.toBe(record);
    expect(docs).toEqual([toScheduleDocument(record)]);
    await flush();
    expect(events).toEqual([{ schedule: record.name }]);
    expect(await store.getSchedule!(record.name)).toEqual(record);
    expect(await store.getSchedule!('other')).toBeNull();
  });

  it('answers exists with the current schedule for a taken name, whatever its tenant, writes nothing and wakes nobody', async () => {
    const { store, docs, events, listen } = setup();
    const first = makeSchedule({ tenantId: 't1' });
    await store.insertSchedule!(first);
    listen();
    const result = await store.insertSchedule!(makeSchedule({ tenantId: 't2', type: 'other.type', version: 1 }));
    expect(result).toEqual({ ok: false, reason: 'exists', current: first });
    expect(docs).toEqual([toScheduleDocument(first)]);
    await flush();
    expect(events).toEqual([]);
  });

  it('inserts again when the schedule that held the name is deleted between the duplicate-key error and the read', async () => {
    const { store, docs, faults, calls } = setup();
    const record = makeSchedule();
    faults.insertOne = [
      () => {
        throw duplicateName(record.name);
      },
    ];
    expect(await store.insertSchedule!(record)).toEqual({ ok: true, schedule: record });
    expect(calls).toEqual(['insertOne', 'findOne', 'insertOne']);
    expect(docs).toHaveLength(1);
  });

  it('lets a duplicate key on an index the application added through as a StoreError', async () => {
    const { store, faults } = setup();
    faults.insertOne = [
      () => {
        throw new MongoServerError({ message: 'E11000 index: app_type_unique dup key', code: 11000, keyPattern: { type: 1 } });
      },
    ];
    const error = await failure(() => store.insertSchedule!(makeSchedule()));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain('MongoDB insertSchedule on collection "jobtrail_jobs_schedules" failed');
  });

  it('lists, selects due schedules and finds the next run through the documents it builds', async () => {
    const { store } = await seeded([
      makeSchedule({ name: 'c', tenantId: 't1', nextRunAt: at(10) }),
      makeSchedule({ name: 'a', nextRunAt: at(-10) }),
      makeSchedule({ name: 'b', nextRunAt: null, pendingTicks: [at(-60)], paused: true }),
      makeSchedule({ name: 'd', nextRunAt: at(-20), enabled: false }),
      makeSchedule({ name: 'e', nextRunAt: at(-30), paused: true }),
    ]);
    const names = (records: ScheduleRecord[]) => records.map((record) => record.name);
    expect(names(await store.listSchedules!({ limit: 10 }))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(names(await store.listSchedules!({ limit: 2, after: 'a' }))).toEqual(['b', 'c']);
    expect(names(await store.listSchedules!({ limit: 10, tenantId: 't1' }))).toEqual(['c']);
    expect(names(await store.listSchedules!({ limit: 10, tenantId: null }))).toEqual(['a', 'b', 'd', 'e']);
    expect(names(await store.dueSchedules!(at(0), 10))).toEqual(['b', 'a']);
    expect(names(await store.dueSchedules!(at(10), 1))).toEqual(['b']);
    expect(names(await store.dueSchedules!(at(10), 10))).toEqual(['b', 'a', 'c']);
    expect(await store.nextScheduleRunAt!()).toEqual(at(-10));
  });

  it('answers no next run when no enabled, unpaused schedule has one', async () => {
    const { store } = await seeded([makeSchedule({ name: 'a', nextRunAt: null }), makeSchedule({ name: 'b', paused: true }), makeSchedule({ name: 'c', enabled: false })]);
    expect(await store.nextScheduleRunAt!()).toBeNull();
    expect(await (await seeded([])).store.nextScheduleRunAt!()).toBeNull();
  });

  it('updates by compare-and-set: the patch and the next version, answered as stored, and a wake-up', async () => {
    const record = makeSchedule({ version: 3 });
    const { store, docs, events, listen } = await seeded([record]);
    listen();
    const result = await store.updateSchedule!(record.name, 3, { paused: true, nextRunAt: null, updatedAt: at(5) });
    const expected = { ...record, paused: true, nextRunAt: null, updatedAt: at(5), version: 4 };
    expect(result).toEqual({ ok: true, schedule: expected });
    expect(docs).toEqual([toScheduleDocument(expected)]);
    await flush();
    expect(events).toEqual([{ schedule: record.name }]);
  });

  it('answers conflict with the current schedule at another version, and not_found for no schedule, writing nothing', async () => {
    const record = makeSchedule({ version: 2 });
    const { store, docs, events, listen } = await seeded([record]);
    listen();
    expect(await store.updateSchedule!(record.name, 1, { paused: true, updatedAt: at(5) })).toEqual({ ok: false, reason: 'conflict', current: record });
    expect(await store.updateSchedule!(record.name, 3, { paused: true, updatedAt: at(5) })).toEqual({ ok: false, reason: 'conflict', current: record });
    expect(await store.updateSchedule!('missing', 1, { updatedAt: at(5) })).toEqual({ ok: false, reason: 'not_found' });
    expect(docs).toEqual([toScheduleDocument(record)]);
    await flush();
    expect(events).toEqual([]);
  });

  it('applies the compare-and-set when the schedule was created anew at the expected version between the miss and the read', async () => {
    const record = makeSchedule({ version: 2 });
    const { store, docs, faults, calls } = await seeded([record]);
    // Another process deletes it and inserts it again (version 1) right after our update missed.
    faults.findOne = [
      () => {
        docs.splice(0, 1, toScheduleDocument(makeSchedule({ version: 1, type: 'recreated' })));
      },
    ];
    const result = await store.updateSchedule!(record.name, 1, { paused: true, updatedAt: at(5) });
    expect(result).toEqual({ ok: true, schedule: { ...makeSchedule({ type: 'recreated' }), paused: true, updatedAt: at(5), version: 2 } });
    expect(calls).toEqual(['findOneAndUpdate', 'findOne', 'findOneAndUpdate']);
  });

  it('deletes a schedule (answering whether it existed) and wakes subscribers only when it did', async () => {
    const record = makeSchedule();
    const { store, docs, events, listen } = await seeded([record]);
    listen();
    expect(await store.deleteSchedule!('missing')).toBe(false);
    expect(await store.deleteSchedule!(record.name)).toBe(true);
    expect(docs).toEqual([]);
    expect(await store.deleteSchedule!(record.name)).toBe(false);
    await flush();
    expect(events).toEqual([{ schedule: record.name }]);
  });

  it('wraps driver failures in StoreError naming the operation and the schedules collection', async () => {
    const { store, faults } = setup();
    const calls: Array<[string, Operation, () => Promise<unknown>]> = [
      ['insertSchedule', 'insertOne', () => store.insertSchedule!(makeSchedule())],
      ['getSchedule', 'findOne', () => store.getSchedule!('a')],
      ['listSchedules', 'find', () => store.listSchedules!({ limit: 1 })],
      ['dueSchedules', 'find', () => store.dueSchedules!(at(0), 1)],
      ['nextScheduleRunAt', 'findOne', () => store.nextScheduleRunAt!()],
      ['updateSchedule', 'findOneAndUpdate', () => store.updateSchedule!('a', 1, { updatedAt: at(0) })],
      ['deleteSchedule', 'deleteOne', () => store.deleteSchedule!('a')],
    ];
    for (const [operation, driverCall, call] of calls) {
      const cause = new MongoNetworkError('connection reset');
      faults[driverCall] = [
        () => {
          throw cause;
        },
      ];
      const error = await failure(call);
      expect(error, operation).toBeInstanceOf(StoreError);
      expect((error as Error).message).toContain(`MongoDB ${operation} on collection "jobtrail_jobs_schedules" failed: connection reset`);
      expect((error as StoreError).cause).toBe(cause);
    }
  });

  it('refuses schedule calls once closed (through guardStore)', async () => {
    const { raw, store } = setup();
    await store.close();
    expect(raw.closed).toBe(true);
    const calls: Array<() => Promise<unknown>> = [
      () => store.insertSchedule!(makeSchedule()),
      () => store.getSchedule!('a'),
      () => store.listSchedules!({ limit: 1 }),
      () => store.dueSchedules!(at(0), 1),
      () => store.nextScheduleRunAt!(),
      () => store.updateSchedule!('a', 1, { updatedAt: at(0) }),
      () => store.deleteSchedule!('a'),
    ];
    for (const call of calls) expect(await failure(call)).toBeInstanceOf(StoreError);
  });
});

describe('MongoJobStore wake-ups for schedules (fake change streams)', () => {
  it('watches the jobs, the schedules and the type-controls collections, each with its own pipeline, and runs once every stream does', async () => {
    const { raw, streams, pipelines, listen } = setup({ changeStreams: true });
    expect(raw.wakeMode).toBe('idle');
    const unsubscribe = listen();
    expect(Object.keys(streams).sort()).toEqual(['jobtrail_jobs', 'jobtrail_jobs_schedules', 'jobtrail_jobs_type_controls']);
    expect(pipelines['jobtrail_jobs']).toEqual([...WAKE_PIPELINE]);
    expect(pipelines['jobtrail_jobs_schedules']).toEqual([...SCHEDULE_WAKE_PIPELINE]);
    expect(pipelines['jobtrail_jobs_type_controls']).toEqual([...TYPE_CONTROL_WAKE_PIPELINE]);
    expect(raw.wakeMode).toBe('connecting');
    streams['jobtrail_jobs']![0]!.push(null);
    await flush();
    expect(raw.wakeMode).toBe('connecting');
    streams['jobtrail_jobs_schedules']![0]!.push(null);
    await flush();
    expect(raw.wakeMode).toBe('connecting');
    streams['jobtrail_jobs_type_controls']![0]!.push(null);
    await flush();
    expect(raw.wakeMode).toBe('change-stream');
    unsubscribe();
    for (const name of ['jobtrail_jobs', 'jobtrail_jobs_schedules', 'jobtrail_jobs_type_controls']) expect(streams[name]![0]!.closed, name).toBe(true);
    expect(raw.wakeMode).toBe('idle');
  });

  it("reports other processes' schedule changes from the schedules stream and jobs from the jobs stream", async () => {
    const { streams, events, listen } = setup({ changeStreams: true });
    listen();
    const jobs = streams['jobtrail_jobs']![0]!;
    const schedules = streams['jobtrail_jobs_schedules']![0]!;
    jobs.push(null);
    schedules.push(null);
    await flush();
    schedules.push({ _id: { _data: '1' }, operationType: 'delete', documentKey: { _id: 'nightly' } });
    jobs.push({ _id: { _data: '2' }, operationType: 'insert', fullDocument: { type: 'reports.build' } });
    await flush();
    expect(events).toEqual(expect.arrayContaining([{ schedule: 'nightly' }, { type: 'reports.build' }]));
    expect(events).toHaveLength(2);
  });

  it("wakes this process's subscribers at once for its own schedule writes, even while the schedules stream runs", async () => {
    const { store, streams, events, listen } = setup({ changeStreams: true });
    listen();
    streams['jobtrail_jobs']![0]!.push(null);
    streams['jobtrail_jobs_schedules']![0]!.push(null);
    await flush();
    await store.insertSchedule!(makeSchedule({ name: 'mine' }));
    await flush();
    expect(events).toEqual([{ schedule: 'mine' }]);
  });

  it('falls back to polling when the schedules stream fails, and still wakes for its own writes', async () => {
    const { raw, store, streams, events, listen } = setup({ changeStreams: true });
    listen();
    streams['jobtrail_jobs']![0]!.push(null);
    streams['jobtrail_jobs_schedules']![0]!.fail(new MongoNetworkError('reset'));
    await flush();
    expect(raw.wakeMode).toBe('polling');
    await store.insertSchedule!(makeSchedule({ name: 'meanwhile' }));
    await flush();
    expect(events).toEqual([{ schedule: 'meanwhile' }]);
    await store.close();
    expect(streams['jobtrail_jobs']![0]!.closed).toBe(true);
  });

  it('opens no stream when change streams are turned off, and still wakes for its own writes', async () => {
    const { raw, store, streams, events, listen } = setup({ changeStreams: false });
    listen();
    expect(streams).toEqual({});
    expect(raw.wakeMode).toBe('polling-only');
    const record = makeSchedule();
    await store.insertSchedule!(record);
    await store.updateSchedule!(record.name, 1, { paused: true, updatedAt: at(1) });
    await store.deleteSchedule!(record.name);
    await flush();
    expect(events).toEqual([{ schedule: record.name }, { schedule: record.name }, { schedule: record.name }]);
  });
});
