import { runStoreContract } from '@jobtrail/core/testing';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe } from 'vitest';
import { MongoJobStore } from '../src/index.js';
import { MONGODB_URL, openTestDatabase, SKIP_REASON, uniqueCollectionName, type TestDatabase } from './mongo-server.js';

/** Drops a collection; one that was never created (no record written, say) is fine. */
async function dropIfThere(db: Db, name: string): Promise<void> {
  try {
    await db.collection(name).drop();
  } catch (error) {
    // NamespaceNotFound: servers before 7.0 refuse to drop what is not there.
    if ((error as { code?: unknown }).code !== 26) throw error;
  }
}

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
      // Each sub-suite gets its own collections (jobs, <jobs>_schedules and the flow-control ones),
      // with the indexes a real deployment has. The flow-control sub-suite needs transactions: on a
      // standalone server its claims of controlled types fail with the StoreError that says so.
      createStore: async () => {
        const store = new MongoJobStore({ db: database!.db, collectionName: uniqueCollectionName('contract') });
        await store.ensureIndexes();
        return store;
      },
      cleanup: async (store) => {
        const mongo = store as MongoJobStore;
        const { controls, starts, groups } = mongo.flowCollectionNames;
        for (const name of [mongo.collectionName, mongo.schedulesCollectionName, controls, starts, groups]) await dropIfThere(database!.db, name);
      },
    });
  },
);
