import { flowControlSuite } from '@jobtrail/core/testing';
import { describe } from 'vitest';
import { fakeDb } from './fake-db.test-support.js';
import { MongoJobStore } from './mongo-job-store.js';

/**
 * Core's flow-control contract sub-suite without a server, over the fake `Db` (see
 * `fake-db.test-support.ts`): mingo evaluates every filter, update and pipeline the store builds
 * for flow control, and the fake runs the store's transactions with MongoDB's rules — snapshot
 * reads, immediate write conflicts, writes outside a transaction waiting for it — so the suite's
 * racing claimers really conflict and retry. The same suite runs against a real server in
 * test/contract.test.ts (with MONGODB_URL), through `runStoreContract`.
 */
describe('flow-control contract over a fake Db (mingo, emulated transactions, no server)', () => {
  flowControlSuite({
    name: 'mongodb over a fake Db',
    createStore: () => new MongoJobStore({ db: fakeDb().db, changeStreams: false }),
  });
});
