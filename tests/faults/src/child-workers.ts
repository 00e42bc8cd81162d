import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildOptions } from './worker-child.js';

const CHILD = fileURLToPath(new URL('./worker-child.ts', import.meta.url));

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

  async spawn(options: ChildOptions): Promise<ChildWorker> {
    const child = fork(CHILD, [JSON.stringify(options)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`worker child exited before ready (${code ?? signal})`)));
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

  /** Resolves when `check` holds over the messages so far; rejects after `timeoutMs`. */
  waitFor(what: string, check: (messages: readonly ChildMessage[]) => boolean, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const test = () => {
        if (!check(this.messages)) return;
        cleanUp();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanUp();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanUp = () => {
        clearTimeout(timer);
        this.listeners.delete(test);
      };
      this.listeners.add(test);
      test();
    });
  }

  runs(): Array<Extract<ChildMessage, { type: 'run' }>> {
    return this.messages.filter((m): m is Extract<ChildMessage, { type: 'run' }> => m.type === 'run');
  }

  /** Graceful stop of the live ones; kill -9 of anything still there after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    const live = this.children.filter((c) => c.process.exitCode === null && c.process.signalCode === null);
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
    for (const child of live) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await Promise.all(live.map((c) => c.exited));
  }
}
