import { createTracker } from '@jobtrail/core';
import { makeJob, uniqueName } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { connectionString, createTestStore, type TestStore } from './support/test-database.js';

let db: TestStore;
let insertManyCalls = 0;

beforeAll(async () => {
  db = await createTestStore('enqueue_many');
});

afterAll(async () => {
  await db.drop();
});

async function countOf(type: string): Promise<number> {
  const rows = (await db.dataSource.query(`SELECT count(*)::int AS n FROM ${db.store.names.qualified} WHERE type = $1`, [type])) as Array<{ n: number }>;
  return rows[0]!.n;
}

describe('enqueueMany on PostgreSQL', () => {
  it('10,000 jobs with 100 duplicate keys: 9,900 created, 100 reported as existing, one insertMany per 1,000', async () => {
    // Counted under every tracker of this file: the tracker's guard keeps the method it first saw.
    const original = db.store.insertMany.bind(db.store);
    db.store.insertMany = async (jobs, options) => {
      insertManyCalls++;
      return original(jobs, options);
    };
    const tracker = createTracker({ store: db.store, recoverIntervalMs: false });
    await tracker.clockReady();
    const type = uniqueName('many.pg');
    // 100 keys already held by stored jobs; the other 9,900 items have fresh keys or none.
    await tracker.enqueueMany(Array.from({ length: 100 }, (_, n) => ({ type, key: `held-${n}` })));
    const items = Array.from({ length: 10_000 }, (_, n) => ({ type, payload: { n }, ...(n < 100 ? { key: `held-${n}` } : n % 2 === 0 ? { key: `fresh-${n}` } : {}) }));
    const before = insertManyCalls;
    const answer = await tracker.enqueueMany(items);
    expect(answer.created).toBe(9_900);
    expect(answer.existing).toBe(100);
    expect(answer.results.slice(0, 100).every((result) => !result.created && result.job.key?.startsWith('held-'))).toBe(true);
    expect(insertManyCalls - before).toBe(10);
    expect(await countOf(type)).toBe(10_000);
  });

  it('inside a rolled-back transaction: no job exists, no created event, no worker woken', async () => {
    const tracker = createTracker({ store: db.store, recoverIntervalMs: false });
    const type = uniqueName('many.rollback');
    const created: string[] = [];
    tracker.on('created', (job) => created.push(job.id));
    const woken: string[] = [];
    const unsubscribe = db.store.subscribe((event) => {
      if (event.type === type) woken.push(event.type);
    });
    try {
      await expect(
        db.dataSource.transaction(async (manager) => {
          const answer = await tracker.enqueueMany(
            Array.from({ length: 1_500 }, (_, n) => ({ type, payload: { n } })),
            { transaction: manager },
          );
          expect(answer.created).toBe(1_500);
          throw new Error('rolled back on purpose');
        }),
      ).rejects.toThrow('rolled back on purpose');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await countOf(type)).toBe(0);
      expect(created).toEqual([]);
      expect(woken).toEqual([]);
      // Committed: all of them, and the events once the commit is seen.
      await db.dataSource.transaction((manager) => tracker.enqueueMany([{ type }, { type }], { transaction: manager }));
      expect(await countOf(type)).toBe(2);
      await expect.poll(() => created.length, { timeout: 10_000 }).toBe(2);
    } finally {
      unsubscribe();
    }
  });

  it('answers read like plain { job, created } objects, fixed at the call: stored values, stable, assignable, unmoved by later changes to the input', async () => {
    const tracker = createTracker({ store: db.store, recoverIntervalMs: false });
    await tracker.clockReady();
    const type = uniqueName('many.answers');
    const runAt = new Date(Date.now() + 60_000);
    const items = Array.from({ length: 1_500 }, (_, n) => ({ type, payload: { n, when: new Date(0) }, metadata: { n }, runAt }));
    const answer = await tracker.enqueueMany(items);
    // The caller changes what it passed: no answer (read now for the first time) moves.
    runAt.setTime(0);
    items[1_200]!.payload.n = -1;
    const result = answer.results[1_200]!;
    expect(Object.keys(result)).toEqual(['job', 'created']);
    expect(result.job).toBe(result.job);
    expect(result.job.payload).toEqual({ n: 1_200, when: new Date(0).toISOString() });
    expect(result.job.runAt.getTime()).toBeGreaterThan(Date.now());
    const stored = await tracker.get(result.job.id);
    expect(JSON.parse(JSON.stringify(answer.results[1_200]))).toEqual(JSON.parse(JSON.stringify({ job: stored, created: true })));
    expect({ ...answer.results[5]! }).toEqual({ job: answer.results[5]!.job, created: true });
    expect(structuredClone(answer.results[7]!)).toEqual({ job: answer.results[7]!.job, created: true });
    const other = answer.results[0]!.job;
    result.job = other;
    expect(result.job).toBe(other);
    expect(new Set(answer.results.map((r) => r.job.id)).size).toBe(1_499);
  });

  it('new jobs without keys: wakes workers once per type claimable now, never for a delayed one; metadata stored with or without any', async () => {
    const tracker = createTracker({ store: db.store, recoverIntervalMs: false });
    await tracker.clockReady();
    const now = uniqueName('many.now');
    const later = uniqueName('many.later');
    // What other processes' workers hear: the NOTIFY the statement sends at commit.
    const woken: string[] = [];
    const listener = new pg.Client({ connectionString: connectionString() });
    await listener.connect();
    listener.on('notification', (message) => {
      if (message.channel === db.store.names.channel && (message.payload === now || message.payload === later)) woken.push(message.payload);
    });
    await listener.query(`LISTEN "${db.store.names.channel}"`);
    try {
      const bare = await tracker.enqueueMany([
        ...Array.from({ length: 3 }, () => ({ type: now })),
        { type: later, delayMs: 60_000 },
      ]);
      const some = await tracker.enqueueMany([{ type: later, delayMs: 60_000 }, { type: later, delayMs: 60_000, metadata: { team: 'a' } }]);
      await expect.poll(() => woken, { timeout: 10_000 }).toContain(now);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(woken.filter((type) => type === now)).toHaveLength(1);
      expect(woken).not.toContain(later);
      expect((await tracker.get(bare.results[0]!.job.id))!.metadata).toEqual({});
      expect(bare.results[0]!.job.metadata).toEqual({});
      expect((await tracker.get(some.results[0]!.job.id))!.metadata).toEqual({});
      expect((await tracker.get(some.results[1]!.job.id))!.metadata).toEqual({ team: 'a' });
      expect(some.results[1]!.job.metadata).toEqual({ team: 'a' });
    } finally {
      await listener.end();
    }
  });

  it('insertNewJobs (keyless chunks as columns) is all or nothing, and refuses what the table cannot hold by field', async () => {
    const type = uniqueName('many.batch');
    const existing = makeJob({ type });
    await db.store.insert(existing);
    const fresh = [makeJob({ type }), makeJob({ type }), makeJob({ type })];
    const batch = (ids: string[], patch: Partial<Record<'tenantIds' | 'parentIds', Array<string | null>>> = {}) => ({
      length: ids.length,
      createdAt: Date.now(),
      ids,
      types: ids.map(() => type),
      payloads: ids.map((_, n) => ({ n })),
      metadata: null,
      runAt: ids.map(() => Date.now()),
      maxAttempts: ids.map(() => 3),
      priorities: ids.map(() => 0),
      parentIds: patch.parentIds ?? null,
      tenantIds: patch.tenantIds ?? null,
      ownerIds: null,
      groups: null,
      job: () => {
        throw new Error('not read by the store');
      },
    });
    // The raw store (a guard would send a batch core did not make through insertMany).
    await expect(db.store.insertNewJobs(batch([fresh[0]!.id, existing.id, fresh[1]!.id]))).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await countOf(type)).toBe(1);
    await expect(db.store.insertNewJobs(batch([fresh[2]!.id], { tenantIds: ['x'.repeat(1_001)] }))).rejects.toMatchObject({ code: 'invalid_input', field: 'tenantId' });
    await expect(db.store.insertNewJobs(batch([fresh[2]!.id], { parentIds: ['not-a-uuid'] }))).rejects.toMatchObject({ code: 'invalid_input', field: 'parentId' });
    expect(await countOf(type)).toBe(1);
    const answer = await db.store.insertNewJobs(batch([fresh[2]!.id], { tenantIds: ['t'] }));
    expect(answer.results[0]!.job).toEqual(await db.store.get(fresh[2]!.id));
    expect(answer.results[0]!.job).toMatchObject({ tenantId: 't', payload: { n: 0 }, metadata: {}, status: 'queued' });
  });

  it('insertMany is all or nothing: an id that exists fails the call and inserts none', async () => {
    const type = uniqueName('many.atomic');
    const existing = makeJob({ type });
    await db.store.insert(existing);
    const jobs = [makeJob({ type }), makeJob({ type }), { ...makeJob({ type }), id: existing.id }, makeJob({ type })];
    await expect(db.store.insertMany(jobs)).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await countOf(type)).toBe(1);
  });
});
