import { guardStore, type JobStore } from '@jobtrail/core/store';
import { expectJobtrailError, makeJob, uniqueName } from '@jobtrail/core/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { connectionString, createTestStore, type TestStore } from './support/test-database.js';

let db: TestStore;
/**
 * The store as core uses it: what core checks for every store (types, Dates, ids, closed) is
 * tested through the wrapper; what PostgreSQL adds (int4, index sizes, uuid, JSON text, its error
 * mapping) on the store itself.
 */
let guarded: JobStore;

beforeAll(async () => {
  db = await createTestStore('bad_input');
  guarded = guardStore(db.store);
});

afterAll(async () => {
  await db.drop();
});

describe('configuration errors', () => {
  it('refuses schema and table names that are not plain identifiers', async () => {
    for (const tableName of ['', 'jobs"; DROP TABLE users; --', '1jobs', 'x'.repeat(41), 'jöbs']) {
      await expectJobtrailError(() => new PostgresJobStore({ dataSource: db.dataSource, tableName }), 'invalid_input');
    }
    await expectJobtrailError(() => new PostgresJobStore({ dataSource: db.dataSource, schema: 'a.b' }), 'invalid_input');
  });

  it('refuses out-of-range numeric options, naming the option', async () => {
    const bad = [
      { maxBatchSize: 0 },
      { maxBatchesInFlight: 1.5 },
      { fallbackPollMs: -1 },
      { listenHeartbeatMs: -5 },
      { listenHeartbeatTimeoutMs: 0 },
    ];
    for (const options of bad) {
      const name = Object.keys(options)[0]!;
      const make = () => new PostgresJobStore({ dataSource: db.dataSource, ...options });
      await expectJobtrailError(make, 'invalid_input');
      expect(make).toThrow(name);
    }
  });

  it('refuses something that is not a PostgreSQL DataSource', async () => {
    await expectJobtrailError(() => new PostgresJobStore({ dataSource: {} as never }), 'invalid_input');
    const mysqlLike = { isInitialized: true, options: { type: 'mysql' }, driver: {}, createQueryRunner: () => ({}) };
    await expectJobtrailError(() => new PostgresJobStore({ dataSource: mysqlLike as never }), 'invalid_input');
  });

  it('answers store_error, saying what to do, for a DataSource that is not initialized', async () => {
    const dataSource = new DataSource({ type: 'postgres', url: connectionString(), schema: db.schema });
    const store = new PostgresJobStore({ dataSource });
    await expectJobtrailError(() => store.get(makeJob().id), 'store_error');
    await expect(store.get(makeJob().id)).rejects.toThrow(/initialize\(\)/);
  });

  it('refuses every call once closed (through guardStore)', async () => {
    const store = guardStore(new PostgresJobStore({ dataSource: db.dataSource }));
    await store.close();
    await expectJobtrailError(() => store.get(makeJob().id), 'store_error');
    await expectJobtrailError(() => store.insert(makeJob()), 'store_error');
  });
});

describe('job data PostgreSQL cannot hold', () => {
  it('refuses a NUL character in text or JSON with invalid_input, not a SQL error', async () => {
    await expectJobtrailError(() => db.store.insert(makeJob({ payload: { text: 'a\u0000b' } })), 'invalid_input');
    await expectJobtrailError(() => db.store.insert(makeJob({ stage: 'bad\u0000stage' })), 'invalid_input');
  });

  it('refuses values JSON cannot carry and what its columns cannot hold, on its own', async () => {
    await expectJobtrailError(() => db.store.insert(makeJob({ payload: { n: 10n } })), 'invalid_input');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    await expectJobtrailError(() => db.store.insert(makeJob({ payload: cyclic })), 'invalid_input');
    await expectJobtrailError(() => db.store.insert(makeJob({ attempt: 2 ** 40 })), 'invalid_input');
    await expectJobtrailError(() => db.store.insert(makeJob({ priority: 1.5 })), 'invalid_input');
    await expectJobtrailError(() => db.store.insert(makeJob({ priority: 2 ** 40 })), 'invalid_input');
    await expectJobtrailError(() => db.store.insert(makeJob({ key: 'k'.repeat(5000) })), 'invalid_input');
    await expectJobtrailError(() => db.store.insert(makeJob({ parentId: 'nope' })), 'invalid_input');
  });

  it('refuses fields of the wrong shape (through guardStore)', async () => {
    await expectJobtrailError(() => guarded.insert(makeJob({ id: 'not-a-uuid' })), 'invalid_input');
    await expectJobtrailError(() => guarded.insert(makeJob({ status: 'done' as never })), 'invalid_input');
    await expectJobtrailError(() => guarded.insert(makeJob({ attempt: 1.5 })), 'invalid_input');
    await expectJobtrailError(() => guarded.insert(makeJob({ priority: 2 ** 40 })), 'invalid_input');
    await expectJobtrailError(() => guarded.insert(makeJob({ runAt: new Date(Number.NaN) })), 'invalid_input');
    await expectJobtrailError(() => guarded.insert(makeJob({ key: 'k'.repeat(5000) })), 'invalid_input');
    await expectJobtrailError(() => guarded.insert(makeJob({ metrics: { rows: Number.NaN } })), 'invalid_input');
    await expectJobtrailError(() => guarded.insert(makeJob({ parentId: 'nope' })), 'invalid_input');
  });

  it('refuses history entries PostgreSQL or JSON cannot carry (through guardStore)', async () => {
    const entry = {
      kind: 'attempt' as const,
      attempt: 1,
      owner: 'w',
      startedAt: null,
      finishedAt: new Date(),
      outcome: 'failed' as const,
      error: null,
      progress: 0,
      stage: null,
      metrics: {},
    };
    const bad = [
      { ...entry, stage: 'bad\u0000stage' },
      { ...entry, attempt: 2 ** 40 },
      { ...entry, finishedAt: new Date(8_640_000_000_000_000) },
      { kind: 'retry' as const, at: new Date(Date.parse('+020000-01-01T00:00:00Z')), afterAttempt: 1 },
    ];
    for (const history of bad) {
      const job = makeJob({ history: [history] });
      await expectJobtrailError(() => guarded.insert(job), 'invalid_input');
      expect(await guarded.get(job.id)).toBeNull();
    }
    const job = makeJob({ status: 'running', attempt: 1 });
    await guarded.insert(job);
    for (const history of bad) {
      await expectJobtrailError(() => guarded.transition(job.id, {}, { history: [history], updatedAt: new Date() }), 'invalid_input');
    }
    expect(await guarded.get(job.id)).toEqual(job);
  });

  it('refuses a date beyond what timestamptz holds (through guardStore)', async () => {
    await expectJobtrailError(() => guarded.insert(makeJob({ runAt: new Date(8_640_000_000_000_000) })), 'invalid_input');
    await expectJobtrailError(() => guarded.insert(makeJob({ createdAt: new Date(-8_640_000_000_000_000) })), 'invalid_input');
    const now = new Date();
    const far = new Date(Date.parse('+020000-01-01T00:00:00Z'));
    await expectJobtrailError(
      () => guarded.claim({ owner: 'w', now: far, leaseExpiresAt: now, limits: { t: 1 }, limit: 1 }),
      'invalid_input',
    );
  });

  it('refuses a keyed job whose type, key, tenant and owner together overflow the dedupe index entry', async () => {
    // Random text does not compress, so four values near the 1000-byte limit exceed a btree entry.
    const random = (prefix: string) => `${prefix}${Array.from({ length: 950 }, () => Math.random().toString(36).charAt(2)).join('')}`;
    const job = makeJob({ type: random('t'), key: random('k'), tenantId: random('a'), ownerId: random('o') });
    await expectJobtrailError(() => db.store.insert(job), 'invalid_input');
    expect(await db.store.get(job.id)).toBeNull();
    // Without a key it is not in the dedupe index, and is stored.
    const unkeyed = makeJob({ type: job.type, tenantId: job.tenantId, ownerId: job.ownerId });
    expect((await db.store.insert(unkeyed)).created).toBe(true);
  });

  it('refuses a group longer than an index entry takes, naming it; a long group within it is kept', async () => {
    const random = (length: number) => Array.from({ length }, () => Math.random().toString(36).charAt(2)).join('');
    const tooLong = makeJob({ group: random(1001) });
    await expect(db.store.insert(tooLong)).rejects.toMatchObject({ code: 'invalid_input', field: 'group' });
    expect(await db.store.get(tooLong.id)).toBeNull();
    // Near the limit with a type near its own: still within one entry of every index it is in.
    const long = makeJob({ type: random(1000), group: random(1000) });
    expect((await db.store.insert(long)).created).toBe(true);
    expect(await db.store.get(long.id)).toEqual(long);
  });

  it('refuses values no store can hold (a cycle, a BigInt, a getter that throws) naming the field, as the memory store does', async () => {
    const type = uniqueName('bad.unstorable');
    const circular = (): unknown => {
      const value: Record<string, unknown> = { a: 1 };
      value['self'] = { value };
      return value;
    };
    const throwing = (): unknown =>
      Object.defineProperty({ a: 1 }, 'b', {
        enumerable: true,
        get() {
          throw new TypeError('b is gone');
        },
      });
    const values: Array<[string, () => unknown]> = [
      ['a cycle', circular],
      ['a BigInt', () => ({ count: 10n })],
      ['a getter that throws', throwing],
    ];
    for (const [what, make] of values) {
      for (const field of ['payload', 'result', 'metadata'] as const) {
        const job = makeJob({ type, [field]: field === 'metadata' ? { inner: make() } : make() });
        const error = await guarded.insert(job).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect((error as { code?: unknown } | undefined)?.code, `${what} in ${field}`).toBe('invalid_input');
        expect((error as { field?: unknown }).field, `${what} in ${field}`).toBe(field);
      }
    }
    expect((await guarded.query({ type: [type], limit: 10 })).jobs).toEqual([]);
    const now = new Date(Date.UTC(2034, 0, 1));
    const job = makeJob({ type, status: 'running', attempt: 1, lease: { owner: uniqueName('worker'), expiresAt: new Date(now.getTime() + 60_000) } });
    await guarded.insert(job);
    for (const [, make] of values) {
      await expectJobtrailError(
        () => guarded.transition(job.id, {}, { status: 'completed', lease: null, result: make(), finishedAt: now, updatedAt: now }),
        'invalid_input',
      );
    }
    expect(await guarded.get(job.id)).toEqual(job);
  });

  it('fails only the bad job of a coalesced batch', async () => {
    const type = uniqueName('bad.batch');
    const good = Array.from({ length: 5 }, () => makeJob({ type }));
    const bad = makeJob({ type, payload: { text: '\u0000' } });
    const results = await Promise.allSettled([...good, bad].map((job) => db.store.insert(job)));
    expect(results.slice(0, 5).every((result) => result.status === 'fulfilled')).toBe(true);
    expect(results[5]).toMatchObject({ status: 'rejected', reason: { code: 'invalid_input' } });
    for (const job of good) expect(await db.store.get(job.id)).toEqual(job);
  });
});

describe('bad arguments to the other operations (through guardStore)', () => {
  it('refuses bad claims, heartbeats, progress, metrics, prune and filters', async () => {
    const now = new Date();
    const claim = { owner: 'w', now, leaseExpiresAt: now, limits: { t: 1 }, limit: 1 };
    await expectJobtrailError(() => guarded.claim({ ...claim, limit: -1 }), 'invalid_input');
    await expectJobtrailError(() => guarded.claim({ ...claim, owner: '' }), 'invalid_input');
    await expectJobtrailError(() => guarded.claim({ ...claim, limits: { t: 1.5 } }), 'invalid_input');
    await expectJobtrailError(() => guarded.claim({ ...claim, now: new Date(Number.NaN) }), 'invalid_input');
    await expectJobtrailError(() => guarded.heartbeat('w', 'x' as never, now), 'invalid_input');
    await expectJobtrailError(() => guarded.updateProgress(makeJob().id, { progress: Number.NaN, updatedAt: now }), 'invalid_input');
    await expectJobtrailError(() => guarded.incrementMetrics(makeJob().id, { a: Number.POSITIVE_INFINITY }, now), 'invalid_input');
    await expectJobtrailError(() => guarded.updateProgress(makeJob().id, { progress: 1, updatedAt: now }, 'w', 2 ** 40), 'invalid_input');
    await expectJobtrailError(() => guarded.incrementMetrics(makeJob().id, { a: 1 }, now, 'w', 2 ** 40), 'invalid_input');
    await expectJobtrailError(() => guarded.incrementMetrics(makeJob().id, { a: 1 }, now, 42 as never), 'invalid_input');
    await expectJobtrailError(() => guarded.prune({ before: { queued: now } as never }), 'invalid_input');
    await expectJobtrailError(() => guarded.prune({ before: { completed: now }, limit: 0 }), 'invalid_input');
    await expectJobtrailError(() => guarded.query({ status: ['weird' as never], limit: 10 }), 'invalid_input');
    await expectJobtrailError(() => guarded.query({ createdAfter: 'yesterday' as never, limit: 10 }), 'invalid_input');
    await expectJobtrailError(
      () => guarded.transition(makeJob().id, { status: 'nope' as never }, { updatedAt: now }),
      'invalid_input',
    );
  });

  it('answers "not there" for ids that are not UUIDs instead of a cast error', async () => {
    const now = new Date();
    expect(await guarded.get('42')).toBeNull();
    expect(await guarded.transition('42', {}, { updatedAt: now })).toEqual({ ok: false, reason: 'not_found' });
    expect(await guarded.heartbeat('w', ['42'], now)).toEqual([]);
    expect(await guarded.updateProgress('42', { progress: 1, updatedAt: now })).toBe(false);
    expect(await guarded.incrementMetrics('42', { a: 1 }, now)).toBeNull();
    expect(await guarded.updateProgress('42', { progress: 1, updatedAt: now }, 'w', 1)).toBe(false);
    expect(await guarded.incrementMetrics('42', { a: 1 }, now, 'w', 1)).toBeNull();
    expect((await guarded.query({ parentId: '42', limit: 10 })).jobs).toEqual([]);
  });
});
