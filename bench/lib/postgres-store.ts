import type { JobStore } from '@jobtrail/core/store';
import { PostgresJobStore, type PostgresJobStoreOptions } from '@jobtrail/store-postgres';
import { createTestSchema } from '@jobtrail/testkit-postgres';
import { DataSource } from 'typeorm';

/** A migrated PostgresJobStore in a fresh schema (pool of 10), and how to drop it all after. */
export async function freshPostgresStore(
  connectionString: string,
  schemaPrefix: string,
  options: Omit<PostgresJobStoreOptions, 'dataSource'> = {},
): Promise<{ store: JobStore; done: () => Promise<void> }> {
  const schema = await createTestSchema(connectionString, schemaPrefix);
  const dataSource = await new DataSource({ type: 'postgres', url: connectionString, schema: schema.schema, poolSize: 10 }).initialize();
  const store = new PostgresJobStore({ dataSource, ...options });
  await store.migrate();
  return {
    store,
    done: async () => {
      await store.close();
      await dataSource.destroy();
      await schema.drop();
    },
  };
}
