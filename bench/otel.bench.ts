/**
 * What @jobtrail/otel costs per job. Issue 6: with no SDK registered, instrumentation adds no
 * errors and negligible overhead. Measured for track() (a span per tracked job) and for queued
 * jobs (send span at enqueue + process span per attempt), interleaving plain and instrumented
 * runs so machine noise hits both alike; plus, for scale, the cost with a recording SDK.
 * Run: npm run bench:otel --workspace bench
 */
import { createTracker, createWorker, MemoryJobStore, type JobTelemetry } from '@jobtrail/core';
import { jobtrailTelemetry } from '@jobtrail/otel';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { hrMs, machine, table } from './lib/report.js';

const BLOCK = 1000;
const ROUNDS = 20;
const RUNS = 5;

/** Drops every span: measures the SDK's recording cost without any I/O. */
const discard: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const recordingProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] });

type Variant = 'plain' | 'no SDK' | 'recording SDK';
const variants: Variant[] = ['plain', 'no SDK', 'recording SDK'];

function telemetryFor(variant: Variant): JobTelemetry | undefined {
  if (variant === 'plain') return undefined;
  return jobtrailTelemetry(variant === 'recording SDK' ? { tracerProvider: recordingProvider } : {});
}

/**
 * µs per job for each variant, measured in alternating blocks of BLOCK jobs so that load changes
 * on a shared machine hit every variant alike.
 */
async function pairedUs(runBlock: (variant: Variant) => Promise<number>): Promise<Record<Variant, number>> {
  const totals: Record<Variant, number> = { plain: 0, 'no SDK': 0, 'recording SDK': 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) totals[variant] += await runBlock(variant);
  }
  return {
    plain: (totals.plain * 1000) / (ROUNDS * BLOCK),
    'no SDK': (totals['no SDK'] * 1000) / (ROUNDS * BLOCK),
    'recording SDK': (totals['recording SDK'] * 1000) / (ROUNDS * BLOCK),
  };
}

function trackers() {
  return Object.fromEntries(
    variants.map((variant) => {
      const telemetry = telemetryFor(variant);
      return [variant, createTracker({ store: new MemoryJobStore(), ...(telemetry ? { telemetry } : {}) })];
    }),
  ) as Record<Variant, ReturnType<typeof createTracker>>;
}

async function trackUs(): Promise<Record<Variant, number>> {
  const byVariant = trackers();
  const work = async (n: number) => n + 1;
  for (const tracker of Object.values(byVariant)) {
    for (let i = 0; i < 2000; i++) await tracker.track('bench.noop', () => work(i));
  }
  const result = await pairedUs(async (variant) => {
    const tracker = byVariant[variant];
    const start = process.hrtime.bigint();
    for (let i = 0; i < BLOCK; i++) await tracker.track('bench.noop', () => work(i));
    return hrMs(start);
  });
  await Promise.all(Object.values(byVariant).map((tracker) => tracker.close()));
  return result;
}

async function queuedUs(): Promise<Record<Variant, number>> {
  const byVariant = trackers();
  const workers = Object.fromEntries(
    variants.map((variant) => [
      variant,
      createWorker({ tracker: byVariant[variant], concurrency: 10, batchSize: 10, handlers: { 'bench.noop': () => undefined } }),
    ]),
  ) as Record<Variant, ReturnType<typeof createWorker>>;
  return pairedUs(async (variant) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < BLOCK; i++) await byVariant[variant].enqueue('bench.noop', i);
    const summary = await workers[variant].runOnce();
    const ms = hrMs(start);
    if (summary.completed !== BLOCK) throw new Error(`expected ${BLOCK} completed jobs, got ${summary.completed}`);
    return ms;
  });
}

/**
 * The hooks alone, called the way the tracker calls them for one track() job: far less noisy than
 * the end-to-end difference on a busy machine.
 */
async function hooksUs(variant: Exclude<Variant, 'plain'>): Promise<number> {
  const telemetry = telemetryFor(variant)!;
  const job = await createTracker({ store: new MemoryJobStore() }).create('bench.noop');
  const running = { ...job, status: 'running' as const, attempt: 1 };
  const once = () => {
    telemetry.onCreate?.(running)?.end({ job: running, created: true });
    const attempt = telemetry.onAttempt?.(running, { mode: 'inline' });
    attempt?.run(() => 1);
    attempt?.end({ status: 'completed', kind: 'completed', job: running });
  };
  for (let i = 0; i < 20_000; i++) once();
  const start = process.hrtime.bigint();
  for (let i = 0; i < 200_000; i++) once();
  return (hrMs(start) * 1000) / 200_000;
}

const tracked: Record<Variant, number[]> = { plain: [], 'no SDK': [], 'recording SDK': [] };
const queued: Record<Variant, number[]> = { plain: [], 'no SDK': [], 'recording SDK': [] };
for (let run = 0; run < RUNS; run++) {
  const trackRun = await trackUs();
  const queueRun = await queuedUs();
  for (const variant of variants) {
    tracked[variant].push(trackRun[variant]);
    queued[variant].push(queueRun[variant]);
  }
}

/** Best of the runs: on a shared machine, noise only ever adds time. */
const best = (samples: number[]): number => Math.min(...samples);

const row = (what: string, samples: Record<Variant, number[]>, variant: Variant) => {
  const us = best(samples[variant]);
  const base = best(samples.plain);
  return {
    metric: `${what}, ${variant}`,
    'µs per job': us.toFixed(2),
    'added µs': variant === 'plain' ? '' : (us - base).toFixed(2),
    'ratio to plain': (us / base).toFixed(2),
  };
};
console.log(`@jobtrail/otel overhead (${machine()}), best of ${RUNS} runs of ${ROUNDS} alternating blocks of ${BLOCK} jobs`);
console.log(
  table([
    ...variants.map((v) => row(`track() no-op job`, tracked, v)),
    ...variants.map((v) => row(`enqueue + worker no-op job`, queued, v)),
  ]),
);
const hooks = { 'no SDK': [] as number[], 'recording SDK': [] as number[] };
for (let run = 0; run < RUNS; run++) {
  hooks['no SDK'].push(await hooksUs('no SDK'));
  hooks['recording SDK'].push(await hooksUs('recording SDK'));
}
console.log(
  `\nthe telemetry hooks of one track() job alone: ${best(hooks['no SDK']).toFixed(2)} µs with no SDK, ` +
    `${best(hooks['recording SDK']).toFixed(2)} µs with a recording SDK`,
);
const noSdkRatio = best(tracked['no SDK']) / best(tracked.plain);
console.log(`\ntrack() with @jobtrail/otel and no SDK registered: ${noSdkRatio.toFixed(2)}x the uninstrumented cost`);
await recordingProvider.shutdown();
