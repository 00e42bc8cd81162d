import { JobValidationError, StoreError, type Job } from '@jobtrail/core';
import { makeJob } from '@jobtrail/core/testing';
import type { ClientSession } from 'mongodb';
import { describe, expect, it, vi } from 'vitest';
import { failure } from './caught-error.test-support.js';
import { TransactionDedupeError } from './errors/transaction-dedupe-error.js';
import { fakeDb } from './fake-db.test-support.js';
import { toDocument } from './mapping/job-document.js';
import { MongoJobStore } from './mongo-job-store.js';

/**
 * `insertMany` over the fake `Db` (see `fake-db.test-support.ts`): the dedupe index that
 * `ensureIndexes()` creates is enforced, and an unordered `insertMany` fails documents the way the
 * driver reports it (a MongoBulkWriteError with `writeErrors` by batch index).
 */
async function setUp() {
  const fake = fakeDb();
  const store = new MongoJobStore({ db: fake.db, changeStreams: false });
  await store.ensureIndexes();
  const collection = fake.db.collection(store.collectionName);
  const insertMany = vi.spyOn(collection, 'insertMany');
  const find = vi.spyOn(collection, 'find');
  const woken: string[] = [];
  store.subscribe((event) => {
    if ('type' in event && event.type !== undefined) woken.push(event.type);
  });
  const stored = () => fake.documents(store.collectionName);
  const session = () => (fake.db as unknown as { client: { startSession(): ClientSession } }).client.startSession();
  return { fake, store, insertMany, find, woken, stored, session };
}

const keyed = (key: string, overrides: Partial<Job> = {}): Job => makeJob({ type: 'mail', key, ...overrides });

describe('MongoJobStore.insertMany', () => {
  it('answers 1,000 jobs with one insertMany: 990 created, 10 held keys answered with their holders', async () => {
    const { store, insertMany, woken, stored } = await setUp();
    const holders = await Promise.all(Array.from({ length: 10 }, (_, n) => store.insert(keyed(`k-${n * 100}`))));
    woken.length = 0;
    const jobs = Array.from({ length: 1_000 }, (_, n) => (n % 100 === 0 ? keyed(`k-${n}`) : makeJob({ type: n % 2 === 0 ? 'mail' : 'sms' })));
    insertMany.mockClear();

    const answer = await store.insertMany(jobs);

    expect(insertMany).toHaveBeenCalledTimes(1);
    expect(answer.results).toHaveLength(1_000);
    expect(answer.results.filter((result) => result.created)).toHaveLength(990);
    for (let n = 0; n < 1_000; n++) {
      const result = answer.results[n]!;
      if (n % 100 === 0) expect(result).toEqual({ job: holders[n / 100]!.job, created: false });
      else expect(result).toEqual({ job: { ...jobs[n]! }, created: true });
    }
    expect(stored()).toHaveLength(1_000);
    // The very documents the single insert writes.
    const written = stored().find((doc) => doc._id === jobs[1]!.id);
    expect(written).toEqual(toDocument(jobs[1]!));
    expect(woken.sort()).toEqual(['mail', 'sms']);
    expect(answer.committed).toBeUndefined();
  });

  it('answers a job whose key an earlier job of the call holds with that job, and never merges across tenants', async () => {
    const { store, insertMany, stored } = await setUp();
    const first = keyed('a');
    const jobs = [first, keyed('a'), keyed('a', { tenantId: 't' }), makeJob({ type: 'mail' }), keyed('a'), keyed('a', { tenantId: 't' })];

    const answer = await store.insertMany(jobs);

    expect(insertMany).toHaveBeenCalledTimes(1);
    // Only the first of each key was sent: no duplicate-key error to resolve.
    expect(insertMany.mock.calls[0]![0]).toHaveLength(3);
    expect(answer.results.map((result) => result.created)).toEqual([true, false, true, true, false, false]);
    expect(answer.results[1]!.job.id).toBe(first.id);
    expect(answer.results[4]!.job.id).toBe(first.id);
    expect(answer.results[5]!.job.id).toBe(jobs[2]!.id);
    expect(stored()).toHaveLength(3);
  });

  it('answers a finished job with a key by the unfinished holder, which the unique index cannot see', async () => {
    const { store, stored } = await setUp();
    const holder = await store.insert(keyed('done'));
    const finished = keyed('done', { status: 'completed', finishedAt: new Date() });
    const free = keyed('free', { status: 'completed', finishedAt: new Date() });

    const answer = await store.insertMany([finished, free]);

    expect(answer.results).toEqual([
      { job: holder.job, created: false },
      { job: { ...free }, created: true },
    ]);
    expect(stored()).toHaveLength(2);
  });

  it('inserts again a job whose key holder finished between the write and the lookup', async () => {
    const { fake, store, insertMany, stored } = await setUp();
    const holder = await store.insert(keyed('k'));
    const collection = fake.db.collection(store.collectionName);
    const realFind = collection.find.bind(collection);
    // The holder finishes right after the failed write, before its lookup.
    vi.spyOn(collection, 'find').mockImplementationOnce(
      (...args: Parameters<typeof collection.find>) =>
        ({
          toArray: async () => {
            await collection.updateOne({ _id: holder.job.id } as never, { $set: { status: 'completed' } });
            return realFind(...args).toArray();
          },
        }) as never,
    );
    const job = keyed('k');

    const answer = await store.insertMany([job]);

    expect(answer.results).toEqual([{ job: { ...job }, created: true }]);
    expect(insertMany).toHaveBeenCalledTimes(2);
    expect(stored().map((doc) => doc._id).sort()).toEqual([holder.job.id, job.id].sort());
  });

  it('refuses a taken id with JobValidationError and stores nothing of the call', async () => {
    const { store, stored, woken } = await setUp();
    const existing = await store.insert(makeJob());
    woken.length = 0;

    const error = await failure(() => store.insertMany([makeJob(), makeJob({ id: existing.job.id }), makeJob()]));

    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).field).toBe('id');
    expect(stored().map((doc) => doc._id)).toEqual([existing.job.id]);
    expect(woken).toEqual([]);
  });

  it('throws a failure of another kind mid-chunk as StoreError and stores nothing of the call', async () => {
    const { fake, store, stored, woken } = await setUp();
    // A collection validator the third job does not pass (DocumentValidationFailure, 121).
    fake.setValidator(store.collectionName, { priority: { $lt: 9 } });
    const jobs = [makeJob(), keyed('v'), makeJob({ priority: 9 }), makeJob()];

    const error = await failure(() => store.insertMany(jobs));

    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain('insertMany');
    expect(((error as StoreError).cause as { code?: number }).code).toBe(121);
    expect(stored()).toEqual([]);
    expect(woken).toEqual([]);
  });

  describe('inside the caller transaction', () => {
    it('looks first, answers held keys, and writes on commit: nothing woken before, committed resolves true', async () => {
      const { store, session, stored, woken, insertMany, find } = await setUp();
      const holder = await store.insert(keyed('h'));
      woken.length = 0;
      find.mockClear();
      const transaction = session();
      transaction.startTransaction();
      const jobs = [makeJob(), keyed('h'), keyed('n'), keyed('n')];

      const answer = await store.insertMany(jobs, { transaction });

      expect(find).toHaveBeenCalledTimes(1);
      expect(insertMany).toHaveBeenCalledTimes(1);
      expect(answer.results.map((result) => result.created)).toEqual([true, false, true, false]);
      expect(answer.results[1]!.job).toEqual(holder.job);
      expect(answer.results[3]!.job.id).toBe(jobs[2]!.id);
      expect(stored()).toHaveLength(1);
      await transaction.commitTransaction();
      expect(await answer.committed).toBe(true);
      expect(stored()).toHaveLength(3);
      expect(woken).toEqual([]);
    });

    it('writes nothing and wakes nobody when the transaction rolls back', async () => {
      const { store, session, stored, woken } = await setUp();
      const transaction = session();
      transaction.startTransaction();

      const answer = await store.insertMany([makeJob(), keyed('r')], { transaction });
      await transaction.abortTransaction();

      expect(await answer.committed).toBe(false);
      expect(stored()).toEqual([]);
      expect(woken).toEqual([]);
    });

    it('refuses a taken id before writing, leaving the transaction usable', async () => {
      const { store, session } = await setUp();
      const existing = await store.insert(makeJob());
      const transaction = session();
      transaction.startTransaction();

      const error = await failure(() => store.insertMany([makeJob(), makeJob({ id: existing.job.id })], { transaction }));

      expect(error).toBeInstanceOf(JobValidationError);
      expect(transaction.inTransaction()).toBe(true);
      await transaction.abortTransaction();
    });

    it('throws TransactionDedupeError when a concurrent insert takes a key after the lookup, and the transaction is aborted', async () => {
      const { fake, store, session, stored } = await setUp();
      const collection = fake.db.collection(store.collectionName);
      const rival = keyed('race');
      // The rival commits right after the lookup read: the lookup finds nothing.
      vi.spyOn(collection, 'find').mockImplementationOnce(() => ({ toArray: async () => [] }) as never);
      await new MongoJobStore({ db: fake.db, changeStreams: false }).insert(rival);
      const transaction = session();
      transaction.startTransaction();

      const error = await failure(() => store.insertMany([makeJob(), keyed('race')], { transaction }));

      expect(error).toBeInstanceOf(TransactionDedupeError);
      expect(error).toMatchObject({ code: 'dedupe_conflict_in_transaction', key: 'race' });
      await expect(transaction.commitTransaction()).rejects.toMatchObject({ code: 251 });
      expect(stored().map((doc) => doc._id)).toEqual([rival.id]);
    });

    it('aborts the whole chunk on a failure of another kind mid-chunk', async () => {
      const { fake, store, session, stored } = await setUp();
      fake.setValidator(store.collectionName, { priority: { $lt: 9 } });
      const transaction = session();
      transaction.startTransaction();

      const error = await failure(() => store.insertMany([makeJob(), makeJob({ priority: 9 }), makeJob()], { transaction }));

      // The driver's own error, as for a single insert in a transaction (withTransaction reads its labels).
      expect(error).toMatchObject({ name: 'MongoBulkWriteError', code: 121 });
      await expect(transaction.commitTransaction()).rejects.toMatchObject({ code: 251 });
      expect(stored()).toEqual([]);
    });
  });
});
