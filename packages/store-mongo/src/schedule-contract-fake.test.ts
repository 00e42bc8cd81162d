import { schedulesSuite, schedulingSuite } from '@jobtrail/core/testing';
import { describe } from 'vitest';
import { fakeDb } from './fake-db.test-support.js';
import { MongoJobStore } from './mongo-job-store.js';

/**
 * Core's schedule contract sub-suites run here without a server, over a fake `Db` that evaluates
 * the store's filters, sorts and updates with mingo (see `fake-db.test-support.ts`): every
 * document the store builds for schedules (and for the jobs their ticks create) is exercised on
 * each run. mingo is not MongoDB — no indexes, no concurrency, no change streams — so the same
 * suites run against a real server in test/contract.test.ts (with MONGODB_URL).
 */
describe('schedule contract over a fake Db (mingo, no server)', () => {
  const options = {
    name: 'mongodb over a fake Db',
    createStore: () => new MongoJobStore({ db: fakeDb().db, changeStreams: false }),
  };
  schedulesSuite(options);
  schedulingSuite(options);
});
