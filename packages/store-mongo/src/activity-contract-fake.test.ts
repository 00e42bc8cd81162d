import { activitySuite } from '@jobtrail/core/testing';
import { describe } from 'vitest';
import { fakeDb } from './fake-db.test-support.js';
import { MongoJobStore } from './mongo-job-store.js';

/**
 * Core's activity contract sub-suite without a server, over the fake `Db` (see
 * `fake-db.test-support.ts`): mingo evaluates the store's two aggregation pipelines (`$toLong`,
 * `$mod` bucket flooring, `$avg` / `$max` of waits) against the documents the store wrote. The
 * same suite runs against a real server in test/contract.test.ts (with MONGODB_URL).
 */
describe('activity contract over a fake Db (mingo, no server)', () => {
  activitySuite({
    name: 'mongodb over a fake Db',
    createStore: () => new MongoJobStore({ db: fakeDb().db, changeStreams: false }),
  });
});
