import { expectJobtrailError, makeJob, makeTypeControl, uniqueName } from '@jobtrail/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { resolveTableNames } from '../src/naming/table-names.js';
import { claimStatement } from '../src/sql/claim.js';
import { flowClaimStatement } from '../src/sql/flow-claim.js';
import { heartbeatStatement } from '../src/sql/heartbeat.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

let db: TestDatabase;

beforeAll(async () => {
  // One connection: whatever the store's statements set, the application's next query would see.
  db = await createTestDatabase('durability', 1);
});

afterAll(async () => {
  await db.drop();
});

async function synchronousCommit(): Promise<string> {
  const rows = (await db.dataSource.query('SHOW synchronous_commit')) as Array<{ synchronous_commit: string }>;
  return rows[0]!.synchronous_commit;
}

describe('durability', () => {
  it.each(['full', 'relaxed', 'strict'] as const)('never changes synchronous_commit of the shared connection (%s)', async (durability) => {
    const store = new PostgresJobStore({ dataSource: db.dataSource, durability });
    await store.migrate();
    const type = uniqueName('durability');
    const job = makeJob({ type });
    await store.insert(job);
    const now = new Date();
    const [claimed] = await store.claim({ owner: 'w', now, leaseExpiresAt: new Date(now.getTime() + 30_000), limits: { [type]: 1 }, limit: 1 });
    expect(claimed?.id).toBe(job.id);
    expect(await store.heartbeat('w', [job.id], new Date(now.getTime() + 60_000))).toEqual([job.id]);
    expect(await store.updateProgress(job.id, { progress: 0.5, updatedAt: now }, 'w')).toBe(true);
    expect(await store.incrementMetrics(job.id, { rows: 2 }, now)).toEqual({ rows: 2 });
    const done = await store.transition(job.id, { status: 'running', leaseOwner: 'w', attempt: 1 }, { status: 'completed', lease: null, finishedAt: now, updatedAt: now });
    expect(done).toMatchObject({ ok: true, job: { status: 'completed', progress: 0.5, metrics: { rows: 2 } } });
    expect(await synchronousCommit()).toBe('on');
    await store.close();
  });

  it.each(['full', 'relaxed', 'strict'] as const)("never changes synchronous_commit of the shared connection with a controlled type's claim (%s)", async (durability) => {
    const store = new PostgresJobStore({ dataSource: db.dataSource, durability });
    await store.migrate();
    const type = uniqueName('durability.flow');
    const job = makeJob({ type });
    await store.insert(job);
    await store.putTypeControl(makeTypeControl({ type, maxRunning: 5 }), null);
    const now = new Date();
    const [claimed] = await store.claim({ owner: 'w', now, leaseExpiresAt: new Date(now.getTime() + 30_000), limits: { [type]: 1 }, limit: 1 });
    expect(claimed?.id).toBe(job.id);
    expect(await synchronousCommit()).toBe('on');
    await store.close();
  });

  it("waits for the WAL flush on claims and lease renewals only with 'strict'", () => {
    const names = resolveTableNames('public', undefined);
    for (const [waitForFlush, relaxed] of [[false, true], [true, false]] as const) {
      expect(claimStatement(names, waitForFlush).text.includes("'synchronous_commit', 'off'")).toBe(relaxed);
      // The flow claim function sets it for its own transaction when its last argument is true.
      expect(flowClaimStatement(names, waitForFlush).text).toMatch(relaxed ? /, true\) j$/ : /, false\) j$/);
      expect(heartbeatStatement(names, waitForFlush).text.includes("'synchronous_commit', 'off'")).toBe(relaxed);
    }
  });

  it('the flow claim function turns synchronous_commit off for its own transaction only when asked', async () => {
    const store = new PostgresJobStore({ dataSource: db.dataSource });
    await store.migrate();
    const runner = db.dataSource.createQueryRunner();
    try {
      for (const relaxed of [true, false]) {
        await runner.startTransaction();
        await runner.query(`SELECT count(*) FROM ${store.names.flow.claimFunction}($1::text[], $2::integer[], now(), 1, 'w', now(), $3)`, [['none'], [1], relaxed]);
        const [row] = (await runner.query('SHOW synchronous_commit')) as Array<{ synchronous_commit: string }>;
        expect(row?.synchronous_commit).toBe(relaxed ? 'off' : 'on');
        await runner.rollbackTransaction();
      }
    } finally {
      await runner.release();
    }
    expect(await synchronousCommit()).toBe('on');
    await store.close();
  });

  it('refuses an unknown durability', async () => {
    await expectJobtrailError(() => new PostgresJobStore({ dataSource: db.dataSource, durability: 'fast' as never }), 'invalid_input');
  });
});
