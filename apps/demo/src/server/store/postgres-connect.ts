import { PostgresJobStore } from '@jobtrail/store-postgres';
import { DataSource } from 'typeorm';

/** Opens the store the way an app with its own TypeORM DataSource would. */
export async function connect(connectionString: string): Promise<{ store: PostgresJobStore; dataSource: DataSource }> {
  const dataSource = new DataSource({ type: 'postgres', url: connectionString, poolSize: 5 });
  await dataSource.initialize();
  return { store: new PostgresJobStore({ dataSource }), dataSource };
}
