import { describe } from 'vitest';
import { badInputSuite } from './bad-input-suite.js';
import { claimingSuite } from './claiming-suite.js';
import { dedupeSuite } from './dedupe-suite.js';
import { httpKeysSuite } from './http-keys-suite.js';
import { httpEdgesSuite } from './http-edges-suite.js';
import { httpScopeSuite } from './http-scope-suite.js';
import { leasesSuite } from './leases-suite.js';
import { lifecycleSuite } from './lifecycle-suite.js';
import { progressMetricsSuite } from './progress-metrics-suite.js';
import { querySuite } from './query-suite.js';
import { readCostSuite } from './read-cost-suite.js';
import { recordTruthSuite } from './record-truth-suite.js';
import { retentionSuite } from './retention-suite.js';
import { schedulesSuite } from './schedules-suite.js';
import { schedulingSuite } from './scheduling-suite.js';
import { flowControlSuite } from './flow-control-suite.js';
import { enqueueManySuite } from './enqueue-many-suite.js';
import { bulkActionsSuite } from './bulk-actions-suite.js';
import { serverTimeSuite } from './server-time-suite.js';
import { changeFeedSuite } from './change-feed-suite.js';
import { activitySuite } from './activity-suite.js';
import type { StoreContractOptions } from './store-contract-options.js';

/**
 * The whole store contract: a store is done when it passes every sub-suite. Call it at the top
 * level of a vitest file. Each sub-suite creates its own store (`createStore` in `beforeAll`),
 * closes it after, then calls `cleanup`; every test works on its own data, so sub-suites may be
 * run alone (each is exported) and a shared database is fine — as long as it holds no real jobs
 * (the leases and retention suites touch jobs dated before 1990).
 *
 * @example
 * runStoreContract({ name: 'memory', createStore: () => new MemoryJobStore() });
 */
export function runStoreContract(options: StoreContractOptions): void {
  describe(`jobtrail store contract (${options.name})`, () => {
    lifecycleSuite(options);
    dedupeSuite(options);
    claimingSuite(options);
    leasesSuite(options);
    progressMetricsSuite(options);
    querySuite(options);
    retentionSuite(options);
    badInputSuite(options);
    serverTimeSuite(options);
    recordTruthSuite(options);
    httpScopeSuite(options);
    httpKeysSuite(options);
    httpEdgesSuite(options);
    readCostSuite(options);
    schedulesSuite(options);
    schedulingSuite(options);
    flowControlSuite(options);
    enqueueManySuite(options);
    bulkActionsSuite(options);
    changeFeedSuite(options);
    activitySuite(options);
  });
}
