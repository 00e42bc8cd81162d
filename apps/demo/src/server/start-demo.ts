import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { createTracker } from '@jobtrail/core';
import type { DemoOptions } from './cli-options.js';
import { createDemoApp } from './http-app.js';
import { instrumentTracker } from './instrument-tracker.js';
import { JOB_POLICIES } from './job-policies.js';
import { DEMO_SCHEDULES, declareSchedules } from './schedules.js';
import { createStaticFiles } from './static-files.js';
import type { DemoStore } from './store/demo-store.js';
import { openMemoryStore } from './store/memory-store.js';
import { withoutSignalHooks } from './store/without-signal-hooks.js';
import { setupTelemetry } from './telemetry.js';
import { WorkerSupervisor } from './worker-supervisor.js';

export interface RunningDemo {
  url: string;
  stop(): Promise<void>;
}

/** dist/server → the app's root (apps/demo). */
const APP_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Starts everything in order: store (with migrations), the server's tracker, the worker process,
 * then the HTTP server. Whatever started is stopped again if a later step fails.
 */
export async function startDemo(options: DemoOptions, log: (line: string) => void): Promise<RunningDemo> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => log(`error while stopping: ${String(error)}`));
    }
  };

  try {
    const telemetry = setupTelemetry('jobtrail-demo-server', options.traces);
    cleanups.push(() => telemetry.shutdown());

    const demoStore = await openStore(options, log);
    cleanups.push(() => demoStore.close());
    log(`store: ${demoStore.description}`);

    const tracker = createTracker({ store: demoStore.store, types: JOB_POLICIES, id: `server-${process.pid}` });
    instrumentTracker(tracker, telemetry);
    tracker.on('error', (error, context) => log(`tracking error in ${context.operation}: ${String(error)}`));
    cleanups.push(() => tracker.close());

    const schedules = await declareSchedules(tracker, demoStore.store);
    log(
      schedules
        ? `schedules: ${DEMO_SCHEDULES.map(({ name }) => name).join(', ')} (fired by the worker)`
        : 'schedules: none, this store keeps no schedules',
    );

    const supervisor = new WorkerSupervisor({
      script: join(APP_ROOT, 'dist', 'server', 'worker-process.js'),
      env: { ...process.env, ...demoStore.workerEnv, JOBTRAIL_DEMO_TRACES: options.traces },
      ...(demoStore.attachWorker ? { onSpawn: demoStore.attachWorker } : {}),
      log,
    });
    cleanups.push(() => supervisor.stop());
    await supervisor.start();

    const app = createDemoApp({
      tracker,
      supervisor,
      storeDescription: demoStore.description,
      schedules,
      tracesMode: options.traces,
      serveStatic: createStaticFiles(join(APP_ROOT, 'dist', 'client')),
    });
    const server = createAdaptorServer({ fetch: app.fetch });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Polling browsers keep connections alive; do not wait for them to go idle.
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
    );
    const { port } = server.address() as AddressInfo;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    return { url: `http://${host}:${port}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function openStore(options: DemoOptions, log: (line: string) => void): Promise<DemoStore> {
  if (options.store === 'memory') return openMemoryStore();
  // Loaded only when used, so `--store memory` never touches PostgreSQL code.
  const { openPostgresStore, defaultDataDir } = await withoutSignalHooks(() => import('./store/postgres-store.js'));
  return openPostgresStore({ dataDir: options.dataDir ?? defaultDataDir(APP_ROOT), log });
}
