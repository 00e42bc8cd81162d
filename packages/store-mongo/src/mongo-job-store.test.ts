import { JobValidationError, StoreError } from '@jobtrail/core';
import { guardStore, type JobStore } from '@jobtrail/core/store';
import { makeJob, makeTypeControl } from '@jobtrail/core/testing';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoJobStore } from './mongo-job-store.js';
import { DEFAULT_COLLECTION_NAME } from './store-options.js';
import { failure } from './caught-error.test-support.js';
import { makeSchedule } from './schedule-record.test-support.js';

/**
 * The store without a server: a real driver client pointed at a closed port. What must happen
 * before any I/O (option checks, input checks, closing) is tested here; how driver failures
 * surface too. The behaviour against a real server is the contract suite (test/contract.test.ts).
 */
const client = new MongoClient('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100&connectTimeoutMS=100');
const db = client.db('jobtrail_unit');
const at = (ms = 0): Date => new Date(Date.UTC(2030, 0, 1) + ms);

afterAll(async () => {
  await client.close();
});


describe('MongoJobStore options', () => {
  it('uses jobtrail_jobs unless told otherwise', () => {
    expect(new MongoJobStore({ db }).collectionName).toBe(DEFAULT_COLLECTION_NAME);
    expect(new MongoJobStore({ db, collectionName: 'queue.jobs' }).collectionName).toBe('queue.jobs');
  });

  it('refuses what is not a Db, with a message that says what to pass', async () => {
    const bad = [undefined, null, {}, { db: null }, { db: 'mongodb://localhost' }, { db: client }, { db: {} }];
    for (const [index, options] of bad.entries()) {
      const error = await failure(() => new MongoJobStore(options as never));
      expect(error, `case ${index}`).toBeInstanceOf(JobValidationError);
      expect((error as Error).message).toMatch(/Db|db/);
    }
  });

  it('refuses collection names MongoDB would refuse or reserve', () => {
    for (const collectionName of ['', 'a$b', 'system.jobs', 'a\u0000b', 'x'.repeat(201), 5]) {
      expect(() => new MongoJobStore({ db, collectionName: collectionName as never }), String(collectionName)).toThrow(JobValidationError);
    }
  });

  it('keeps schedules in <collectionName>_schedules unless told otherwise, never in the jobs collection', () => {
    expect(new MongoJobStore({ db }).schedulesCollectionName).toBe('jobtrail_jobs_schedules');
    expect(new MongoJobStore({ db, collectionName: 'queue.jobs' }).schedulesCollectionName).toBe('queue.jobs_schedules');
    // A jobs name at the 200-character cap stays valid: the derived name is not held to it.
    expect(new MongoJobStore({ db, collectionName: 'x'.repeat(200) }).schedulesCollectionName).toBe(`${'x'.repeat(200)}_schedules`);
    expect(new MongoJobStore({ db, collectionName: 'queue', schedulesCollectionName: 'queue.crons' }).schedulesCollectionName).toBe('queue.crons');
    for (const schedulesCollectionName of ['', 'a$b', 'system.crons', 'a\u0000b', 'x'.repeat(201), 5, null, 'jobtrail_jobs']) {
      const error = (() => {
        try {
          new MongoJobStore({ db, schedulesCollectionName: schedulesCollectionName as never });
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, String(schedulesCollectionName)).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).field).toBe('schedulesCollectionName');
    }
  });

  it('keeps flow control in <collectionName>_type_controls, _type_starts and _type_groups', () => {
    expect(new MongoJobStore({ db }).flowCollectionNames).toEqual({
      controls: 'jobtrail_jobs_type_controls',
      starts: 'jobtrail_jobs_type_starts',
      groups: 'jobtrail_jobs_type_groups',
    });
    expect(new MongoJobStore({ db, collectionName: 'queue.jobs', schedulesCollectionName: 'crons' }).flowCollectionNames.controls).toBe('queue.jobs_type_controls');
  });

  it('refuses a changeStreams flag or error hook of the wrong type', () => {
    expect(() => new MongoJobStore({ db, changeStreams: 'yes' as never })).toThrow(JobValidationError);
    expect(() => new MongoJobStore({ db, onChangeStreamError: 'log' as never })).toThrow(JobValidationError);
  });
});

describe('MongoJobStore input checks', () => {
  const raw = new MongoJobStore({ db });
  // As every tracker uses it: core's checks (guardStore), then the store's own.
  const store = guardStore(raw);
  const id = makeJob().id;

  it('refuses bad input with invalid_input before touching the server (through guardStore)', async () => {
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['insert', () => store.insert(makeJob({ id: 'nope' }))],
      ['insert transaction', () => store.insert(makeJob(), { transaction: { begin: true } })],
      ['transition', () => store.transition(id, { status: 'done' as never }, { updatedAt: at() })],
      ['transition patch', () => store.transition(id, {}, { status: 'queued' } as never)],
      ['claim', () => store.claim({ owner: 'w', now: at(), leaseExpiresAt: at(1), limits: { a: -1 }, limit: 1 })],
      ['heartbeat', () => store.heartbeat('w', [{ $ne: null }] as never, at())],
      ['heartbeat owner', () => store.heartbeat({ $ne: null } as never, [id], at())],
      ['findExpired', () => store.findExpired(at(), 1.5)],
      ['updateProgress', () => store.updateProgress(id, { progress: Number.NaN, updatedAt: at() })],
      ['updateProgress owner', () => store.updateProgress(id, { updatedAt: at() }, { $ne: null } as never)],
      ['updateProgress attempt', () => store.updateProgress(id, { updatedAt: at() }, 'w', { $gt: 0 } as never)],
      ['incrementMetrics', () => store.incrementMetrics(id, { rows: 1, broken: Number.NaN }, at())],
      ['incrementMetrics owner', () => store.incrementMetrics(id, { rows: 1 }, at(), { $ne: null } as never, 1)],
      ['incrementMetrics attempt', () => store.incrementMetrics(id, { rows: 1 }, at(), 'w', -1)],
      ['insert history', () => store.insert(makeJob({ history: [{ kind: 'retry', at: 'now' as never, afterAttempt: 1 }] }))],
      ['transition history', () => store.transition(id, {}, { history: {} as never, updatedAt: at() })],
      ['transition metrics', () => store.transition(id, {}, { metrics: { rows: { $inc: 1 } } as never, updatedAt: at() })],
      ['query cursor', () => store.query({ limit: 10, cursor: '{"$gt":""}' })],
      ['query limit', () => store.query({ limit: 0 })],
      ['count', () => store.count({ tenantId: { $ne: null } as never })],
      ['sumMetrics', () => store.sumMetrics({ status: ['done' as never] })],
      ['prune', () => store.prune({ before: { running: at() } as never })],
      ['insertSchedule', () => store.insertSchedule!(makeSchedule({ name: '' }))],
      ['insertSchedule both timings', () => store.insertSchedule!(makeSchedule({ cron: '* * * * *', timezone: 'UTC' }))],
      ['insertSchedule pendingTicks', () => store.insertSchedule!(makeSchedule({ pendingTicks: ['now' as never] }))],
      ['getSchedule', () => store.getSchedule!({ $gt: '' } as never)],
      ['listSchedules tenant', () => store.listSchedules!({ limit: 10, tenantId: { $ne: null } as never })],
      ['listSchedules limit', () => store.listSchedules!({ limit: 0 })],
      ['dueSchedules', () => store.dueSchedules!(at(), 1001)],
      ['dueSchedules now', () => store.dueSchedules!({ $gt: 0 } as never, 1)],
      ['updateSchedule version', () => store.updateSchedule!('a', { $gt: 0 } as never, { updatedAt: at() })],
      ['updateSchedule patch', () => store.updateSchedule!('a', 1, { name: 'b', updatedAt: at() } as never)],
      ['deleteSchedule', () => store.deleteSchedule!({ $ne: null } as never)],
    ];
    for (const [name, call] of calls) {
      const error = await failure(call);
      expect(error, name).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).code, name).toBe('invalid_input');
    }
  });

  it('answers "not there" for ids that are not strings, instead of sending them as operators (through guardStore)', async () => {
    const operator = { $gt: '' } as never;
    expect(await store.get(operator)).toBeNull();
    expect(await store.transition(operator, {}, { updatedAt: at() })).toEqual({ ok: false, reason: 'not_found' });
    expect(await store.updateProgress(operator, { updatedAt: at() })).toBe(false);
    expect(await store.incrementMetrics(operator, { a: 1 }, at())).toBeNull();
  });

  it('does nothing for empty requests', async () => {
    for (const target of [raw, store]) {
      expect(await target.heartbeat('w', [], at())).toEqual([]);
      expect(await target.findExpired(at(), 0)).toEqual([]);
      expect(await target.claim({ owner: 'w', now: at(), leaseExpiresAt: at(1), limits: { a: 5 }, limit: 0 })).toEqual([]);
      expect(await target.claim({ owner: 'w', now: at(), leaseExpiresAt: at(1), limits: {}, limit: 5 })).toEqual([]);
      expect(await target.prune({ before: {} })).toBe(0);
    }
  });

  it('refuses a session that has ended', async () => {
    const session = client.startSession();
    await session.endSession();
    const error = await failure(() => raw.insert(makeJob(), { transaction: session }));
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field).toBe('transaction');
  });
});

describe('MongoJobStore without a reachable server', () => {
  it('wraps driver failures in StoreError naming the operation, with the driver error as cause', async () => {
    const store = new MongoJobStore({ db, collectionName: 'unreachable' });
    for (const [operation, collection, call] of [
      ['get', 'unreachable', () => store.get(makeJob().id)],
      ['claim', 'unreachable', () => store.claim({ owner: 'w', now: at(), leaseExpiresAt: at(1), limits: { a: 1 }, limit: 1 })],
      ['getTypeControl', 'unreachable_type_controls', () => store.getTypeControl('a')],
      ['putTypeControl', 'unreachable_type_controls', () => store.putTypeControl(makeTypeControl({ type: 'a' }), null)],
      ['countStarts', 'unreachable_type_starts', () => store.countStarts('a', at())],
    ] as const) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toContain(`MongoDB ${operation} on collection "${collection}" failed`);
      expect((error as StoreError).cause).toBeInstanceOf(Error);
    }
  });

  it('explains a failed ensureIndexes', async () => {
    const error = await failure(() => new MongoJobStore({ db }).ensureIndexes());
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain('Could not create the jobtrail indexes on "jobtrail_jobs"');
  });

  it('falls back to polling when the change streams cannot open', async () => {
    // A client of its own: after a failed connect the driver answers "Topology is closed".
    const unreachable = new MongoClient('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100&connectTimeoutMS=100');
    const errors: unknown[] = [];
    const store = new MongoJobStore({ db: unreachable.db('jobtrail_unit'), onChangeStreamError: (error) => errors.push(error) });
    const unsubscribe = store.subscribe(() => {});
    expect(store.wakeMode).toBe('connecting');
    // One stream (jobs, schedules, type controls) meets the failed connect; the others, opened
    // alongside it, are answered "Topology is closed", which reads as a closed client: no more
    // attempts for those. (Retries of a failed stream are the waker's tests, on a fake clock.)
    await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    expect(errors.slice(0, 3).map((error) => (error as Error).name).sort()).toEqual(['MongoServerSelectionError', 'MongoTopologyClosedError', 'MongoTopologyClosedError']);
    expect(store.wakeMode).toBe('polling-only');
    unsubscribe();
    await store.close();
    await unreachable.close();
  });

  it('stops trying once the application closed its client', async () => {
    const closed = new MongoClient('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100');
    await closed.close();
    const store = new MongoJobStore({ db: closed.db('jobtrail_unit') });
    const unsubscribe = store.subscribe(() => {});
    await expect.poll(() => store.wakeMode, { timeout: 5000 }).toBe('polling-only');
    unsubscribe();
    await store.close();
  });

  it('never opens a change stream when they are turned off', () => {
    const store = new MongoJobStore({ db, changeStreams: false });
    const unsubscribe = store.subscribe(() => {});
    expect(store.wakeMode).toBe('polling-only');
    unsubscribe();
  });
});

describe('MongoJobStore close', () => {
  it('rejects every later call with StoreError (through guardStore), and closing twice is fine', async () => {
    const raw = new MongoJobStore({ db, collectionName: 'closing' });
    const store: JobStore = guardStore(raw);
    await store.close();
    await store.close();
    expect(raw.closed).toBe(true);
    const job = makeJob();
    const calls: Array<() => Promise<unknown>> = [
      () => raw.ensureIndexes(),
      () => store.insert(job),
      () => store.get(job.id),
      () => store.transition(job.id, {}, { updatedAt: at() }),
      () => store.claim({ owner: 'w', now: at(), leaseExpiresAt: at(1), limits: { a: 1 }, limit: 1 }),
      () => store.heartbeat('w', [job.id], at()),
      () => store.findExpired(at(), 10),
      () => store.updateProgress(job.id, { progress: 1, updatedAt: at() }),
      () => store.incrementMetrics(job.id, { a: 1 }, at()),
      () => store.query({ limit: 10 }),
      () => store.count({}),
      () => store.sumMetrics({}),
      () => store.prune({ before: { completed: at() } }),
      () => store.getTypeControl!('a'),
      () => store.listTypeControls!(),
      () => store.putTypeControl!(makeTypeControl({ type: 'a' }), null),
      () => store.countStarts!('a', at()),
    ];
    for (const call of calls) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toContain('"closing" is closed');
    }
    expect(() => store.subscribe!(() => {})).toThrow(StoreError);
  });
});
