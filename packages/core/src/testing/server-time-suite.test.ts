import { describe } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { JobStore } from '../store/job-store.js';
import { serverTimeSuite } from './server-time-suite.js';

// The memory store has no clock of its own: the sub-suite checks that serverTime is absent.
describe('memory', () => serverTimeSuite({ name: 'memory', createStore: () => new MemoryJobStore() }));

// A store with a clock (here the process's, 3 s off, as a remote server's could be): the
// sub-suite's own branch for stores that have serverTime runs in core's runs too.
describe('memory with a clock', () =>
  serverTimeSuite({
    name: 'memory with a clock',
    createStore: (): JobStore => {
      const store: JobStore = new MemoryJobStore();
      store.serverTime = async () => new Date(Date.now() + 3000);
      return store;
    },
  }),
);
