import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FlowWorkerProcessConfig } from './flow-worker-process.js';
import type { WorkerProcessConfig, WorkerProcessMessage } from './worker-process.js';

const script = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const flowScript = fileURLToPath(new URL('./flow-worker-process.ts', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly workerId: string;
  /** Resolves once the worker runs. */
  readonly ready: Promise<void>;
  /** Stops the worker cleanly and waits for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL, no clean-up at all; resolves once the process is gone. */
  kill(): Promise<void>;
  readonly errors: string[];
}

/**
 * Forks a worker process. `onStarted` receives the ids its handler started, as they arrive.
 */
export function startWorkerProcess(config: WorkerProcessConfig, onStarted: (ids: string[]) => void): WorkerProcess {
  return forkWorker(script, config, onStarted);
}

/** Forks a flow-control worker process (see `flow-worker-process.ts`). */
export function startFlowWorkerProcess(config: FlowWorkerProcessConfig, onStarted: (ids: string[]) => void): WorkerProcess {
  return forkWorker(flowScript, config, onStarted);
}

function forkWorker(path: string, config: { workerId: string }, onStarted: (ids: string[]) => void): WorkerProcess {
  const child = fork(path, [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errors: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`worker ${config.workerId} exited before it was ready (${code ?? signal})`)));
    child.on('message', (message: WorkerProcessMessage) => {
      if (message.kind === 'ready') resolve();
      else if (message.kind === 'started') onStarted(message.ids);
      else if (message.kind === 'error') errors.push(message.message);
    });
  });
  ready.catch(() => undefined);
  return {
    child,
    workerId: config.workerId,
    ready,
    errors,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.connected) child.send('stop');
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
