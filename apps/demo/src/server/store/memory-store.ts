import { MemoryJobStore } from '@jobtrail/core';
import { serveStoreOverIpc } from '../ipc-store/serve-store-over-ipc.js';
import { WORKER_STORE_ENV, type DemoStore } from './demo-store.js';

/** Everything in the server's memory; the worker process reaches it over its IPC channel. */
export function openMemoryStore(): DemoStore {
  const store = new MemoryJobStore({ name: 'demo' });
  return {
    kind: 'memory',
    description: 'in-memory store (nothing persisted)',
    store,
    workerEnv: { [WORKER_STORE_ENV]: 'ipc' },
    attachWorker: (child) => void serveStoreOverIpc(child, store),
    close: () => store.close(),
  };
}
