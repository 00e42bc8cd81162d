import type { Worker } from '@jobtrail/core';
import type { WorkerProcessMessage } from './worker-process.js';

/**
 * Runs `worker` in a child process the tests forked: starts it, reports its errors and `ready`
 * over IPC, and on a 'stop' message stops it, runs `close` (the process's tracker, store and
 * DataSource) and reports `stopped` before leaving.
 */
export function serveWorker(worker: Worker, close: () => Promise<void>): void {
  const send = (message: WorkerProcessMessage): void => void process.send?.(message);
  worker.events.on('error', (error: unknown) => send({ kind: 'error', message: error instanceof Error ? error.message : String(error) }));
  worker.start();
  send({ kind: 'ready' });
  process.on('message', (message: unknown) => {
    if (message !== 'stop') return;
    void (async () => {
      await worker.stop();
      await close();
      send({ kind: 'stopped' });
      process.disconnect?.();
      // Nothing should keep the process alive now; make sure of it.
      setTimeout(() => process.exit(0), 2000).unref();
    })();
  });
}
