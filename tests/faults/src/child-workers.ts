import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TrackerChildMessage, TrackerChildOptions } from './tracker-child.js';
import type { ChildMessage as WorkerChildMessage, ChildOptions } from './worker-child.js';

const WORKER_CHILD = fileURLToPath(new URL('./worker-child.ts', import.meta.url));
const TRACKER_CHILD = fileURLToPath(new URL('./tracker-child.ts', import.meta.url));

export type ChildMessage = WorkerChildMessage | TrackerChildMessage;
/** Loaded first in a child with `skewMs`: shifts its wall clock (see skew-clock.ts). */
const SKEW_CLOCK = new URL('./skew-clock.ts', import.meta.url).href;

export interface ChildWorker {
  process: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

/**
 * Starts worker child processes and gathers what they report in one place, so tests can wait on
 * conditions ("every job ran", "this process settled that job") instead of on time.
 */
export class ChildWorkers {
  readonly messages: ChildMessage[] = [];
  readonly children: ChildWorker[] = [];
  private readonly listeners = new Set<() => void>();

  /** A worker process (worker-child.ts). */
  spawn(options: ChildOptions): Promise<ChildWorker> {
    const skewed = options.skewMs !== undefined && options.skewMs !== 0;
    return this.fork(WORKER_CHILD, options, {
      execArgv: ['--import', 'tsx', ...(skewed ? ['--import', SKEW_CLOCK] : [])],
      ...(skewed ? { env: { ...process.env, SKEW_MS: String(options.skewMs) } } : {}),
    });
  }

  /** A process that only tracks, with no worker (tracker-child.ts). */
  spawnTracker(options: TrackerChildOptions): Promise<ChildWorker> {
    return this.fork(TRACKER_CHILD, options, { execArgv: ['--import', 'tsx'] });
  }

  private async fork(script: string, options: object, settings: Pick<ForkOptions, 'execArgv' | 'env'>): Promise<ChildWorker> {
    const child = fork(script, [JSON.stringify(options)], { ...settings, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`child process exited before ready (${code ?? signal})`)));
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') resolve(message.pid);
        this.messages.push(message);
        for (const listener of this.listeners) listener();
      });
    });
    const worker = { process: child, pid, exited };
    this.children.push(worker);
    return worker;
  }

  /**
   * Resolves when `check` holds over the messages so far; rejects after `timeoutMs`, or as soon as
   * one of `alive` exits (a process the condition depends on died: waiting longer is pointless).
   */
  waitFor(
    what: string,
    check: (messages: readonly ChildMessage[]) => boolean,
    timeoutMs = 60_000,
    alive: readonly ChildWorker[] = [],
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let done = false;
      const test = () => {
        if (done || !check(this.messages)) return;
        cleanUp();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanUp();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanUp = () => {
        done = true;
        clearTimeout(timer);
        this.listeners.delete(test);
      };
      for (const child of alive) {
        void child.exited.then(() => {
          if (done) return;
          cleanUp();
          reject(new Error(`process ${child.pid} exited (${exitOf(child)}) while waiting for ${what}`));
        });
      }
      this.listeners.add(test);
      test();
    });
  }

  runs(): Array<Extract<ChildMessage, { type: 'run' }>> {
    return this.messages.filter((m): m is Extract<ChildMessage, { type: 'run' }> => m.type === 'run');
  }

  /** Handler runs per job number (payload `n`), in the order reported; only `pids`' when given. */
  runsByJob(pids?: ReadonlySet<number>): Map<number, Array<{ pid: number; attempt: number }>> {
    const byJob = new Map<number, Array<{ pid: number; attempt: number }>>();
    for (const run of this.runs()) {
      if (pids && !pids.has(run.pid)) continue;
      const list = byJob.get(run.n) ?? [];
      list.push({ pid: run.pid, attempt: run.attempt });
      byJob.set(run.n, list);
    }
    return byJob;
  }

  /** Graceful stop of the live ones; kill -9 of anything still there after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    const live = this.children.filter((c) => exitOf(c) === null);
    for (const child of live) {
      try {
        process.kill(child.pid, 'SIGCONT');
      } catch {
        // already gone
      }
      try {
        child.process.send({ type: 'stop' });
      } catch {
        // its IPC channel is gone: the kill below handles it
      }
    }
    await Promise.race([Promise.all(live.map((c) => c.exited)), new Promise((r) => setTimeout(r, graceMs))]);
    for (const child of live) if (exitOf(child) === null) child.process.kill('SIGKILL');
    await Promise.all(live.map((c) => c.exited));
  }
}

/** How a child process ended ("code 0", "signal SIGKILL"), or null while it runs. */
export function exitOf(child: ChildWorker): string | null {
  const { exitCode, signalCode } = child.process;
  if (exitCode !== null) return `code ${exitCode}`;
  if (signalCode !== null) return `signal ${signalCode}`;
  return null;
}

/** Throws when the child process is gone: a worker-only process must outlive a database outage. */
export function assertAlive(child: ChildWorker, when: string): void {
  const exit = exitOf(child);
  if (exit !== null) throw new Error(`process ${child.pid} exited (${exit}) ${when}`);
}

/** Sends a message; answers false instead of throwing when the child is gone. */
export function tell(child: ChildWorker, message: object): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      child.process.send(message, (error) => resolve(error === null || error === undefined));
    } catch {
      resolve(false);
    }
  });
}
