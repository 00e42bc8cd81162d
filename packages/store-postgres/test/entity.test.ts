import { makeJob, uniqueName } from '@jobtrail/core/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEntity, PostgresJobStore, createJobEntity, type JobEntityRow } from '../src/index.js';
import { connectionString, createTestDatabase, type TestDatabase } from './support/test-database.js';

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await createTestDatabase('entity', 2);
  // The user's own DataSource, with the job entity registered next to their entities.
  dataSource = await new DataSource({
    type: 'postgres',
    url: connectionString(),
    schema: db.schema,
    poolSize: 2,
    entities: [JobEntity, createJobEntity({ name: 'BillingJob', tableName: 'billing_jobs' })],
  }).initialize();
});

afterAll(async () => {
  await dataSource.destroy();
  await db.drop();
});

describe('JobEntity', () => {
  it('reads jobs the store wrote through a TypeORM repository', async () => {
    const store = new PostgresJobStore({ dataSource });
    await store.migrate();
    const tenantId = uniqueName('tenant');
    const job = makeJob({ type: uniqueName('entity'), tenantId, payload: { placeId: 'p-1' }, metrics: { rows: 3 } });
    await store.insert(job);

    const row = await dataSource.getRepository<JobEntityRow>(JobEntity).findOneByOrFail({ id: job.id });
    expect(row).toMatchObject({ id: job.id, type: job.type, tenantId, status: 'queued', payload: { placeId: 'p-1' }, metrics: { rows: 3 }, history: [] });
    expect(row.runAt).toEqual(job.runAt);
    const count = await dataSource.getRepository(JobEntity).countBy({ tenantId });
    expect(count).toBe(1);
  });

  it('maps every column of the table the migrations create', async () => {
    await new PostgresJobStore({ dataSource }).migrate();
    const rows = (await dataSource.query(
      'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
      [db.schema, 'jobtrail_jobs'],
    )) as Array<{ column_name: string }>;
    const columns = rows.map((row) => row.column_name);
    expect(columns).toContain('history');
    const mapped = dataSource.getMetadata(JobEntity).columns.map((column) => column.databaseName);
    expect([...mapped].sort()).toEqual([...columns].sort());
  });

  it('maps a custom table name', async () => {
    const store = new PostgresJobStore({ dataSource, tableName: 'billing_jobs' });
    await store.migrate();
    const job = makeJob();
    await store.insert(job);
    expect(await dataSource.getRepository<JobEntityRow>('BillingJob').findOneBy({ id: job.id })).toMatchObject({ id: job.id });
  });
});
