import { expectJobtrailError, makeJob } from '@jobtrail/core/testing';
import { withClient } from '@jobtrail/testkit-postgres';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresJobStore, createJobtrailMigrations, jobtrailMigrations } from '../src/index.js';
import { runMigrations } from '../src/migrations/migrate.js';
import { MIGRATION_STEPS } from '../src/migrations/migration-steps.js';
import { dedupeHoldersStatement } from '../src/sql/insert.js';
import { keyHolderStatement } from '../src/sql/transition.js';
import { connectionString, createTestDatabase, type TestDatabase } from './support/test-database.js';

const databases: TestDatabase[] = [];

async function database(prefix: string): Promise<TestDatabase> {
  const created = await createTestDatabase(prefix, 2);
  databases.push(created);
  return created;
}

async function indexesOf(schema: string, table: string): Promise<Map<string, string>> {
  const { rows } = await withClient(connectionString(), (client) =>
    client.query<{ indexname: string; indexdef: string }>(
      'SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2',
      [schema, table],
    ),
  );
  return new Map(rows.map((row) => [row.indexname, row.indexdef]));
}

/** The dedupe index since version 3: per type, key, tenant and owner (NULL-equal expressions). */
const SCOPED_DEDUPE_INDEX = /UNIQUE INDEX .*\(type, key, COALESCE\(.*tenant_id.*, COALESCE\(.*owner_id.*\) WHERE \(\(key IS NOT NULL\) AND/;
/** The dedupe index of versions 1 and 2: per type and key, across tenants. */
const GLOBAL_DEDUPE_INDEX = /UNIQUE INDEX .*\(type, key\) WHERE \(\(key IS NOT NULL\) AND/;

afterEach(async () => {
  for (const created of databases.splice(0)) await created.drop();
});

describe('store.migrate()', () => {
  it('creates the table with its indexes once and is a no-op afterwards', async () => {
    const { dataSource, schema } = await database('migrate_idempotent');
    const store = new PostgresJobStore({ dataSource });
    expect(await store.migrate()).toEqual({ applied: [1, 2, 3], version: 3 });
    expect(await store.migrate()).toEqual({ applied: [], version: 3 });

    const indexes = await indexesOf(schema, 'jobtrail_jobs');
    expect(indexes.get('jobtrail_jobs_dedupe_key_idx')).toMatch(SCOPED_DEDUPE_INDEX);
    expect(indexes.get('jobtrail_jobs_claim_idx')).toMatch(/\(type, priority DESC, run_at, id\) WHERE/);
    expect(indexes.has('jobtrail_jobs_expired_lease_idx')).toBe(true);
    expect(indexes.has('jobtrail_jobs_prune_idx')).toBe(true);
    await store.close();
  });

  it('lets many processes migrate at once: exactly one applies, all succeed', async () => {
    const { schema } = await database('migrate_concurrent');
    // Separate DataSources (separate pools) stand in for separate processes.
    const sources = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const dataSource = new DataSource({ type: 'postgres', url: connectionString(), schema, poolSize: 1 });
        return dataSource.initialize();
      }),
    );
    try {
      const results = await Promise.all(sources.map((dataSource) => new PostgresJobStore({ dataSource }).migrate()));
      expect(results.filter((result) => result.applied.length > 0)).toHaveLength(1);
      for (const result of results) expect(result.version).toBe(3);
      const store = new PostgresJobStore({ dataSource: sources[0]! });
      const job = makeJob();
      expect((await store.insert(job)).created).toBe(true);
    } finally {
      await Promise.all(sources.map((dataSource) => dataSource.destroy()));
    }
  });

  it('supports a custom table name next to the default one', async () => {
    const { dataSource, schema } = await database('migrate_custom');
    const a = new PostgresJobStore({ dataSource });
    const b = new PostgresJobStore({ dataSource, tableName: 'billing_jobs' });
    await a.migrate();
    await b.migrate();
    const job = makeJob();
    await b.insert(job);
    expect(await b.get(job.id)).toEqual(job);
    expect(await a.get(job.id)).toBeNull();
    expect((await indexesOf(schema, 'billing_jobs')).has('billing_jobs_dedupe_key_idx')).toBe(true);
  });

  it('creates a schema that does not exist yet', async () => {
    const { dataSource, schema } = await database('migrate_new_schema');
    const fresh = `${schema}_jobs`;
    const store = new PostgresJobStore({ dataSource, schema: fresh });
    try {
      expect(await store.migrate()).toEqual({ applied: [1, 2, 3], version: 3 });
      const job = makeJob();
      await store.insert(job);
      expect(await store.get(job.id)).toEqual(job);
    } finally {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${fresh}" CASCADE`);
    }
  });

  it('upgrades a version 1 table in place: its jobs read back with an empty history', async () => {
    const { dataSource } = await database('migrate_upgrade_v1');
    const store = new PostgresJobStore({ dataSource });
    const pool = (dataSource.driver as unknown as { master: unknown }).master;
    expect(await runMigrations(pool, store.names, MIGRATION_STEPS.slice(0, 1))).toEqual({ applied: [1], version: 1 });
    // A job an older version wrote: every column but history.
    const job = makeJob({ metrics: { rows: 2 } });
    await dataSource.query(
      `INSERT INTO ${store.names.qualified} (id, type, status, attempt, max_attempts, priority, run_at, metrics, created_at, updated_at)
       VALUES ($1, $2, 'queued', 0, $3, 0, $4, $5::jsonb, $6, $7)`,
      [job.id, job.type, job.maxAttempts, job.runAt, JSON.stringify(job.metrics), job.createdAt, job.updatedAt],
    );
    await expectJobtrailError(() => store.get(job.id), 'store_error');
    expect(await store.migrate()).toEqual({ applied: [2, 3], version: 3 });
    expect(await store.get(job.id)).toEqual({ ...job, payload: null });
    expect((await store.get(job.id))?.history).toEqual([]);
    await store.close();
  });

  it('upgrades a version 2 table holding keyed jobs: keys become per tenant and owner', async () => {
    const { dataSource, schema } = await database('migrate_upgrade_v2');
    const store = new PostgresJobStore({ dataSource });
    const pool = (dataSource.driver as unknown as { master: unknown }).master;
    expect(await runMigrations(pool, store.names, MIGRATION_STEPS.slice(0, 2))).toEqual({ applied: [1, 2], version: 2 });
    // Jobs a version 2 store wrote: keys unique per type across tenants, finished ones free.
    const type = 'reports.build';
    const ofA = makeJob({ type, key: 'weekly-07', tenantId: 'tenant-a', payload: { secret: 'a' } });
    const unscoped = makeJob({ type, key: 'weekly-08' });
    const ownedByU = makeJob({ type, key: 'weekly-09', tenantId: 'tenant-a', ownerId: 'u' });
    const finished = makeJob({ type, key: 'weekly-09', tenantId: 'tenant-a', ownerId: 'u', status: 'completed', finishedAt: new Date() });
    for (const job of [ofA, unscoped, ownedByU, finished]) {
      await dataSource.query(
        `INSERT INTO ${store.names.qualified} (id, type, key, tenant_id, owner_id, status, attempt, max_attempts, priority, run_at, payload, created_at, finished_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 0, $8, $9::jsonb, $10, $11, $12)`,
        [job.id, job.type, job.key, job.tenantId, job.ownerId, job.status, job.maxAttempts, job.runAt, JSON.stringify(job.payload), job.createdAt, job.finishedAt, job.updatedAt],
      );
    }
    expect((await indexesOf(schema, 'jobtrail_jobs')).get('jobtrail_jobs_dedupe_key_idx')).toMatch(GLOBAL_DEDUPE_INDEX);
    // Before the upgrade, this version refuses to insert (its ON CONFLICT names the new index).
    await expect(store.insert(makeJob({ type, key: 'weekly-07', tenantId: 'tenant-b' }))).rejects.toThrow(/older than this version.*store\.migrate\(\)/);
    // A retry of tenant B's cancelled job while tenant A's job holds the key under the old global
    // index: refused with a store error that says to migrate and names nothing of A's job; never
    // a loop.
    const cancelledOfB = makeJob({ type, key: 'weekly-07', tenantId: 'tenant-b', status: 'cancelled', finishedAt: new Date() });
    await dataSource.query(
      `INSERT INTO ${store.names.qualified} (id, type, key, tenant_id, status, attempt, max_attempts, priority, run_at, created_at, finished_at, updated_at)
       VALUES ($1, $2, $3, $4, 'cancelled', 0, 3, 0, $5, $6, $7, $8)`,
      [cancelledOfB.id, type, cancelledOfB.key, cancelledOfB.tenantId, cancelledOfB.runAt, cancelledOfB.createdAt, cancelledOfB.finishedAt, cancelledOfB.updatedAt],
    );
    const retried = store.transition(cancelledOfB.id, { status: 'cancelled' }, { status: 'queued', finishedAt: null, updatedAt: new Date() });
    await expect(retried).rejects.toThrow(/store\.migrate\(\)/);
    await expect(retried).rejects.not.toThrow(ofA.id);

    expect(await store.migrate()).toEqual({ applied: [3], version: 3 });
    expect((await indexesOf(schema, 'jobtrail_jobs')).get('jobtrail_jobs_dedupe_key_idx')).toMatch(SCOPED_DEDUPE_INDEX);

    const ofB = makeJob({ type, key: 'weekly-07', tenantId: 'tenant-b', payload: { secret: 'b' } });
    expect(await store.insert(ofB)).toEqual({ job: ofB, created: true });
    expect(await store.insert(makeJob({ type, key: 'weekly-07', tenantId: 'tenant-a' }))).toMatchObject({ job: { id: ofA.id, payload: { secret: 'a' } }, created: false });
    expect(await store.insert(makeJob({ type, key: 'weekly-08' }))).toMatchObject({ job: { id: unscoped.id }, created: false });
    expect((await store.insert(makeJob({ type, key: 'weekly-08', tenantId: 'tenant-a' }))).created).toBe(true);
    expect(await store.insert(makeJob({ type, key: 'weekly-09', tenantId: 'tenant-a', ownerId: 'u' }))).toMatchObject({ job: { id: ownedByU.id }, created: false });
    expect((await store.insert(makeJob({ type, key: 'weekly-09', tenantId: 'tenant-a', ownerId: 'v' }))).created).toBe(true);
    await store.close();
  });

  it('looks key holders up through the scoped dedupe index', async () => {
    const { dataSource } = await database('migrate_dedupe_plan');
    const store = new PostgresJobStore({ dataSource });
    await store.migrate();
    const names = store.names;
    // Many keyed jobs of one type over a few tenants, so equality on type alone is a poor path and
    // a plan on the dedupe index shows that the statements' expressions match the index's.
    await dataSource.query(
      `INSERT INTO ${names.qualified} (id, type, key, tenant_id, status, run_at, created_at, updated_at)
       SELECT gen_random_uuid(), 'plan.check', 'k' || i, 't' || (i % 10), 'queued', now(), now(), now()
       FROM generate_series(1, 5000) AS i`,
    );
    await dataSource.query(`ANALYZE ${names.qualified}`);
    const plans = await withClient(connectionString(), async (client) => {
      await client.query('SET enable_seqscan = off');
      const explain = async (text: string, values: unknown[]) =>
        (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)).rows.map((row) => row['QUERY PLAN']).join('\n');
      return {
        holders: await explain(dedupeHoldersStatement(names).text, [['plan.check'], ['k7'], ['t7'], [null]]),
        holder: await explain(keyHolderStatement(names).text, ['plan.check', 'k7', makeJob().id, 't7', null]),
      };
    });
    for (const plan of [plans.holders, plans.holder]) {
      expect(plan).toContain(names.index.dedupeKey);
      expect(plan).toMatch(/Index Cond: .*COALESCE.*tenant_id.*COALESCE.*owner_id/s);
    }
    await store.close();
  });

  it('answers a store_error that says to migrate when the table is missing', async () => {
    const { dataSource } = await database('migrate_missing');
    const store = new PostgresJobStore({ dataSource });
    await expectJobtrailError(() => store.get(makeJob().id), 'store_error');
    await expect(store.get(makeJob().id)).rejects.toThrow(/store\.migrate\(\)/);
  });
});

describe('jobtrailMigrations (TypeORM)', () => {
  it('run through TypeORM, are recorded, and store.migrate() then has nothing to do', async () => {
    const { schema } = await database('migrate_typeorm');
    const dataSource = new DataSource({
      type: 'postgres',
      url: connectionString(),
      schema,
      poolSize: 2,
      migrations: [...jobtrailMigrations],
      migrationsTableName: 'app_migrations',
    });
    await dataSource.initialize();
    try {
      const ran = await dataSource.runMigrations();
      expect(ran.map((migration) => migration.name)).toEqual([
        'Jobtrail1CreateJobs1767225600001',
        'Jobtrail2AddHistory1767225600002',
        'Jobtrail3ScopeDedupeKeys1767225600003',
      ]);
      expect(await dataSource.runMigrations()).toEqual([]);
      const store = new PostgresJobStore({ dataSource });
      expect(await store.migrate()).toEqual({ applied: [], version: 3 });
      expect((await indexesOf(schema, 'jobtrail_jobs')).get('jobtrail_jobs_dedupe_key_idx')).toMatch(SCOPED_DEDUPE_INDEX);
      const job = makeJob();
      await store.insert(job);
      expect(await store.get(job.id)).toEqual(job);

      // Undoing step 3 brings back the global key index: inserts (ON CONFLICT names the scoped
      // one) answer a store_error that says to migrate.
      await dataSource.undoLastMigration();
      expect((await indexesOf(schema, 'jobtrail_jobs')).get('jobtrail_jobs_dedupe_key_idx')).toMatch(GLOBAL_DEDUPE_INDEX);
      await expectJobtrailError(() => store.insert(makeJob()), 'store_error');
      await expect(store.insert(makeJob())).rejects.toThrow(/older than this version.*store\.migrate\(\)/);

      // Undoing step 2 leaves a table this version cannot read: the error says to migrate.
      await dataSource.undoLastMigration();
      await expectJobtrailError(() => store.get(job.id), 'store_error');
      await expect(store.get(job.id)).rejects.toThrow(/older than this version.*store\.migrate\(\)/);
      expect(await store.migrate()).toEqual({ applied: [2, 3], version: 3 });
      expect(await store.get(job.id)).toEqual(job);
    } finally {
      await dataSource.destroy();
    }
  });

  it('after store.migrate(), TypeORM records the steps without running their DDL again', async () => {
    const { schema } = await database('migrate_then_typeorm');
    const dataSource = new DataSource({ type: 'postgres', url: connectionString(), schema, poolSize: 2, migrations: [...jobtrailMigrations] });
    await dataSource.initialize();
    try {
      const store = new PostgresJobStore({ dataSource });
      expect(await store.migrate()).toEqual({ applied: [1, 2, 3], version: 3 });
      const indexOid = async () =>
        ((await dataSource.query(`SELECT to_regclass($1)::oid AS oid`, [`${schema}.jobtrail_jobs_dedupe_key_idx`])) as Array<{ oid: number }>)[0]!.oid;
      const before = await indexOid();
      expect((await dataSource.runMigrations()).map((migration) => migration.name)).toHaveLength(3);
      expect(await indexOid()).toBe(before);
      expect(await store.migrate()).toEqual({ applied: [], version: 3 });
      const job = makeJob({ key: 'k' });
      expect(await store.insert(job)).toEqual({ job, created: true });
    } finally {
      await dataSource.destroy();
    }
  });

  it('createJobtrailMigrations targets another table and refuses unsafe names', async () => {
    const { schema } = await database('migrate_typeorm_custom');
    const dataSource = new DataSource({
      type: 'postgres',
      url: connectionString(),
      schema,
      poolSize: 2,
      migrations: createJobtrailMigrations({ tableName: 'queue_jobs' }),
    });
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
      expect((await indexesOf(schema, 'queue_jobs')).has('queue_jobs_claim_idx')).toBe(true);
    } finally {
      await dataSource.destroy();
    }
    await expectJobtrailError(() => createJobtrailMigrations({ tableName: 'jobs; DROP TABLE x' }), 'invalid_input');
  });
});
