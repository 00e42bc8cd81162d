import { changeFeedSuite } from '@jobtrail/core/testing';
import { describe } from 'vitest';
import { fakeDb } from './fake-db.test-support.js';
import { MongoJobStore } from './mongo-job-store.js';

/**
 * Core's change-feed contract sub-suite without a server, over the fake `Db` with emulated change
 * streams (see `fake-change-streams.test-support.ts`): every write the store makes becomes a
 * change event shaped as the server's, and the store's own pipeline (run with mingo) and feed turn
 * them into changes — so each kind of write is checked to pass the `$match` and to carry its
 * routing fields, and `tracker.watch` runs over the result. The same suite runs against a real
 * replica set in test/contract.test.ts (with MONGODB_URL), through `runStoreContract`.
 */
describe('change-feed contract over a fake Db (mingo, emulated change streams, no server)', () => {
  changeFeedSuite({
    name: 'mongodb over a fake Db',
    createStore: () => new MongoJobStore({ db: fakeDb({ changeStreams: true }).db }),
  });
});
