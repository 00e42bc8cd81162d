import { createTracker } from '@jobtrail/core';
import { expectJobtrailError, makeJob, uniqueName } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from './support/test-database.js';

let db: TestStore;

beforeAll(async () => {
  db = await createTestStore('transactional');
});

afterAll(async () => {
  await db.drop();
});

async function claimAll(type: string) {
  const now = new Date();
  return db.store.claim({ owner: 'test', now, leaseExpiresAt: new Date(now.getTime() + 30_000), limits: { [type]: 10 }, limit: 10 });
}

describe('transactional enqueue', () => {
  it('makes the job exist once the caller commits, and claimable', async () => {
    const tracker = createTracker({ store: db.store });
    const type = uniqueName('tx.commit');
    const job = await db.dataSource.transaction(async (manager) => {
      const created = await tracker.enqueue(type, { order: 42 }, { transaction: manager });
      // Invisible outside the transaction until it commits.
      expect(await db.store.get(created.id)).toBeNull();
      return created;
    });
    expect(await db.store.get(job.id)).toMatchObject({ id: job.id, status: 'queued', payload: { order: 42 } });
    expect((await claimAll(type)).map((claimed) => claimed.id)).toEqual([job.id]);
  });

  it('leaves no job when the caller rolls back', async () => {
    const tracker = createTracker({ store: db.store });
    const type = uniqueName('tx.rollback');
    let id: string | undefined;
    await expect(
      db.dataSource.transaction(async (manager) => {
        id = (await tracker.enqueue(type, { order: 7 }, { transaction: manager })).id;
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');
    expect(id).toBeDefined();
    expect(await db.store.get(id!)).toBeNull();
    expect(await claimAll(type)).toEqual([]);
  });

  it('fires created only after the commit, and never for a rolled-back job', async () => {
    const tracker = createTracker({ store: db.store, recoverIntervalMs: false });
    const type = uniqueName('tx.events');
    const created: string[] = [];
    tracker.on('created', (job) => created.push(job.id));
    const committed = await db.dataSource.transaction(async (manager) => {
      const job = await tracker.enqueue(type, { order: 1 }, { transaction: manager });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(created).toEqual([]);
      return job;
    });
    await expect.poll(() => created).toEqual([committed.id]);
    await expect(
      db.dataSource.transaction(async (manager) => {
        await tracker.enqueue(type, { order: 2 }, { transaction: manager });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // A savepoint released inside an outer transaction that then rolls back is not a commit either.
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.startTransaction();
    await tracker.enqueue(type, { order: 3 }, { transaction: runner.manager });
    await runner.commitTransaction();
    await runner.rollbackTransaction();
    await runner.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(created).toEqual([committed.id]);
    await tracker.close();
  });

  it('refuses text PostgreSQL cannot store before any SQL runs, naming the field, and leaves the caller\'s transaction usable', async () => {
    const tracker = createTracker({ store: db.store, recoverIntervalMs: false });
    const type = uniqueName('tx.nul');
    const job = await db.dataSource.transaction(async (manager) => {
      await expect(tracker.enqueue(type, { note: 'a\u0000b' }, { transaction: manager })).rejects.toThrow(/payload\.note/);
      await expectJobtrailError(() => tracker.enqueue(type, null, { transaction: manager, metadata: { city: '\uDC00' } }), 'invalid_input');
      // The transaction is not aborted (no 25P02): the caller's next statement still works.
      return tracker.enqueue(type, { note: 'fine' }, { transaction: manager });
    });
    expect(await db.store.get(job.id)).toMatchObject({ payload: { note: 'fine' } });
    await tracker.close();
  });

  it('dedupes by key inside the transaction too', async () => {
    const type = uniqueName('tx.dedupe');
    const key = uniqueName('key');
    const first = makeJob({ type, key });
    await db.dataSource.transaction(async (manager) => {
      expect((await db.store.insert(first, { transaction: manager })).created).toBe(true);
      const again = await db.store.insert(makeJob({ type, key }), { transaction: manager });
      expect(again).toEqual({ job: first, created: false });
    });
  });

  it('accepts a QueryRunner with an open transaction', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    const job = makeJob({ type: uniqueName('tx.runner') });
    try {
      await runner.startTransaction();
      await db.store.insert(job, { transaction: runner });
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(await db.store.get(job.id)).toEqual(job);
  });

  it('refuses a transaction handle that is not an open TypeORM transaction', async () => {
    const job = makeJob();
    await expectJobtrailError(() => db.store.insert(job, { transaction: {} }), 'invalid_input');
    await expectJobtrailError(() => db.store.insert(job, { transaction: 'tx' }), 'invalid_input');
    // The DataSource's own manager runs outside any transaction.
    await expectJobtrailError(() => db.store.insert(job, { transaction: db.dataSource.manager }), 'invalid_input');
    const runner = db.dataSource.createQueryRunner();
    try {
      await expectJobtrailError(() => db.store.insert(job, { transaction: runner }), 'invalid_input');
    } finally {
      await runner.release();
    }
    expect(await db.store.get(job.id)).toBeNull();
  });
});
