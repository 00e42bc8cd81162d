import type { JobStore } from '@jobtrail/core/store';
import { runStoreContract } from '@jobtrail/core/testing';
import { createTestStore, type TestStore } from './support/test-database.js';

// Relaxed durability (hot-path commits without waiting for the WAL flush) keeps every guarantee.
const opened = new Map<JobStore, TestStore>();

runStoreContract({
  name: 'postgres, durability relaxed',
  createStore: async () => {
    const created = await createTestStore('contract_relaxed', { durability: 'relaxed' });
    opened.set(created.store, created);
    return created.store;
  },
  cleanup: async (store) => {
    await opened.get(store)?.drop();
    opened.delete(store);
  },
});
