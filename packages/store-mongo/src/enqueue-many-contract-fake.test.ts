import { enqueueManySuite } from '@jobtrail/core/testing';
import { describe } from 'vitest';
import { fakeDb } from './fake-db.test-support.js';
import { MongoJobStore } from './mongo-job-store.js';

/**
 * Core's enqueue-many contract sub-suite without a server, over the fake `Db` (see
 * `fake-db.test-support.ts`): the store's unordered `insertMany` meets the dedupe index that
 * `ensureIndexes()` creates, enforced by the fake as MongoDB does, and resolves the failed
 * documents from the driver's `MongoBulkWriteError`. The same suite runs against a real server in
 * test/contract.test.ts (with MONGODB_URL).
 */
describe('enqueueMany contract over a fake Db (mingo, unique indexes, no server)', () => {
  enqueueManySuite({
    name: 'mongodb over a fake Db',
    createStore: async () => {
      const store = new MongoJobStore({ db: fakeDb().db, changeStreams: false });
      await store.ensureIndexes();
      return store;
    },
  });
});
