import type { StoreWakeEvent } from '@jobtrail/core/store';
import type { ClaimRequest, TypeControl } from '@jobtrail/core/store';
import { makeJob, makeTypeControl, uniqueName } from '@jobtrail/core/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { connectionString, createTestStore, type TestStore } from './support/test-database.js';

/**
 * What the PostgreSQL store adds to the flow-control contract: the choice between the plain and
 * the flow claim (a cache that is never needed for correctness), wake-ups of other processes'
 * stores, the starts it keeps, and compare-and-set under concurrent writers.
 */

let db: TestStore;
/** A second store on its own pool, without LISTEN: stands in for another process that hears nothing. */
let otherSource: DataSource;
let other: PostgresJobStore;

beforeAll(async () => {
  db = await createTestStore('flow_control');
  otherSource = await new DataSource({ type: 'postgres', url: connectionString(), schema: db.schema, poolSize: 4 }).initialize();
  other = new PostgresJobStore({ dataSource: otherSource, listen: false });
});

afterAll(async () => {
  await other.close();
  await otherSource.destroy();
  await db.drop();
});

function request(limits: Record<string, number>, limit = 100, now = Date.now()): ClaimRequest {
  return { owner: uniqueName('w'), now: new Date(now), leaseExpiresAt: new Date(now + 60_000), limits, limit };
}

async function enqueue(type: string, count: number, fields: Parameters<typeof makeJob>[0] = {}): Promise<void> {
  for (let i = 0; i < count; i++) await db.store.insert(makeJob({ type, runAt: new Date(Date.now() - 60_000 + i), ...fields }));
}

async function control(store: PostgresJobStore, type: string, fields: Partial<TypeControl>): Promise<void> {
  const current = await store.getTypeControl(type);
  const written = await store.putTypeControl(
    makeTypeControl({ ...(current ?? {}), type, ...fields, version: (current?.version ?? Date.now()) + 1 }),
    current?.version ?? null,
  );
  expect(written).toEqual({ ok: true });
}

describe('what PostgreSQL refuses in a type control', () => {
  it('names the control, not a job, when the database refuses a value (the raw store, unguarded)', async () => {
    await expect(db.store.putTypeControl(makeTypeControl({ type: 'a\u0000b' }), null)).rejects.toMatchObject({ code: 'invalid_input', field: 'control' });
  });
});

describe('choosing the claim', () => {
  it("never takes a controlled type's jobs on the plain claim, even before this process heard of its limits", async () => {
    const type = uniqueName('flow.stale');
    await enqueue(type, 6);
    // The other store has read the (empty) set of controlled types and hears of no change.
    expect(await other.claim(request({ [uniqueName('flow.none')]: 1 }))).toEqual([]);
    await control(db.store, type, { paused: true });
    expect(await other.claim(request({ [type]: 5 }))).toEqual([]);
    await control(db.store, type, { paused: false, maxRunning: 2 });
    // Whichever claim it chose (its set may be stale either way), never more than the limit.
    const claimed = [...(await other.claim(request({ [type]: 5 }))), ...(await other.claim(request({ [type]: 5 })))];
    expect(claimed.length).toBeLessThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Read again (older than a second): the flow claim takes what the limit allows.
    expect([...claimed, ...(await other.claim(request({ [type]: 5 })))]).toHaveLength(2);
    // Cleared: the flow claim (its set now stale the other way) claims the type as without limits.
    await control(db.store, type, { maxRunning: null });
    expect(await other.claim(request({ [type]: 5 }))).toHaveLength(4);
  });

  it("wakes a subscribed store of another process for the type when limits are written, and its next claim honours them", async () => {
    // Enqueued before the other store listens: the only wake-up it can hear for the type is the limits write's.
    const type = uniqueName('flow.heard');
    await enqueue(type, 5);
    const listeningSource = await new DataSource({ type: 'postgres', url: connectionString(), schema: db.schema, poolSize: 2 }).initialize();
    const listening = new PostgresJobStore({ dataSource: listeningSource, fallbackPollMs: 3_600_000 });
    const events: StoreWakeEvent[] = [];
    const unsubscribe = listening.subscribe((event) => events.push(event));
    try {
      for (let i = 0; i < 250 && listening.listener.state !== 'listening'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await listening.claim(request({ [uniqueName('flow.none')]: 1 }))).toEqual([]);
      await control(db.store, type, { maxRunning: 3 });
      for (let i = 0; i < 500 && !events.some((event) => event.type === type); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(events).toContainEqual({ type });
      expect(await listening.claim(request({ [type]: 5 }))).toHaveLength(3);
    } finally {
      unsubscribe();
      await listening.close();
      await listeningSource.destroy();
    }
  });

  it('claims controlled and plain types in one call, in claim order, within the total', async () => {
    const capped = uniqueName('flow.mixed.capped');
    const plain = uniqueName('flow.mixed.plain');
    await enqueue(capped, 4, { priority: 5 });
    await enqueue(plain, 4);
    await control(db.store, capped, { maxRunning: 2 });
    const claimed = await db.store.claim(request({ [capped]: 4, [plain]: 4 }, 5));
    expect(claimed.map((job) => job.type)).toEqual([capped, capped, plain, plain, plain]);
  });
});

describe('starts', () => {
  it('records one row per claim and group, keeps two windows of them and prunes older ones', async () => {
    const type = uniqueName('flow.starts');
    const base = Date.now() - 600_000;
    await enqueue(type, 6, { group: 'g', runAt: new Date(base - 60_000) });
    await enqueue(type, 2, { group: null, runAt: new Date(base - 60_000) });
    await control(db.store, type, { rateLimit: { limit: 100, intervalMs: 1_000, perGroup: false } });
    expect(await db.store.claim(request({ [type]: 4 }, 4, base))).toHaveLength(4);
    expect(await db.store.claim(request({ [type]: 2 }, 2, base + 1_500))).toHaveLength(2);
    const rows = async () =>
      (await db.dataSource.query(`SELECT group_key, starts FROM ${db.store.names.flow.starts.qualified} WHERE type = $1 ORDER BY started_at, group_key`, [type])) as Array<{
        group_key: string;
        starts: number;
      }>;
    // Round-robin: one job of each group in turn (g, '', g, ''); then only g has jobs left.
    expect(await rows()).toEqual([
      { group_key: '', starts: 2 },
      { group_key: '=g', starts: 2 },
      { group_key: '=g', starts: 2 },
    ]);
    expect(await db.store.countStarts(type, new Date(base - 1), 'g')).toBe(4);
    expect(await db.store.countStarts(type, new Date(base - 1), null)).toBe(2);
    // Two windows after the first claim, it is pruned (the second is kept: still within two).
    expect(await db.store.claim(request({ [type]: 1 }, 1, base + 2_000))).toHaveLength(1);
    expect(await rows()).toEqual([
      { group_key: '=g', starts: 2 },
      { group_key: '=g', starts: 1 },
    ]);
  });

  it('counts a start recorded at a later instant than the claim (another claimer whose clock runs ahead)', async () => {
    const type = uniqueName('flow.ahead');
    const base = Date.now() - 600_000;
    await enqueue(type, 6, { runAt: new Date(base - 60_000) });
    await control(db.store, type, { rateLimit: { limit: 3, intervalMs: 1_000, perGroup: false } });
    expect(await db.store.claim(request({ [type]: 5 }, 5, base + 10))).toHaveLength(3);
    // 5 ms behind: the window (base - 995, base + 5] would hold none of those starts, but the
    // window (base - 990, base + 10] would then hold six.
    expect(await db.store.claim(request({ [type]: 5 }, 5, base + 5))).toEqual([]);
  });
});

describe('writing limits', () => {
  it('lets exactly one of many concurrent writers create a record, and one of many update it from a version', async () => {
    const type = uniqueName('flow.race');
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? db.store : other).putTypeControl(makeTypeControl({ type, maxRunning: i + 1, version: 1_000 + i }), null)),
    );
    expect(created.filter((result) => result.ok)).toHaveLength(1);
    const winner = (await db.store.getTypeControl(type))!;
    for (const result of created) if (!result.ok) expect(result.current).toEqual(winner);
    const updated = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 === 0 ? db.store : other).putTypeControl({ ...winner, maxRunning: 50 + i, version: winner.version + 1 }, winner.version),
      ),
    );
    expect(updated.filter((result) => result.ok)).toHaveLength(1);
    expect((await db.store.getTypeControl(type))!.version).toBe(winner.version + 1);
  });

  it('drops the starts when the rate limit goes, and the groups\' latest starts when nothing is controlled any more', async () => {
    const type = uniqueName('flow.drop');
    await enqueue(type, 3, { group: 'a' });
    await control(db.store, type, { rateLimit: { limit: 10, intervalMs: 60_000, perGroup: false } });
    expect(await db.store.claim(request({ [type]: 2 }))).toHaveLength(2);
    expect(await db.store.countStarts(type, new Date(0))).toBe(2);
    const groupStarts = async () =>
      Number(((await db.dataSource.query(`SELECT count(*) AS n FROM ${db.store.names.flow.groupStarts.qualified} WHERE type = $1`, [type])) as Array<{ n: string }>)[0]!.n);
    expect(await groupStarts()).toBe(1);
    await control(db.store, type, { rateLimit: null, maxRunning: 10 });
    expect(await db.store.countStarts(type, new Date(0))).toBe(0);
    expect(await groupStarts()).toBe(1);
    await control(db.store, type, { maxRunning: null });
    expect(await groupStarts()).toBe(0);
  });
});
