import { MemoryJobStore, type Job } from '@jobtrail/core';
import type { ClaimRequest, TypeControl } from '@jobtrail/core/store';
import { makeJob, makeTypeControl, uniqueName } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from './support/test-database.js';

/**
 * The flow claim against core's memory store, the reference: the same random jobs, limits and
 * claims on both, step by step, must lease the same jobs. Covers what the contract's examples do
 * not pin down one by one: limits combined, several types in one request under a total limit,
 * priorities, jobs not yet due, round-robin across claims, equal and earlier `now`s (a claimer
 * whose clock runs behind), limits changed between claims.
 */

let db: TestStore;

beforeAll(async () => {
  db = await createTestStore('flow_equivalence');
});

afterAll(async () => {
  await db.drop();
});

/** mulberry32: a small seeded generator, so a failing scenario can be replayed by its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Pick {
  int(min: number, max: number): number;
  one<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

function picker(seed: number): Pick {
  const next = random(seed);
  return {
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    one: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

/**
 * `intervalMs` is fixed per type: when it grows, the memory store has kept the starts of the old
 * window and PostgreSQL of two, so they would count differently for a while by design.
 */
function randomLimits(pick: Pick, rated: boolean, intervalMs: number): Partial<TypeControl> {
  return {
    maxRunning: pick.chance(0.5) ? pick.int(1, 6) : null,
    maxRunningPerGroup: pick.chance(0.4) ? pick.int(1, 3) : null,
    rateLimit: rated && pick.chance(0.4) ? { limit: pick.int(1, 5), intervalMs, perGroup: pick.chance(0.5) } : null,
    paused: pick.chance(0.1),
  };
}

const ids = (jobs: readonly Job[]) => jobs.map((job) => job.id).sort();

async function runScenario(seed: number): Promise<void> {
  const pick = picker(seed);
  const memory = new MemoryJobStore();
  const postgres = db.store;
  const both = async <T>(call: (store: MemoryJobStore | typeof postgres) => Promise<T>): Promise<[T, T]> => [await call(memory), await call(postgres)];
  const base = Date.now() - 3_600_000;
  const types = Array.from({ length: pick.int(1, 3) }, (_, i) => uniqueName(`eq${seed}.t${i}`));
  const intervals = new Map(types.map((type) => [type, pick.int(1, 4) * 1000]));
  // Jobs without a group twice as often as any one group; few groups, or more than a claim takes.
  const groups = [null, null, ...Array.from({ length: pick.one([1, 4, 12]) }, (_, i) => `g${i}`)];
  // Some scenarios have claims whose clock runs behind an earlier one's (groups whose latest start
  // lies after \`now\`), and no rate limits: the memory store forgets starts a window older than
  // the latest \`now\` it saw, which a claim running behind would still count (PostgreSQL keeps two
  // windows), so the two would differ there by design.
  const skewed = pick.chance(0.3);

  for (const type of types) {
    const count = pick.int(3, 25);
    for (let i = 0; i < count; i++) {
      const running = pick.chance(0.1);
      const job = makeJob({
        type,
        group: pick.one(groups),
        priority: pick.one([0, 0, 0, 1, 5]),
        runAt: new Date(base + pick.int(-5_000, 4_000)),
        ...(running ? { status: 'running' as const, attempt: 1, lease: { owner: 'other', expiresAt: new Date(base + 600_000) }, startedAt: new Date(base - 1) } : {}),
      });
      await both((store) => store.insert(job));
    }
    if (pick.chance(0.85)) {
      const control = makeTypeControl({ type, ...randomLimits(pick, !skewed, intervals.get(type)!), version: 1 });
      await both((store) => store.putTypeControl(control, null));
    }
  }

  let now = base;
  for (let step = 0; step < 12; step++) {
    now += pick.one(skewed ? [0, 1, 250, 1_000, -400, -1_200] : [0, 0, 1, 250, 700, 1_000, 1_500]);
    const requested = types.filter(() => pick.chance(0.8));
    const request: ClaimRequest = {
      owner: `w${step}`,
      now: new Date(now),
      leaseExpiresAt: new Date(now + 600_000),
      limits: Object.fromEntries(requested.map((type) => [type, pick.int(1, 6)])),
      limit: pick.int(1, 10),
    };
    const [fromMemory, fromPostgres] = await both((store) => store.claim(request));
    expect(ids(fromPostgres), `seed ${seed}, step ${step}: ${JSON.stringify(request.limits)} limit ${request.limit}`).toEqual(ids(fromMemory));

    // Finish some of what runs, as workers would.
    for (const job of fromMemory) {
      if (!pick.chance(0.5)) continue;
      const at = new Date(now);
      await both((store) => store.transition(job.id, { status: 'running' }, { status: 'completed', lease: null, finishedAt: at, updatedAt: at }));
    }
    if (pick.chance(0.15)) {
      const type = pick.one(types);
      const current = await memory.getTypeControl(type);
      const next = makeTypeControl({ ...(current ?? {}), type, ...randomLimits(pick, !skewed, intervals.get(type)!), version: (current?.version ?? 0) + 1 });
      const [a, b] = await both((store) => store.putTypeControl(next, current?.version ?? null));
      expect(b).toEqual(a);
    }
  }
  for (const type of types) {
    const control = await memory.getTypeControl(type);
    const since = new Date(now - (control?.rateLimit?.intervalMs ?? 1000));
    const [a, b] = await both((store) => store.countStarts(type, since));
    expect(b, `seed ${seed}: starts of ${type}`).toBe(a);
  }
}

describe('the flow claim leases what the memory store leases', () => {
  // FLOW_EQUIVALENCE_SCENARIOS=1500 runs more (all 1,500 passed when the claim was written).
  const scenarios = Number(process.env['FLOW_EQUIVALENCE_SCENARIOS'] ?? 60);
  it(`over ${scenarios} random scenarios`, async () => {
    for (let seed = 1; seed <= scenarios; seed++) await runScenario(seed);
  }, scenarios * 2_000);
});
