import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RunLedger } from '../lib/run-ledger.js';
import { perSecond } from '../lib/stats.js';
import { waitUntil } from '../lib/wait.js';
import { CONCURRENCY, type WorkloadContext } from './context.js';

const CHILD = fileURLToPath(new URL('../child/worker-child.ts', import.meta.url));

export interface ScaleOutResult {
  processes: number;
  processPerSec: number;
}

/**
 * W4: N jobs enqueued up front, then `processes` worker child processes (concurrency 10 each) on
 * the same database. Timed from `go` until the store reports all N completed.
 */
export async function runScaleOut(ctx: WorkloadContext, processes: number): Promise<ScaleOutResult> {
  const { env, system, sizes } = ctx;
  const jobs = sizes.w4Jobs;
  const run = await system.create(env, 'default');
  const ledger = new RunLedger(jobs);
  const children: ChildProcess[] = [];
  try {
    await run.enqueueMany(Array.from({ length: jobs }, (_, i) => ({ i })));
    const childEnv = { postgresUrl: env.postgresUrl, redis: env.redis };
    const ready: Promise<void>[] = [];
    for (let n = 0; n < processes; n++) {
      const child = fork(CHILD, [JSON.stringify({ systemKey: ctx.systemKey, env: childEnv, ref: run.ref, concurrency: CONCURRENCY })], {
        execArgv: process.execArgv.length ? process.execArgv : ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      ready.push(
        new Promise((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`${system.name} worker child exited early (${code})`)));
          child.once('message', () => resolve());
        }),
      );
    }
    await Promise.all(ready);
    const start = performance.now();
    for (const child of children) child.send({ type: 'go' });
    await waitUntil(`${system.name}: ${jobs} jobs completed by ${processes} processes`, async () => (await run.completedCount()) >= jobs, {
      timeoutMs: 600_000,
      everyMs: 25,
    });
    const ms = performance.now() - start;
    const reports = children.map(
      (child) =>
        new Promise<number[]>((resolve, reject) => {
          child.removeAllListeners('exit');
          child.once('exit', (code) => reject(new Error(`${system.name} worker child exited (${code}) before reporting`)));
          child.on('message', (message: { type: string; ran?: number[] }) => {
            if (message.type === 'ran') resolve(message.ran ?? []);
          });
        }),
    );
    for (const child of children) child.send({ type: 'stop' });
    for (const ran of await Promise.all(reports)) ledger.recordAll(ran);
    ledger.verify(`${system.name} W4 (${processes} processes)`);
    return { processes, processPerSec: perSecond(jobs, ms) };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await run.close().catch(() => {});
    await system.dispose(env, run.ref).catch(() => {});
  }
}
