import { runStoreContract } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { MongoJobStore } from '../src/index.js';
import { MONGODB_URL, openTestDatabase, SKIP_REASON, uniqueCollectionName, type TestDatabase } from './mongo-server.js';

// The behaviour test of the store: the whole core contract suite against a real server. No
// MongoDB can run on the development machines of this repo, so without MONGODB_URL it is
// reported as skipped — visibly, never as passing.
if (MONGODB_URL === '') console.warn(`[@jobtrail/store-mongo] contract suite SKIPPED: ${SKIP_REASON}.`);

describe.skipIf(MONGODB_URL === '')(
  MONGODB_URL === '' ? `MongoJobStore contract (skipped: ${SKIP_REASON})` : 'MongoJobStore contract against a real server',
  () => {
    let database: TestDatabase | undefined;

    beforeAll(async () => {
      database = await openTestDatabase('contract');
    });

    afterAll(async () => {
      await database?.drop();
    });

    runStoreContract({
      name: 'mongodb',
      // Each sub-suite gets its own collections (jobs, and <jobs>_schedules), with the indexes a
      // real deployment has.
      createStore: async () => {
        const store = new MongoJobStore({ db: database!.db, collectionName: uniqueCollectionName('contract') });
        await store.ensureIndexes();
        return store;
      },
      cleanup: async (store) => {
        const mongo = store as MongoJobStore;
        await database!.db.collection(mongo.collectionName).drop();
        await database!.db.collection(mongo.schedulesCollectionName).drop();
      },
    });
  },
);
