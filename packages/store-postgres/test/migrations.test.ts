import type { ClaimRequest } from '@jobtrail/core/store';
import { expectJobtrailError, makeJob, makeTypeControl } from '@jobtrail/core/testing';
import { withClient } from '@jobtrail/testkit-postgres';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresJobStore, createJobtrailMigrations, jobtrailMigrations } from '../src/index.js';
import { runMigrations } from '../src/migrations/migrate.js';
import { MIGRATION_STEPS } from '../src/migrations/migration-steps.js';
import { dedupeHoldersStatement } from '../src/sql/insert.js';
import { filterConditions } from '../src/sql/job-filter.js';
import { buildActivity } from '../src/sql/activity.js';
import { dueSchedulesStatement, nextScheduleRunAtStatement } from '../src/sql/schedules.js';
import { keyHolderStatement } from '../src/sql/transition.js';
import { makeSchedule } from './support/schedules.js';
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

/** The names of a table's user triggers, sorted. */
async function triggersOf(schema: string, table: string): Promise<string[]> {
  const { rows } = await withClient(connectionString(), (client) =>
    client.query<{ name: string }>(
      `SELECT t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND NOT t.tgisinternal ORDER BY t.tgname`,
      [schema, table],
    ),
  );
  return rows.map((row) => row.name);
}

/** The dedupe index since version 3: per type, key, tenant and owner (NULL-equal expressions). */
const SCOPED_DEDUPE_INDEX = /UNIQUE INDEX .*\(type, key, COALESCE\(.*tenant_id.*, COALESCE\(.*owner_id.*\) WHERE \(\(key IS NOT NULL\) AND/;
/** The dedupe index of versions 1 and 2: per type and key, across tenants. */
const GLOBAL_DEDUPE_INDEX = /UNIQUE INDEX .*\(type, key\) WHERE \(\(key IS NOT NULL\) AND/;

/** The schedules table's indexes (its primary key included), sorted. */
const SCHEDULE_INDEXES = ['jobtrail_schedules_due_idx', 'jobtrail_schedules_pending_idx', 'jobtrail_schedules_pkey'];

async function tableExists(schema: string, table: string): Promise<boolean> {
  const { rows } = await withClient(connectionString(), (client) =>
    client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, table]),
  );
  return rows.length > 0;
}

/** Each column's type, with ` NOT NULL` when it has that constraint. */
async function columnsOf(schema: string, table: string): Promise<Record<string, string>> {
  const { rows } = await withClient(connectionString(), (client) =>
    client.query<{ column_name: string; data_type: string; is_nullable: string }>(
      'SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
      [schema, table],
    ),
  );
  return Object.fromEntries(rows.map((row) => [row.column_name, `${row.data_type}${row.is_nullable === 'NO' ? ' NOT NULL' : ''}`]));
}

async function functionExists(schema: string, name: string): Promise<boolean> {
  const { rows } = await withClient(connectionString(), (client) =>
    client.query('SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = $2', [schema, name]),
  );
  return rows.length > 0;
}

/** A claim of up to 10 jobs of `types`, now. */
function claimRequest(types: string[]): ClaimRequest {
  return { owner: 'migration-test', now: new Date(), leaseExpiresAt: new Date(Date.now() + 60_000), limits: Object.fromEntries(types.map((type) => [type, 10])), limit: 10 };
}

afterEach(async () => {
  for (const created of databases.splice(0)) await created.drop();
});

describe('store.migrate()', () => {
  it('creates the table with its indexes once and is a no-op afterwards', async () => {
    const { dataSource, schema } = await database('migrate_idempotent');
    const store = new PostgresJobStore({ dataSource });
    expect(await store.migrate()).toEqual({ applied: [1, 2, 3, 4, 5, 6, 7, 8], version: 8 });
    expect(await store.migrate()).toEqual({ applied: [], version: 8 });

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
      for (const result of results) expect(result.version).toBe(8);
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
      expect(await store.migrate()).toEqual({ applied: [1, 2, 3, 4, 5, 6, 7, 8], version: 8 });
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
    expect(await store.migrate()).toEqual({ applied: [2, 3, 4, 5, 6, 7, 8], version: 8 });
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

    expect(await store.migrate()).toEqual({ applied: [3, 4, 5, 6, 7, 8], version: 8 });
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

describe('migration 4: schedules', () => {
  it('creates the schedules table beside the job table, with its indexes, and the jobs\' schedule columns', async () => {
    const { dataSource, schema } = await database('migrate_schedules');
    const store = new PostgresJobStore({ dataSource });
    await store.migrate();
    expect(store.names.schedules.table).toBe('jobtrail_schedules');
    expect(await columnsOf(schema, 'jobtrail_schedules')).toEqual({
      name: 'text NOT NULL',
      type: 'text NOT NULL',
      payload: 'jsonb',
      metadata: 'jsonb NOT NULL',
      tenant_id: 'text',
      cron: 'text',
      timezone: 'text',
      every_ms: 'bigint',
      start_at: 'timestamp with time zone',
      end_at: 'timestamp with time zone',
      anchor_at: 'timestamp with time zone NOT NULL',
      overlap: 'text NOT NULL',
      catch_up: 'text NOT NULL',
      max_catch_up: 'integer NOT NULL',
      enabled: 'boolean NOT NULL',
      paused: 'boolean NOT NULL',
      next_run_at: 'timestamp with time zone',
      last_run_at: 'timestamp with time zone',
      last_job_id: 'uuid',
      pending_ticks: 'ARRAY NOT NULL',
      version: 'bigint NOT NULL',
      created_at: 'timestamp with time zone NOT NULL',
      updated_at: 'timestamp with time zone NOT NULL',
    });
    const jobColumns = await columnsOf(schema, 'jobtrail_jobs');
    expect(jobColumns['schedule_name']).toBe('text');
    expect(jobColumns['scheduled_for']).toBe('timestamp with time zone');

    const indexes = await indexesOf(schema, 'jobtrail_schedules');
    expect([...indexes.keys()].sort()).toEqual(SCHEDULE_INDEXES);
    expect(indexes.get('jobtrail_schedules_pkey')).toMatch(/UNIQUE INDEX .* \(name\)$/);
    expect(indexes.get('jobtrail_schedules_due_idx')).toMatch(/\(next_run_at, name\) WHERE \(enabled AND \(NOT paused\) AND \(next_run_at IS NOT NULL\)\)$/);
    expect(indexes.get('jobtrail_schedules_pending_idx')).toMatch(/\(next_run_at NULLS FIRST, name\) WHERE \(cardinality\(pending_ticks\) > 0\)$/);
    // Names page in code point order whatever the database's collation.
    const [collation] = (await dataSource.query(
      `SELECT collation_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'jobtrail_schedules' AND column_name = 'name'`,
      [schema],
    )) as Array<{ collation_name: string }>;
    expect(collation?.collation_name).toBe('C');
    // The policy check keeps overlap and catch-up to their known values, also for direct SQL.
    await expect(
      dataSource.query(
        `INSERT INTO ${store.names.schedules.qualified} (name, type, anchor_at, overlap, catch_up, max_catch_up, enabled, version, created_at, updated_at)
         VALUES ('direct', 't', now(), 'queue', 'latest', 1, true, 1, now(), now())`,
      ),
    ).rejects.toThrow(/jobtrail_schedules_policy_check/);
    await store.close();
  });

  it('upgrades a version 3 table in place: its jobs read back unscheduled, schedule calls work after', async () => {
    const { dataSource } = await database('migrate_upgrade_v3');
    const store = new PostgresJobStore({ dataSource });
    const pool = (dataSource.driver as unknown as { master: unknown }).master;
    expect(await runMigrations(pool, store.names, MIGRATION_STEPS.slice(0, 3))).toEqual({ applied: [1, 2, 3], version: 3 });
    // A job a version 3 store wrote: every column but the schedule ones.
    const job = makeJob({ key: 'weekly', tenantId: 'tenant-a', payload: { n: 1 }, metrics: { rows: 2 } });
    await dataSource.query(
      `INSERT INTO ${store.names.qualified} (id, type, key, tenant_id, status, attempt, max_attempts, priority, run_at, payload, metrics, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'queued', 0, $5, 0, $6, $7::jsonb, $8::jsonb, $9, $10)`,
      [job.id, job.type, job.key, job.tenantId, job.maxAttempts, job.runAt, JSON.stringify(job.payload), JSON.stringify(job.metrics), job.createdAt, job.updatedAt],
    );
    // Before the upgrade: both kinds of call say to migrate, none writes.
    await expectJobtrailError(() => store.get(job.id), 'store_error');
    await expect(store.get(job.id)).rejects.toThrow(/older than this version.*store\.migrate\(\)/);
    await expectJobtrailError(() => store.insertSchedule(makeSchedule()), 'store_error');
    await expect(store.nextScheduleRunAt()).rejects.toThrow(/jobtrail_schedules does not exist.*store\.migrate\(\)/);

    expect(await store.migrate()).toEqual({ applied: [4, 5, 6, 7, 8], version: 8 });
    expect(await store.get(job.id)).toEqual(job);
    expect(await store.get(job.id)).toMatchObject({ scheduleName: null, scheduledFor: null });
    // The key it holds still dedupes.
    expect(await store.insert(makeJob({ key: 'weekly', tenantId: 'tenant-a' }))).toMatchObject({ job: { id: job.id }, created: false });

    const schedule = makeSchedule({ name: 'weekly-report' });
    expect(await store.insertSchedule(schedule)).toEqual({ ok: true, schedule });
    const fired = makeJob({ scheduleName: schedule.name, scheduledFor: new Date('2026-01-05T06:00:00.000Z') });
    await store.insert(fired);
    expect(await store.get(fired.id)).toEqual(fired);
    await store.close();
  });

  it('names the schedules table after the job table, one per job table', async () => {
    const { dataSource, schema } = await database('migrate_schedule_names');
    const stores = ['jobtrail_jobs', 'billing_jobs', 'queue'].map((tableName) => new PostgresJobStore({ dataSource, tableName }));
    for (const store of stores) await store.migrate();
    expect(stores.map((store) => store.names.schedules.table)).toEqual(['jobtrail_schedules', 'billing_schedules', 'queue_schedules']);
    for (const table of ['jobtrail_schedules', 'billing_schedules', 'queue_schedules']) expect(await tableExists(schema, table)).toBe(true);
    const [first, second] = stores;
    const schedule = makeSchedule();
    await second!.insertSchedule(schedule);
    expect(await second!.getSchedule(schedule.name)).toEqual(schedule);
    expect(await first!.getSchedule(schedule.name)).toBeNull();
    // The longest table name allowed still gives every derived name in full (63 bytes at most).
    const long = new PostgresJobStore({ dataSource, tableName: 'q'.repeat(40) });
    await long.migrate();
    expect(Object.keys(Object.fromEntries(await indexesOf(schema, `${'q'.repeat(40)}_schedules`))).sort()).toEqual(
      [`${'q'.repeat(40)}_schedules_due_idx`, `${'q'.repeat(40)}_schedules_pending_idx`, `${'q'.repeat(40)}_schedules_pkey`],
    );
    expect(Buffer.byteLength(long.names.schedules.constraint.policy)).toBeLessThanOrEqual(63);
    expect(await triggersOf(schema, 'q'.repeat(40))).toEqual([long.names.changes.insertTrigger, long.names.changes.updateTrigger]);
    expect(Buffer.byteLength(long.names.changes.channel)).toBeLessThanOrEqual(63);
    await long.insertSchedule(makeSchedule({ name: 'long' }));
    expect((await long.getSchedule('long'))?.name).toBe('long');
  });

  it('never adopts a table of that name it did not create: the migration fails and applies nothing', async () => {
    const { dataSource, schema } = await database('migrate_schedule_taken');
    // The application's own table, named like the schedules table would be.
    await dataSource.query(`CREATE TABLE "${schema}".jobtrail_schedules (id serial PRIMARY KEY, note text)`);
    await dataSource.query(`INSERT INTO "${schema}".jobtrail_schedules (note) VALUES ('mine')`);
    const store = new PostgresJobStore({ dataSource });
    await expectJobtrailError(() => store.migrate(), 'store_error');
    await expect(store.migrate()).rejects.toThrow(/jobtrail_schedules.*already exists/);
    expect(await tableExists(schema, 'jobtrail_jobs')).toBe(false);
    expect(await dataSource.query(`SELECT note FROM "${schema}".jobtrail_schedules`)).toEqual([{ note: 'mine' }]);

    // Two job tables whose names would share one schedules table (`x` and `x_jobs`): the second
    // one's migration fails rather than firing the first one's schedules into its own jobs.
    const x = new PostgresJobStore({ dataSource, tableName: 'x' });
    const xJobs = new PostgresJobStore({ dataSource, tableName: 'x_jobs' });
    expect((await x.migrate()).version).toBe(8);
    await expectJobtrailError(() => xJobs.migrate(), 'store_error');
    expect(await tableExists(schema, 'x_jobs')).toBe(false);
  });

  it('reads due schedules and the next run time through their partial indexes', async () => {
    const { dataSource } = await database('migrate_schedule_plan');
    const store = new PostgresJobStore({ dataSource });
    await store.migrate();
    const names = store.names;
    await dataSource.query(
      `INSERT INTO ${names.schedules.qualified} (name, type, every_ms, anchor_at, overlap, catch_up, max_catch_up, enabled, paused, next_run_at, pending_ticks, version, created_at, updated_at)
       SELECT 's' || i, 'plan.check', 60000, now(), 'skip', 'latest', 1, i % 3 <> 0, i % 5 = 0, now() + (i || ' seconds')::interval,
              CASE WHEN i % 97 = 0 THEN ARRAY[now()] ELSE '{}' END, 1, now(), now()
       FROM generate_series(1, 3000) AS i`,
    );
    await dataSource.query(`ANALYZE ${names.schedules.qualified}`);
    const plans = await withClient(connectionString(), async (client) => {
      await client.query('SET enable_seqscan = off');
      const explain = async (text: string, values: unknown[]) =>
        (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)).rows.map((row) => row['QUERY PLAN']).join('\n');
      return {
        due: await explain(dueSchedulesStatement(names).text, [new Date(Date.now() + 60_000), 100]),
        next: await explain(nextScheduleRunAtStatement(names).text, []),
      };
    });
    expect(plans.due).toContain(names.schedules.index.due);
    expect(plans.due).toContain(names.schedules.index.pending);
    expect(plans.due).not.toMatch(/Bitmap Heap Scan/);
    expect(plans.next).toContain(names.schedules.index.due);
    await store.close();
  });
});

describe('migration 5: flow control', () => {
  it("creates the type limits, starts and group starts tables beside the job table, the claim function, the jobs' group and its indexes", async () => {
    const { dataSource, schema } = await database('migrate_flow');
    const store = new PostgresJobStore({ dataSource });
    await store.migrate();
    expect(store.names.flow.limits.table).toBe('jobtrail_type_limits');
    expect(await columnsOf(schema, 'jobtrail_type_limits')).toEqual({
      type: 'text NOT NULL',
      max_running: 'integer',
      max_running_per_group: 'integer',
      rate_limit: 'integer',
      rate_interval_ms: 'integer',
      rate_per_group: 'boolean',
      paused: 'boolean NOT NULL',
      version: 'bigint NOT NULL',
      updated_at: 'timestamp with time zone NOT NULL',
    });
    expect(await columnsOf(schema, 'jobtrail_type_starts')).toEqual({
      type: 'text NOT NULL',
      started_at: 'timestamp with time zone NOT NULL',
      group_key: 'text NOT NULL',
      starts: 'integer NOT NULL',
    });
    expect(await columnsOf(schema, 'jobtrail_group_starts')).toEqual({
      type: 'text NOT NULL',
      group_key: 'text NOT NULL',
      last_turn: 'bigint NOT NULL',
    });
    expect((await columnsOf(schema, 'jobtrail_jobs'))['group_name']).toBe('text');
    expect([...(await indexesOf(schema, 'jobtrail_type_limits')).keys()]).toEqual(['jobtrail_type_limits_pkey']);
    expect((await indexesOf(schema, 'jobtrail_type_starts')).get('jobtrail_type_starts_pkey')).toMatch(/UNIQUE INDEX .* \(type, started_at, group_key\)$/);
    expect((await indexesOf(schema, 'jobtrail_group_starts')).get('jobtrail_group_starts_pkey')).toMatch(/UNIQUE INDEX .* \(type, group_key\)$/);
    const jobIndexes = await indexesOf(schema, 'jobtrail_jobs');
    expect(jobIndexes.get('jobtrail_jobs_running_idx')).toMatch(/\(type, group_name\) WHERE \(status = 'running'::text\)$/);
    expect(jobIndexes.get('jobtrail_jobs_group_claim_idx')).toMatch(/\(type, COALESCE\(.*group_name.*\), priority DESC, run_at, id\) WHERE \(status = ANY/);
    expect(await functionExists(schema, 'jobtrail_jobs_flow_claim')).toBe(true);
    // A rate limit is its three fields or none, also for direct SQL.
    await expect(
      dataSource.query(`INSERT INTO ${store.names.flow.limits.qualified} (type, rate_limit, version, updated_at) VALUES ('direct', 5, 1, now())`),
    ).rejects.toThrow(/jobtrail_type_limits_rate_check/);
    await store.close();
  });

  it('upgrades a version 4 table in place: its jobs read back without a group, flow control works after', async () => {
    const { dataSource } = await database('migrate_upgrade_v4');
    const store = new PostgresJobStore({ dataSource });
    const pool = (dataSource.driver as unknown as { master: unknown }).master;
    expect(await runMigrations(pool, store.names, MIGRATION_STEPS.slice(0, 4))).toEqual({ applied: [1, 2, 3, 4], version: 4 });
    // A job a version 4 store wrote: every column but the group.
    const job = makeJob({ type: 'reports.build', key: 'weekly', payload: { n: 1 } });
    await dataSource.query(
      `INSERT INTO ${store.names.qualified} (id, type, key, status, attempt, max_attempts, priority, run_at, payload, created_at, updated_at)
       VALUES ($1, $2, $3, 'queued', 0, $4, 0, $5, $6::jsonb, $7, $8)`,
      [job.id, job.type, job.key, job.maxAttempts, job.runAt, JSON.stringify(job.payload), job.createdAt, job.updatedAt],
    );
    // Before the upgrade: reads, claims and flow calls say to migrate; none writes.
    await expect(store.get(job.id)).rejects.toThrow(/older than this version.*store\.migrate\(\)/);
    await expectJobtrailError(() => store.claim(claimRequest([job.type])), 'store_error');
    await expect(store.putTypeControl(makeTypeControl({ type: job.type, maxRunning: 1 }), null)).rejects.toThrow(/migration 5.*store\.migrate\(\)/);
    await expect(store.countStarts(job.type, new Date(0))).rejects.toThrow(/migration 5/);

    expect(await store.migrate()).toEqual({ applied: [5, 6, 7, 8], version: 8 });
    expect(await store.get(job.id)).toEqual(job);
    expect(await store.get(job.id)).toMatchObject({ group: null });
    expect((await store.putTypeControl(makeTypeControl({ type: job.type, maxRunning: 1 }), null)).ok).toBe(true);
    const grouped = makeJob({ type: job.type, group: 'acct-1', runAt: new Date(job.runAt.getTime() - 1000) });
    await store.insert(grouped);
    // maxRunning 1: the older (grouped) job and nothing more, until it finishes.
    expect((await store.claim(claimRequest([job.type]))).map((claimed) => claimed.id)).toEqual([grouped.id]);
    expect(await store.claim(claimRequest([job.type]))).toEqual([]);
    await store.close();
  });

  it('names the flow tables after the job table, one set per job table', async () => {
    const { dataSource, schema } = await database('migrate_flow_names');
    const stores = ['billing_jobs', 'queue', 'q'.repeat(40)].map((tableName) => new PostgresJobStore({ dataSource, tableName }));
    for (const store of stores) await store.migrate();
    expect(stores.map((store) => store.names.flow.limits.table)).toEqual(['billing_type_limits', 'queue_type_limits', `${'q'.repeat(40)}_type_limits`]);
    for (const store of stores) {
      for (const table of [store.names.flow.limits.table, store.names.flow.starts.table, store.names.flow.groupStarts.table]) {
        expect(await tableExists(schema, table)).toBe(true);
      }
      for (const name of Object.values(store.names.flow.constraint)) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    }
    const [billing, queue] = stores;
    await billing!.putTypeControl(makeTypeControl({ type: 'shared.type', paused: true }), null);
    expect(await billing!.getTypeControl('shared.type')).toMatchObject({ paused: true });
    expect(await queue!.getTypeControl('shared.type')).toBeNull();
    // The longest table name: every derived name in full, and the flow claim works.
    const long = stores[2]!;
    await long.putTypeControl(makeTypeControl({ type: 'long.type', maxRunning: 1 }), null);
    await long.insert(makeJob({ type: 'long.type' }));
    await long.insert(makeJob({ type: 'long.type' }));
    expect(await long.claim(claimRequest(['long.type']))).toHaveLength(1);
  });

  it('never adopts a table of that name it did not create: the migration fails and applies nothing', async () => {
    const { dataSource, schema } = await database('migrate_flow_taken');
    await dataSource.query(`CREATE TABLE "${schema}".jobtrail_type_limits (id serial PRIMARY KEY, note text)`);
    const store = new PostgresJobStore({ dataSource });
    await expectJobtrailError(() => store.migrate(), 'store_error');
    await expect(store.migrate()).rejects.toThrow(/jobtrail_type_limits.*already exists/);
    expect(await tableExists(schema, 'jobtrail_jobs')).toBe(false);
    expect(await functionExists(schema, 'jobtrail_jobs_flow_claim')).toBe(false);
  });
});

describe('migration 8: started_at index', () => {
  it('indexes started jobs by started_at, and activity reads starts and finishes through indexes', async () => {
    const { dataSource, schema } = await database('migrate_started');
    const store = new PostgresJobStore({ dataSource });
    await store.migrate();
    expect((await indexesOf(schema, 'jobtrail_jobs')).get('jobtrail_jobs_started_idx')).toMatch(/\(started_at\) WHERE \(started_at IS NOT NULL\)$/);
    await dataSource.query(
      `INSERT INTO ${store.names.qualified} (id, type, status, attempt, max_attempts, priority, run_at, started_at, finished_at, created_at, updated_at)
       SELECT gen_random_uuid(), 'plan.check', 'completed', 1, 1, 0, now() - i * interval '1 minute', now() - i * interval '1 minute',
              now() - i * interval '1 minute' + interval '1 second', now(), now()
       FROM generate_series(1, 3000) AS i`,
    );
    await dataSource.query(`ANALYZE ${store.names.qualified}`);
    const since = new Date(Date.now() - 3_600_000);
    const built = buildActivity(store.names, { filter: { type: ['plan.check'] }, since, until: new Date(), bucketMs: 60_000 });
    const plan = await withClient(connectionString(), async (client) => {
      await client.query('SET enable_seqscan = off');
      const rows = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${built.statement.text}`, built.params)).rows;
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('jobtrail_jobs_started_idx');
    expect(plan).toContain('jobtrail_jobs_prune_idx');
    const buckets = await store.activity({ filter: { type: ['plan.check'] }, since, until: new Date(), bucketMs: 3_600_000 });
    expect(buckets.reduce((sum, bucket) => sum + bucket.started, 0)).toBeGreaterThanOrEqual(59);
    await store.close();
  });
});

describe('migration 6: metadata index', () => {
  it('indexes non-empty metadata with jsonb_path_ops and the metadata filter reads through it', async () => {
    const { dataSource, schema } = await database('migrate_metadata');
    const store = new PostgresJobStore({ dataSource });
    await store.migrate();
    expect((await indexesOf(schema, 'jobtrail_jobs')).get('jobtrail_jobs_metadata_idx')).toMatch(
      /USING gin \(metadata jsonb_path_ops\) WHERE \(metadata <> '\{\}'::jsonb\)$/,
    );
    await dataSource.query(
      `INSERT INTO ${store.names.qualified} (id, type, status, attempt, max_attempts, priority, run_at, metadata, created_at, updated_at)
       SELECT gen_random_uuid(), 'plan.check', 'completed', 1, 1, 0, now(),
              CASE WHEN i % 2 = 0 THEN jsonb_build_object('customer', 'c-' || i) ELSE '{}'::jsonb END, now(), now()
       FROM generate_series(1, 3000) AS i`,
    );
    await dataSource.query(`ANALYZE ${store.names.qualified}`);
    const params: unknown[] = [];
    const where = filterConditions({ metadata: { customer: 'c-42' } }, params).join(' AND ');
    const plan = await withClient(connectionString(), async (client) => {
      await client.query('SET enable_seqscan = off');
      const rows = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT id FROM ${store.names.qualified} WHERE ${where}`, params)).rows;
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('jobtrail_jobs_metadata_idx');
    expect((await store.query({ metadata: { customer: 'c-42' }, limit: 10 })).jobs).toHaveLength(1);
    await store.close();
  });

  it('rebuilds an invalid index of its name (a failed CREATE INDEX CONCURRENTLY) and keeps a valid one', async () => {
    const { dataSource, schema } = await database('migrate_metadata_invalid');
    const store = new PostgresJobStore({ dataSource });
    const pool = (dataSource.driver as unknown as { master: unknown }).master;
    await runMigrations(pool, store.names, MIGRATION_STEPS.slice(0, 5));
    const index = `"${schema}".jobtrail_jobs_metadata_idx`;
    await dataSource.query(`CREATE INDEX jobtrail_jobs_metadata_idx ON ${store.names.qualified} USING gin (metadata jsonb_path_ops) WHERE metadata <> '{}'::jsonb`);
    // What a failed concurrent build leaves: the index, marked invalid.
    await dataSource.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = $1::regclass`, [index]);
    const validity = async () =>
      ((await dataSource.query(`SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = $1::regclass`, [index])) as Array<{ valid: boolean }>)[0]!.valid;
    expect(await validity()).toBe(false);
    expect(await store.migrate()).toEqual({ applied: [6, 7, 8], version: 8 });
    expect(await validity()).toBe(true);
    await store.close();
  });

  it('upgrades a version 5 table in place: only the index is added', async () => {
    const { dataSource, schema } = await database('migrate_upgrade_v5');
    const store = new PostgresJobStore({ dataSource });
    const pool = (dataSource.driver as unknown as { master: unknown }).master;
    expect(await runMigrations(pool, store.names, MIGRATION_STEPS.slice(0, 5))).toEqual({ applied: [1, 2, 3, 4, 5], version: 5 });
    const job = makeJob({ metadata: { customer: 'c-7', tier: 2 } });
    await store.insert(job);
    // Before the upgrade the filter already answers (unindexed).
    expect((await store.query({ metadata: { tier: 2 }, limit: 10 })).jobs.map((read) => read.id)).toEqual([job.id]);
    expect(await store.migrate()).toEqual({ applied: [6, 7, 8], version: 8 });
    expect((await indexesOf(schema, 'jobtrail_jobs')).has('jobtrail_jobs_metadata_idx')).toBe(true);
    expect((await store.query({ metadata: { customer: 'c-7', tier: 2 }, limit: 10 })).jobs.map((read) => read.id)).toEqual([job.id]);
    await store.close();
  });

  it('upgrades a version 6 table in place: its writes are heard on the change channel after', async () => {
    const { dataSource, schema } = await database('migrate_upgrade_v6');
    const store = new PostgresJobStore({ dataSource });
    const pool = (dataSource.driver as unknown as { master: unknown }).master;
    expect(await runMigrations(pool, store.names, MIGRATION_STEPS.slice(0, 6))).toEqual({ applied: [1, 2, 3, 4, 5, 6], version: 6 });
    const before = makeJob();
    await store.insert(before);
    expect(await triggersOf(schema, 'jobtrail_jobs')).toEqual([]);
    expect(await store.migrate()).toEqual({ applied: [7, 8], version: 8 });
    expect(await triggersOf(schema, 'jobtrail_jobs')).toEqual(['jobtrail_jobs_changes_insert', 'jobtrail_jobs_changes_update']);
    const heard: string[] = [];
    const stop = store.subscribeChanges((event) => {
      for (const change of event.changes ?? []) heard.push(change.jobId);
    });
    const after = makeJob();
    await store.insert(after);
    const deadline = Date.now() + 30_000;
    while (!heard.includes(after.id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard).toContain(after.id);
    expect(await store.get(before.id)).toEqual(before);
    stop();
    await store.close();
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
        'Jobtrail4AddSchedules1767225600004',
        'Jobtrail5AddFlowControl1767225600005',
        'Jobtrail6IndexMetadata1767225600006',
        'Jobtrail7ChangeFeed1767225600007',
        'Jobtrail8IndexStartedAt1767225600008',
      ]);
      expect(await dataSource.runMigrations()).toEqual([]);
      const store = new PostgresJobStore({ dataSource });
      expect(await store.migrate()).toEqual({ applied: [], version: 8 });
      expect((await indexesOf(schema, 'jobtrail_jobs')).get('jobtrail_jobs_dedupe_key_idx')).toMatch(SCOPED_DEDUPE_INDEX);
      expect([...(await indexesOf(schema, 'jobtrail_schedules')).keys()].sort()).toEqual(SCHEDULE_INDEXES);
      const job = makeJob();
      await store.insert(job);
      expect(await store.get(job.id)).toEqual(job);
      expect((await store.insertSchedule(makeSchedule({ name: 'nightly' }))).ok).toBe(true);
      expect((await store.putTypeControl(makeTypeControl({ type: 'reports.build', maxRunning: 2 }), null)).ok).toBe(true);

      // Undoing step 8 drops the started_at index only: activity still answers, unindexed.
      expect((await indexesOf(schema, 'jobtrail_jobs')).get('jobtrail_jobs_started_idx')).toMatch(/\(started_at\) WHERE \(started_at IS NOT NULL\)$/);
      await dataSource.undoLastMigration();
      expect((await indexesOf(schema, 'jobtrail_jobs')).has('jobtrail_jobs_started_idx')).toBe(false);
      expect(await store.activity({ filter: {}, since: new Date(0), until: new Date(1000), bucketMs: 1000 })).toEqual([]);

      // Undoing step 7 drops the change triggers only: writes go on, unheard.
      expect(await triggersOf(schema, 'jobtrail_jobs')).toEqual(['jobtrail_jobs_changes_insert', 'jobtrail_jobs_changes_update']);
      expect(await tableExists(schema, 'jobtrail_change_listeners')).toBe(true);
      await dataSource.undoLastMigration();
      expect(await triggersOf(schema, 'jobtrail_jobs')).toEqual([]);
      expect(await tableExists(schema, 'jobtrail_change_listeners')).toBe(false);

      // Undoing step 6 drops the metadata index only: the metadata filter still answers, unindexed.
      await store.insert(makeJob({ type: 'reports.build', metadata: { customer: 'c-1' } }));
      expect((await indexesOf(schema, 'jobtrail_jobs')).has('jobtrail_jobs_metadata_idx')).toBe(true);
      await dataSource.undoLastMigration();
      expect((await indexesOf(schema, 'jobtrail_jobs')).has('jobtrail_jobs_metadata_idx')).toBe(false);
      expect((await store.query({ metadata: { customer: 'c-1' }, limit: 10 })).jobs).toHaveLength(1);

      // Undoing step 5 drops the flow-control tables, the claim function and the jobs' group:
      // flow calls and claims say which migration brings the tables, job reads that the table is
      // older than this version.
      await dataSource.undoLastMigration();
      for (const table of ['jobtrail_type_limits', 'jobtrail_type_starts', 'jobtrail_group_starts']) expect(await tableExists(schema, table)).toBe(false);
      expect(await functionExists(schema, 'jobtrail_jobs_flow_claim')).toBe(false);
      expect([...(await indexesOf(schema, 'jobtrail_jobs')).keys()]).not.toContain('jobtrail_jobs_running_idx');
      await expectJobtrailError(() => store.getTypeControl('reports.build'), 'store_error');
      await expect(store.getTypeControl('reports.build')).rejects.toThrow(/jobtrail_type_limits.*migration 5.*store\.migrate\(\)/);
      await expect(store.claim(claimRequest(['reports.build']))).rejects.toThrow(/migration 5.*store\.migrate\(\)/);
      await expect(store.get(job.id)).rejects.toThrow(/older than this version.*store\.migrate\(\)/);

      // Undoing step 4 drops the schedules table and the jobs' schedule columns: schedule calls say
      // which migration creates the table, job calls that the table is older than this version.
      await dataSource.undoLastMigration();
      expect(await tableExists(schema, 'jobtrail_schedules')).toBe(false);
      await expectJobtrailError(() => store.getSchedule('nightly'), 'store_error');
      await expect(store.getSchedule('nightly')).rejects.toThrow(/jobtrail_schedules does not exist.*store\.migrate\(\)/);
      await expect(store.get(job.id)).rejects.toThrow(/older than this version.*store\.migrate\(\)/);

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
      expect(await store.migrate()).toEqual({ applied: [2, 3, 4, 5, 6, 7, 8], version: 8 });
      expect(await store.get(job.id)).toEqual(job);
      expect(await store.getSchedule('nightly')).toBeNull();
      expect(await store.getTypeControl('reports.build')).toBeNull();
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
      expect(await store.migrate()).toEqual({ applied: [1, 2, 3, 4, 5, 6, 7, 8], version: 8 });
      const indexOid = async () =>
        ((await dataSource.query(`SELECT to_regclass($1)::oid AS oid`, [`${schema}.jobtrail_jobs_dedupe_key_idx`])) as Array<{ oid: number }>)[0]!.oid;
      const before = await indexOid();
      expect((await dataSource.runMigrations()).map((migration) => migration.name)).toHaveLength(8);
      expect(await indexOid()).toBe(before);
      expect(await store.migrate()).toEqual({ applied: [], version: 8 });
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
