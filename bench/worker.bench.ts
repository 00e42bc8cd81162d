/**
 * Worker throughput on the memory store: 10,000 no-op jobs at concurrency 10. This is the ceiling
 * the core logic allows before any database. Target (issue 3): >= 50,000 jobs/s.
 * Run: npm run bench:worker --workspace bench
 */
import { createTracker, createWorker, MemoryJobStore } from '@jobtrail/core';
import { hrMs, machine, median, table } from './lib/report.js';

const JOBS = 10_000;

async function run(): Promise<{ enqueuePerSec: number; processPerSec: number }> {
  const store = new MemoryJobStore();
  const tracker = createTracker({ store });
  let start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: JOBS }, (_, i) => tracker.enqueue('bench.noop', { i })));
  const enqueueMs = hrMs(start);
  const seen = new Set<number>();
  const worker = createWorker({
    tracker,
    concurrency: 10,
    batchSize: 10,
    handlers: { 'bench.noop': (ctx) => void seen.add((ctx.job.payload as { i: number }).i) },
  });
  start = process.hrtime.bigint();
  const summary = await worker.runOnce();
  const processMs = hrMs(start);
  if (summary.completed !== JOBS || seen.size !== JOBS) {
    throw new Error(`expected ${JOBS} jobs run exactly once; completed ${summary.completed}, distinct ${seen.size}`);
  }
  return { enqueuePerSec: (JOBS / enqueueMs) * 1000, processPerSec: (JOBS / processMs) * 1000 };
}

// Three warm-up runs: the first runs measure the JIT compiling the worker loop, not the loop.
for (let i = 0; i < 3; i++) await run();
const results = [];
for (let i = 0; i < 5; i++) results.push(await run());
const processPerSec = median(results.map((r) => r.processPerSec));
const enqueuePerSec = median(results.map((r) => r.enqueuePerSec));
console.log(`jobtrail worker benchmark, memory store (${machine()}), median of 5 runs, ${JOBS.toLocaleString('en-US')} no-op jobs, concurrency 10`);
console.log(
  table([
    { metric: 'enqueue jobs/s', value: Math.round(enqueuePerSec), target: '', ratio: '' },
    { metric: 'processing jobs/s', value: Math.round(processPerSec), target: '>= 50,000', ratio: `${(processPerSec / 50_000).toFixed(2)}x target` },
  ]),
);
