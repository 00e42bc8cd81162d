import type { ChildProcess } from 'node:child_process';
import type { JobStore } from '@jobtrail/core/store';

export type StoreKind = 'memory' | 'postgres';

/** The store the server uses, and how its worker process reaches the same jobs. */
export interface DemoStore {
  kind: StoreKind;
  /** Shown on the page, e.g. "embedded PostgreSQL on port 5433" (never a password). */
  description: string;
  store: JobStore;
  /** Environment for the worker process, telling it how to open the same store. */
  workerEnv: Record<string, string>;
  /** Wires a new worker process to the store, when it needs the server's help (memory). */
  attachWorker?: (child: ChildProcess) => void;
  close(): Promise<void>;
}

/** How the worker process opens its store, from the environment the server gave it. */
export const WORKER_STORE_ENV = 'JOBTRAIL_DEMO_WORKER_STORE';
export const WORKER_DATABASE_URL_ENV = 'JOBTRAIL_DEMO_DATABASE_URL';
