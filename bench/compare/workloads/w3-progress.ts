import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { RunLedger } from '../lib/run-ledger.js';
import { percentile, perSecond } from '../lib/stats.js';
import { sleep, waitUntil } from '../lib/wait.js';
import { writesBaseline, type WorkloadContext } from './context.js';

export interface ProgressResult {
  calls: number;
  callsPerSec: number;
  /** Store writes for the whole one-job run (insert, claim, progress, completion). */
  writes: number;
  /** How far behind the newest reported value a poller was, over its reads during the run. */
  stalenessP50Ms: number;
  stalenessMaxMs: number;
  /** From the last progress call until a poller first read the final value. */
  finalVisibleMs: number;
}

const POLL_EVERY_MS = 10;

/**
 * W3: one job calls the system's progress API `calls` times as fast as it allows (awaiting it
 * when it returns a promise, yielding to the event loop every 100 calls), then keeps running
 * until a poller (same process, the system's read API) sees the final value.
 */
export async function runProgress(ctx: WorkloadContext, calls: number): Promise<ProgressResult> {
  const { env, system } = ctx;
  const baseline = await writesBaseline(ctx);
  const run = await system.create(env, 'default');
  const ledger = new RunLedger(1);
  const callTimes = new Float64Array(calls + 1);
  let made = 0;
  let jobId: string | null = null;
  let lastCallAt = Number.NaN;
  let finalSeenAt = Number.NaN;
  let callsMs = Number.NaN;
  let finished = false;
  const staleness: number[] = [];
  let closed = false;
  try {
    const worker = await run.startWorker({
      concurrency: 1,
      handler: async (payload, control) => {
        ledger.record(payload.i);
        const report = control.progress;
        if (!report) throw new Error(`${system.name} has no progress API`);
        jobId = control.id;
        const start = performance.now();
        for (let k = 1; k <= calls; k++) {
          callTimes[k] = performance.now();
          made = k;
          const pending = report(k / calls);
          if (pending) await pending;
          if (k % 100 === 0) await yieldToLoop();
        }
        lastCallAt = callTimes[calls]!;
        callsMs = lastCallAt - start;
        await waitUntil('the poller to see the final progress', () => !Number.isNaN(finalSeenAt), { timeoutMs: 10_000, everyMs: 5 });
      },
    });
    const poller = (async () => {
      while (!finished) {
        if (jobId !== null) {
          const askedAt = performance.now();
          const madeAtAsk = made;
          const value = await run.readProgress(jobId);
          const seen = value === null ? 0 : Math.round(value * calls);
          if (seen >= calls && Number.isNaN(finalSeenAt)) finalSeenAt = performance.now();
          if (Number.isNaN(lastCallAt) || askedAt < lastCallAt) {
            staleness.push(seen >= madeAtAsk ? 0 : askedAt - callTimes[seen + 1]!);
          }
        }
        await sleep(POLL_EVERY_MS);
      }
    })();
    await run.enqueue({ i: 0 });
    await waitUntil(`${system.name}: progress job completed`, async () => (await run.completedCount()) >= 1, {
      timeoutMs: 300_000,
      everyMs: 50,
    });
    finished = true;
    await poller;
    await worker.stop();
    await run.close();
    closed = true;
    ledger.verify(`${system.name} W3`);
    const writes = (await system.writes(env, run.ref)) - baseline;
    return {
      calls,
      callsPerSec: perSecond(calls, callsMs),
      writes,
      stalenessP50Ms: staleness.length ? percentile(staleness, 50) : 0,
      stalenessMaxMs: staleness.length ? Math.max(...staleness) : 0,
      finalVisibleMs: finalSeenAt - lastCallAt,
    };
  } finally {
    finished = true;
    if (!closed) await run.close().catch(() => {});
    await system.dispose(env, run.ref).catch(() => {});
  }
}
