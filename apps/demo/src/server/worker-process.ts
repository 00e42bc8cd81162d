import { createTracker, createWorker } from '@jobtrail/core';
import type { JobStore } from '@jobtrail/core/store';
import { IpcJobStore } from './ipc-store/ipc-job-store.js';
import { instrumentTracker } from './instrument-tracker.js';
import { JOB_POLICIES, WORKER_LEASE_MS, WORKER_POLL_INTERVAL_MS } from './job-policies.js';
import { WORKER_DATABASE_URL_ENV, WORKER_STORE_ENV } from './store/demo-store.js';
import { setupTelemetry, type TracesMode } from './telemetry.js';
import { isShutdownRequest, type WorkerMessage } from './worker-messages.js';
import { createWorkflowHandlers } from './workflows/index.js';

/**
 * The worker process: forked by the server's WorkerSupervisor, it runs every sample workflow.
 * Killing it (the "Crash worker" job does, with SIGKILL) loses nothing: the jobs it held are
 * recovered when their leases expire, by the worker the supervisor starts next.
 */
async function main(): Promise<void> {
  const log = (line: string) => console.log(`[worker ${process.pid}] ${line}`);
  const { store, close } = await openStore();
  const telemetry = setupTelemetry('jobtrail-demo-worker', (process.env['JOBTRAIL_DEMO_TRACES'] ?? 'off') as TracesMode);
  const tracker = createTracker({ store, types: JOB_POLICIES, id: `worker-${process.pid}` });
  instrumentTracker(tracker, telemetry);
  tracker.on('error', (error, context) => log(`tracking error in ${context.operation}: ${String(error)}`));

  const worker = createWorker({
    tracker,
    workerId: `worker-pid-${process.pid}`,
    handlers: createWorkflowHandlers({
      tracker,
      pid: process.pid,
      crashProcess: () => process.kill(process.pid, 'SIGKILL'),
    }),
    concurrency: { default: 4 },
    leaseMs: WORKER_LEASE_MS,
    pollIntervalMs: WORKER_POLL_INTERVAL_MS,
    shutdownGraceMs: 5_000,
  });
  worker.events.on('error', (error) => log(`worker error: ${String(error)}`));
  worker.start();

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await worker.stop();
    await telemetry.shutdown().catch(() => {});
    await close();
    process.exit(0);
  };
  process.on('message', (message) => {
    if (isShutdownRequest(message)) void shutdown();
  });
  // The server is gone (even killed): do not linger as an orphan.
  process.on('disconnect', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => {
    // Ctrl-C reaches the whole process group; the server tells us when to stop.
  });

  process.send?.({ kind: 'worker-ready', pid: process.pid } satisfies WorkerMessage);
}

async function openStore(): Promise<{ store: JobStore; close: () => Promise<void> }> {
  if (process.env[WORKER_STORE_ENV] === 'postgres') {
    const url = process.env[WORKER_DATABASE_URL_ENV];
    if (!url) throw new Error(`${WORKER_DATABASE_URL_ENV} is not set`);
    const { connect } = await import('./store/postgres-connect.js');
    const { store, dataSource } = await connect(url);
    return {
      store,
      close: async () => {
        await store.close().catch(() => {});
        await dataSource.destroy().catch(() => {});
      },
    };
  }
  const store = new IpcJobStore();
  return { store, close: () => store.close() };
}

main().catch((error: unknown) => {
  console.error(`[worker ${process.pid}] failed to start:`, error);
  process.exit(1);
});
