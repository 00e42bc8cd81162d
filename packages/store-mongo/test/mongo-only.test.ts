import { createTracker } from '@jobtrail/core';
import type { StoreWakeEvent } from '@jobtrail/core/store';
import { makeJob, uniqueName } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_INDEXES, MongoJobStore } from '../src/index.js';
import { MONGODB_URL, openTestDatabase, SKIP_REASON, uniqueCollectionName, type TestDatabase } from './mongo-server.js';

/**
 * What only MongoDB has, against a real server: the index set, the stored document shape, the
 * caller's transactions and change-stream wake-ups across store instances. Skipped (visibly)
 * without MONGODB_URL, like the contract suite.
 */
describe.skipIf(MONGODB_URL === '')(
  MONGODB_URL === '' ? `MongoJobStore on a real server (skipped: ${SKIP_REASON})` : 'MongoJobStore on a real server',
  () => {
    let database: TestDatabase;
    let store: MongoJobStore;

    beforeAll(async () => {
      database = await openTestDatabase('mongo_only');
      store = new MongoJobStore({ db: database.db, collectionName: uniqueCollectionName('jobs') });
      await store.ensureIndexes();
    });

    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('creates exactly the documented indexes, and a second ensureIndexes changes nothing', async () => {
      await store.ensureIndexes();
      const indexes = await database.db.collection(store.collectionName).listIndexes().toArray();
      const ours = indexes.filter((index) => index['name'] !== '_id_');
      expect(ours.map((index) => index['name']).sort()).toEqual(JOB_INDEXES.map((index) => index.name).sort());
      for (const definition of JOB_INDEXES) {
        const index = ours.find((candidate) => candidate['name'] === definition.name)!;
        expect(index['key']).toEqual(definition.key);
        expect(index['unique'] ?? false).toBe(definition.unique ?? false);
        if (definition.partialFilterExpression) expect(index['partialFilterExpression']).toEqual(definition.partialFilterExpression);
      }
    });

    it('stores _id, a flattened lease and escaped metric names, and reads back a plain Job', async () => {
      const job = makeJob({ type: uniqueName('shape'), status: 'running', attempt: 1, lease: { owner: 'w', expiresAt: new Date() }, metrics: { 'cost.usd': 1 } });
      await store.insert(job);
      await store.incrementMetrics(job.id, { 'cost.usd': 0.5, $spent: 2 }, new Date());
      const raw = await database.db.collection(store.collectionName).findOne({ _id: job.id as never });
      expect(raw).toMatchObject({ _id: job.id, leaseOwner: 'w', metrics: { 'cost%2Eusd': 1.5, '%24spent': 2 } });
      expect(raw).not.toHaveProperty('id');
      expect(raw).not.toHaveProperty('lease');
      const read = await store.get(job.id);
      expect(read?.metrics).toEqual({ 'cost.usd': 1.5, $spent: 2 });
      expect(Object.keys(read!).sort()).toEqual(Object.keys(job).sort());
    });

    it("inserts inside the caller's transaction: kept on commit, gone on abort", async (context) => {
      if (!database.replicaSet) context.skip('transactions need a replica set');
      const type = uniqueName('txn');
      const committed = makeJob({ type });
      const aborted = makeJob({ type });
      const session = database.client.startSession();
      try {
        await session.withTransaction(async () => {
          const result = await store.insert(committed, { transaction: session });
          expect(result.created).toBe(true);
          // Not visible outside the transaction before it commits.
          expect(await store.get(committed.id)).toBeNull();
        });
        await expect(
          session.withTransaction(async () => {
            await store.insert(aborted, { transaction: session });
            throw new Error('business rule failed');
          }),
        ).rejects.toThrow('business rule failed');
      } finally {
        await session.endSession();
      }
      expect(await store.get(committed.id)).toMatchObject({ id: committed.id, status: 'queued' });
      expect(await store.get(aborted.id)).toBeNull();
    });

    it('fires created only after the caller commits, and never for an aborted transaction', async (context) => {
      if (!database.replicaSet) context.skip('transactions need a replica set');
      const tracker = createTracker({ store, recoverIntervalMs: false });
      const created: string[] = [];
      tracker.on('created', (job) => created.push(job.id));
      const type = uniqueName('txn.events');
      const session = database.client.startSession();
      let committedId = '';
      try {
        await session.withTransaction(async () => {
          committedId = (await tracker.enqueue(type, { n: 1 }, { transaction: session })).id;
          await new Promise((resolve) => setTimeout(resolve, 20));
          expect(created).toEqual([]);
        });
        await expect.poll(() => created).toEqual([committedId]);
        await expect(
          session.withTransaction(async () => {
            await tracker.enqueue(type, { n: 2 }, { transaction: session });
            throw new Error('business rule failed');
          }),
        ).rejects.toThrow('business rule failed');
      } finally {
        await session.endSession();
        await tracker.close();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(created).toEqual([committedId]);
    });

    it('dedupes inside a transaction without aborting it', async (context) => {
      if (!database.replicaSet) context.skip('transactions need a replica set');
      const type = uniqueName('txn-dedupe');
      const key = uniqueName('key');
      const holder = makeJob({ type, key });
      await store.insert(holder);
      const other = makeJob({ type: uniqueName('txn-other') });
      const session = database.client.startSession();
      try {
        await session.withTransaction(async () => {
          const again = await store.insert(makeJob({ type, key }), { transaction: session });
          expect(again).toEqual({ job: holder, created: false });
          // The transaction is still alive: later writes in it commit.
          expect((await store.insert(other, { transaction: session })).created).toBe(true);
        });
      } finally {
        await session.endSession();
      }
      expect(await store.get(other.id)).not.toBeNull();
    });

    it('wakes subscribers of one store instance for jobs another instance enqueues, through the change stream', async (context) => {
      if (!database.replicaSet) context.skip('change streams need a replica set');
      const listening = new MongoJobStore({ db: database.db, collectionName: store.collectionName });
      const events: StoreWakeEvent[] = [];
      const unsubscribe = listening.subscribe((event) => events.push(event));
      try {
        await expect.poll(() => listening.wakeMode, { timeout: 10_000 }).toBe('change-stream');
        const type = uniqueName('wake-remote');
        await store.insert(makeJob({ type }));
        await expect.poll(() => events.some((event) => event.type === type), { timeout: 10_000 }).toBe(true);

        // A retry (update to retrying) wakes too, without a type.
        const running = makeJob({ type: uniqueName('wake-retry'), status: 'running', attempt: 1 });
        await store.insert(running);
        const before = events.length;
        await store.transition(running.id, { status: 'running' }, { status: 'retrying', runAt: new Date(), updatedAt: new Date() });
        await expect.poll(() => events.slice(before).some((event) => event.type === undefined), { timeout: 10_000 }).toBe(true);
      } finally {
        unsubscribe();
        await listening.close();
      }
    });

    it('falls back to polling-only on a standalone server', async (context) => {
      if (database.replicaSet) context.skip('this deployment supports change streams');
      const listening = new MongoJobStore({ db: database.db, collectionName: store.collectionName });
      const unsubscribe = listening.subscribe(() => {});
      await expect.poll(() => listening.wakeMode, { timeout: 10_000 }).toBe('polling-only');
      unsubscribe();
      await listening.close();
    });
  },
);
