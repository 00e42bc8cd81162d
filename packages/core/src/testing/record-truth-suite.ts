import { recordTruthAttempts } from './record-truth-attempts.js';
import { recordTruthHarness } from './record-truth-harness.js';
import { recordTruthRecovery } from './record-truth-recovery.js';
import { recordTruthValues } from './record-truth-values.js';
import { describeWithStore, type StoreContractOptions } from './store-contract-options.js';

/**
 * The record stays true whatever the handler, the policies or the timing do: run by the tracker
 * and a worker over the store under test. Every outcome is written once, promptly, and a handler
 * that succeeded never runs again because of the store.
 */
export function recordTruthSuite(options: StoreContractOptions): void {
  describeWithStore('record truth (tracker and worker over the store)', options, (store) => {
    const truth = recordTruthHarness(store);
    recordTruthValues(truth);
    recordTruthAttempts(truth);
    recordTruthRecovery(truth);
  });
}
