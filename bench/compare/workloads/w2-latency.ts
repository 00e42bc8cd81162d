import { RunLedger } from '../lib/run-ledger.js';
import { percentile } from '../lib/stats.js';
import { sleep, waitUntil } from '../lib/wait.js';
import type { SettingsMode } from '../systems/system.js';
import { CONCURRENCY, type WorkloadContext } from './context.js';

export interface LatencyResult {
  p50: number;
  p95: number;
  p99: number;
}

const WARM_UP = 10;

/**
 * W2: an idle worker; jobs enqueued one at a time at a steady rate. Latency = from calling the
 * system's enqueue to the handler starting (same process, monotonic clock).
 */
export async function runLatency(ctx: WorkloadContext, mode: SettingsMode): Promise<LatencyResult> {
  const { env, system, sizes } = ctx;
  const jobs = sizes.w2Jobs;
  const total = WARM_UP + jobs;
  const run = await system.create(env, mode);
  const ledger = new RunLedger(total);
  const enqueuedAt = new Float64Array(total);
  const startedAt = new Float64Array(total);
  try {
    const worker = await run.startWorker({
      concurrency: CONCURRENCY,
      handler: (payload) => {
        startedAt[payload.i] = performance.now();
        ledger.record(payload.i);
      },
    });
    const enqueue = async (i: number) => {
      enqueuedAt[i] = performance.now();
      await run.enqueue({ i });
    };
    // Warm-up: connections, prepared statements, JIT; not measured.
    for (let i = 0; i < WARM_UP; i++) await enqueue(i);
    await waitUntil(`${system.name}: warm-up jobs`, () => ledger.total >= WARM_UP, { timeoutMs: 60_000 });
    await sleep(500); // let the worker go idle

    const t0 = performance.now();
    for (let k = 0; k < jobs; k++) {
      const due = t0 + k * sizes.w2IntervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await enqueue(WARM_UP + k);
    }
    await waitUntil(`${system.name}: ${jobs} latency jobs started`, () => ledger.total >= total, { timeoutMs: 120_000 });
    await waitUntil(`${system.name}: latency jobs completed`, async () => (await run.completedCount()) >= total, {
      timeoutMs: 120_000,
      everyMs: 100,
    });
    await worker.stop();
    ledger.verify(`${system.name} W2 (${mode})`);
    const latencies = Array.from({ length: jobs }, (_, k) => startedAt[WARM_UP + k]! - enqueuedAt[WARM_UP + k]!);
    return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) };
  } finally {
    await run.close().catch(() => {});
    await system.dispose(env, run.ref).catch(() => {});
  }
}
