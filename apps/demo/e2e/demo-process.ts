import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface DemoProcessOptions {
  store: 'postgres' | 'memory';
  /** Data folder for the embedded PostgreSQL (a fresh one per run keeps runs independent). */
  dataDir?: string;
  /** Everything the demo prints goes here, for reading after a failure. */
  logFile: string;
  /** How long start-up (PostgreSQL, migrations, worker) may take. */
  readyTimeoutMs?: number;
}

export interface DemoProcess {
  url: string;
  pid: number;
  /** What the demo printed so far. */
  output(): string;
  /** SIGTERM, then SIGKILL to the whole process group (worker, PostgreSQL) if it lingers. */
  stop(): Promise<void>;
}

const READY_LINE = /\[demo\] ready on (http:\/\/\S+)/;

/**
 * Runs the built demo (`node dist/server/main.js`) on a free port, as its own process group so
 * that nothing it started — the worker process, the embedded PostgreSQL — can outlive the test.
 */
export async function startDemoProcess(options: DemoProcessOptions): Promise<DemoProcess> {
  const args = ['dist/server/main.js', '--port', '0', '--store', options.store, '--traces', 'console'];
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  const env = { ...process.env };
  delete env['PORT'];
  const child = spawn(process.execPath, args, { cwd: APP_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(options.logFile);
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    log.write(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  // If the test runner itself dies, take the demo down with it.
  const killGroup = () => killProcessGroup(child, 'SIGKILL');
  process.once('exit', killGroup);

  const stop = async () => {
    process.off('exit', killGroup);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = waitForExit(child);
      child.kill('SIGTERM');
      const clean = await Promise.race([exited.then(() => true), delay(30_000).then(() => false)]);
      if (!clean) output += '\n[e2e] demo did not stop within 30 s after SIGTERM; killing its process group\n';
    }
    // Anything of the group still alive (only after an unclean stop) goes now.
    killProcessGroup(child, 'SIGKILL');
    await new Promise<void>((resolve) => log.end(resolve));
  };

  try {
    const url = await waitForReady(child, () => output, options.readyTimeoutMs ?? 150_000);
    await waitForHealth(url, 60_000);
    return { url, pid: child.pid!, output: () => output, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- demo output ---\n${output.slice(-4_000)}`);
  }
}

function waitForReady(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`the demo did not print its ready line within ${timeoutMs} ms`)), timeoutMs);
    const onData = () => {
      const match = READY_LINE.exec(output());
      if (match) finish(null, match[1]);
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`the demo exited during start-up (${signal ?? `code ${code}`})`));
    const finish = (error: Error | null, url?: string) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(url!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    onData();
  });
}

/** The worker process reports ready to the server; /health says so. */
async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/api/demo/health`);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await delay(250);
  }
  throw new Error(`the demo was not healthy within ${timeoutMs} ms (last: ${last})`);
}

function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function killProcessGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
