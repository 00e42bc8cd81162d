/**
 * track() overhead per no-op job on the memory store, and ctx.progress calls/s with coalescing.
 * Targets (issue 2): <= 20 µs per tracked no-op job, >= 100,000 progress calls/s.
 * Run: npm run bench:core --workspace bench
 */
import { createTracker, MemoryJobStore } from '@jobtrail/core';
import { hrMs, machine, median, table } from './lib/report.js';

const JOBS = 20_000;
const PROGRESS_CALLS = 1_000_000;

async function trackOverhead(): Promise<{ usPerJob: number; baselineUs: number }> {
  const tracker = createTracker({ store: new MemoryJobStore() });
  const work = async (n: number) => n + 1;
  for (let i = 0; i < 2000; i++) await tracker.track('bench.noop', () => work(i));
  let start = process.hrtime.bigint();
  for (let i = 0; i < JOBS; i++) await work(i);
  const baselineMs = hrMs(start);
  start = process.hrtime.bigint();
  for (let i = 0; i < JOBS; i++) await tracker.track('bench.noop', () => work(i));
  const trackedMs = hrMs(start);
  await tracker.close();
  return { usPerJob: ((trackedMs - baselineMs) * 1000) / JOBS, baselineUs: (baselineMs * 1000) / JOBS };
}

async function progressRate(): Promise<{ callsPerSec: number; writes: number }> {
  const store = new MemoryJobStore();
  let writes = 0;
  const original = store.updateProgress.bind(store);
  store.updateProgress = (...args) => {
    writes += 1;
    return original(...args);
  };
  const tracker = createTracker({ store, progressIntervalMs: 250 });
  let elapsed = 0;
  await tracker.track('bench.progress', async (ctx) => {
    const start = process.hrtime.bigint();
    for (let i = 1; i <= PROGRESS_CALLS; i++) {
      ctx.progress(i / PROGRESS_CALLS, 'Processing rows');
      if (i % 50_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    elapsed = hrMs(start);
  });
  await tracker.close();
  return { callsPerSec: (PROGRESS_CALLS / elapsed) * 1000, writes };
}

const overhead: number[] = [];
const rates: number[] = [];
let writes = 0;
for (let run = 0; run < 5; run++) {
  overhead.push((await trackOverhead()).usPerJob);
  const rate = await progressRate();
  rates.push(rate.callsPerSec);
  writes = rate.writes;
}
const usPerJob = median(overhead);
const callsPerSec = median(rates);
console.log(`jobtrail core benchmark (${machine()}), median of 5 runs`);
console.log(
  table([
    { metric: 'track() overhead per no-op job', value: `${usPerJob.toFixed(2)} µs`, target: '<= 20 µs', ratio: `${(20 / usPerJob).toFixed(1)}x better` },
    { metric: 'ctx.progress calls/s (coalesced)', value: Math.round(callsPerSec), target: '>= 100,000', ratio: `${(callsPerSec / 100_000).toFixed(1)}x target` },
    { metric: `store writes for ${PROGRESS_CALLS.toLocaleString('en-US')} progress calls`, value: writes, target: '1 per 250 ms', ratio: '' },
  ]),
);
