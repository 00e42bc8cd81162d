import { fork, type ChildProcess } from 'node:child_process';
import { isWorkerReady, type SupervisorMessage } from './worker-messages.js';

export interface WorkerStatus {
  state: 'starting' | 'running' | 'restarting' | 'stopped';
  pid: number | null;
  restarts: number;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
}

export interface WorkerSupervisorOptions {
  /** The worker entry point (dist/server/worker-process.js). */
  script: string;
  env: NodeJS.ProcessEnv;
  /** Called for each new child before it starts, e.g. to serve the memory store to it. */
  onSpawn?: (child: ChildProcess) => void;
  log: (line: string) => void;
  /** How long stop() waits for a graceful exit before SIGKILL. */
  stopTimeoutMs?: number;
}

const FIRST_RESTART_DELAY_MS = 300;
const MAX_RESTART_DELAY_MS = 5_000;
/** A worker that lived this long is healthy again: its next crash restarts it at once. */
const STABLE_AFTER_MS = 10_000;

/**
 * Runs the worker in a child process and restarts it whenever it dies, like a process manager
 * would. The demo's "Crash worker" job kills that child with SIGKILL to show recovery.
 */
export class WorkerSupervisor {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restartDelay = FIRST_RESTART_DELAY_MS;
  private restartTimer: NodeJS.Timeout | null = null;
  private readyWaiters: Array<() => void> = [];
  private current: WorkerStatus = { state: 'stopped', pid: null, restarts: 0, lastExit: null };

  constructor(private readonly options: WorkerSupervisorOptions) {}

  status(): WorkerStatus {
    return { ...this.current };
  }

  /** Starts the worker and resolves once it reported ready. */
  start(): Promise<void> {
    this.stopping = false;
    const ready = this.nextReady();
    this.spawn();
    return ready;
  }

  /** Resolves the next time a worker (this one or a restarted one) reports ready. */
  nextReady(): Promise<void> {
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** kill -9 the current worker; the supervisor restarts it. */
  crash(): boolean {
    return this.child?.kill('SIGKILL') ?? false;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.current = { ...this.current, state: 'stopped', pid: null };
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.send({ kind: 'worker-shutdown' } satisfies SupervisorMessage, (error) => void error);
    else child.kill('SIGTERM');
    const timeout = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs ?? 15_000);
    await exited;
    clearTimeout(timeout);
  }

  private spawn(): void {
    this.current = { ...this.current, state: this.current.restarts > 0 ? 'restarting' : 'starting', pid: null };
    const child = fork(this.options.script, [], {
      env: this.options.env,
      // Dates in jobs cross the IPC channel as Dates (the memory store is served over it).
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    const startedAt = Date.now();
    this.options.onSpawn?.(child);

    child.on('message', (message) => {
      if (!isWorkerReady(message)) return;
      this.current = { ...this.current, state: 'running', pid: message.pid };
      this.options.log(`worker pid ${message.pid} ready`);
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      for (const resolve of waiters) resolve();
    });

    child.once('exit', (code, signal) => {
      this.child = null;
      const lastExit = { code, signal, at: new Date().toISOString() };
      if (this.stopping) {
        this.current = { ...this.current, state: 'stopped', pid: null, lastExit };
        return;
      }
      if (Date.now() - startedAt > STABLE_AFTER_MS) this.restartDelay = FIRST_RESTART_DELAY_MS;
      const delay = this.restartDelay;
      this.restartDelay = Math.min(MAX_RESTART_DELAY_MS, this.restartDelay * 2);
      this.current = { ...this.current, state: 'restarting', pid: null, lastExit, restarts: this.current.restarts + 1 };
      this.options.log(
        `worker pid ${child.pid} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`,
      );
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (!this.stopping) this.spawn();
      }, delay);
    });
  }
}
