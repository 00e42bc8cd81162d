import type { JobStore } from '@jobtrail/core/store';
import { runStoreContract } from '@jobtrail/core/testing';
import { createTestStore, type TestStore } from './support/test-database.js';

const opened = new Map<JobStore, TestStore>();

runStoreContract({
  name: 'postgres',
  createStore: async () => {
    const created = await createTestStore('contract');
    opened.set(created.store, created);
    return created.store;
  },
  cleanup: async (store) => {
    await opened.get(store)?.drop();
    opened.delete(store);
  },
});
