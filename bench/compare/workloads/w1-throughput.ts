import { RunLedger } from '../lib/run-ledger.js';
import { perSecond } from '../lib/stats.js';
import { waitUntil } from '../lib/wait.js';
import { CONCURRENCY, writesBaseline, type WorkloadContext } from './context.js';

export interface ThroughputResult {
  enqueuePerSec: number;
  processPerSec: number;
  writesPerJob: number;
}

/** Jobs of the `--warmup` batch. */
export const W1_WARMUP_JOBS = 100;

/**
 * With `--warmup` (off by default: the published figure is the cold first call), the same for
 * every system before its timed run: a scratch run of its own (fresh schema or queue, dropped
 * at once) takes one batch of W1_WARMUP_JOBS through the same batch API, so the timed call finds
 * the system's code loaded and compiled once, but its own pool and table as fresh as without.
 */
async function warmUp(ctx: WorkloadContext): Promise<void> {
  const { env, system } = ctx;
  const scratch = await system.create(env, 'default');
  try {
    await scratch.enqueueMany(Array.from({ length: W1_WARMUP_JOBS }, (_, i) => ({ i })));
  } finally {
    await scratch.close().catch(() => {});
    await system.dispose(env, scratch.ref).catch(() => {});
  }
}

/**
 * W1: bulk-enqueue N no-op jobs, then one worker at concurrency 10 processes them. Processing
 * time runs from starting the worker until the store (not the handler) reports all N completed.
 */
export async function runThroughput(ctx: WorkloadContext, warmup = false): Promise<ThroughputResult> {
  const { env, system, sizes } = ctx;
  if (warmup) await warmUp(ctx);
  const jobs = sizes.w1Jobs;
  const baseline = await writesBaseline(ctx);
  const run = await system.create(env, 'default');
  const ledger = new RunLedger(jobs);
  let closed = false;
  try {
    const payloads = Array.from({ length: jobs }, (_, i) => ({ i }));
    let start = performance.now();
    await run.enqueueMany(payloads);
    const enqueueMs = performance.now() - start;

    start = performance.now();
    const worker = await run.startWorker({ concurrency: CONCURRENCY, handler: (payload) => ledger.record(payload.i) });
    await waitUntil(`${system.name}: ${jobs} jobs completed`, async () => (await run.completedCount()) >= jobs, {
      timeoutMs: 600_000,
      everyMs: 25,
    });
    const processMs = performance.now() - start;
    await worker.stop();
    await run.close();
    closed = true;
    ledger.verify(`${system.name} W1`);
    const writes = (await system.writes(env, run.ref)) - baseline;
    return { enqueuePerSec: perSecond(jobs, enqueueMs), processPerSec: perSecond(jobs, processMs), writesPerJob: writes / jobs };
  } finally {
    if (!closed) await run.close().catch(() => {});
    await system.dispose(env, run.ref).catch(() => {});
  }
}
