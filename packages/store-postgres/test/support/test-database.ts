import { createTestSchema } from '@jobtrail/testkit-postgres';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { PostgresJobStore, type PostgresJobStoreOptions } from '../../src/index.js';

export function connectionString(): string {
  return inject('pgConnectionString');
}

export interface TestDatabase {
  schema: string;
  dataSource: DataSource;
  /** Destroys the DataSource and drops the schema. */
  drop(): Promise<void>;
}

/** A fresh schema and a TypeORM DataSource whose default schema it is. */
export async function createTestDatabase(prefix: string, poolSize = 10): Promise<TestDatabase> {
  const url = connectionString();
  const schema = await createTestSchema(url, prefix);
  const dataSource = new DataSource({ type: 'postgres', url, schema: schema.schema, poolSize });
  await dataSource.initialize();
  return {
    schema: schema.schema,
    dataSource,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await schema.drop();
    },
  };
}

export interface TestStore extends TestDatabase {
  store: PostgresJobStore;
}

/** A migrated store on a fresh schema. */
export async function createTestStore(
  prefix: string,
  options: Omit<PostgresJobStoreOptions, 'dataSource'> = {},
): Promise<TestStore> {
  const database = await createTestDatabase(prefix);
  const store = new PostgresJobStore({ dataSource: database.dataSource, ...options });
  await store.migrate();
  return {
    ...database,
    store,
    drop: async () => {
      await store.close();
      await database.drop();
    },
  };
}
