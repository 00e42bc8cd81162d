import pg from 'pg';
import { withClient } from '@jobtrail/testkit-postgres';

export async function describeServer(connectionString: string): Promise<string> {
  return withClient(connectionString, async (client) => {
    const { rows } = await client.query<{ version: string; fsync: string; sc: string }>(
      `SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
              current_setting('synchronous_commit') AS sc`,
    );
    const row = rows[0]!;
    return `PostgreSQL ${row.version} (fsync ${row.fsync}, synchronous_commit ${row.sc})`;
  });
}

/**
 * Rows written (inserted + updated + deleted) in one schema, from pg_stat_user_tables. Backends
 * flush these counters lazily (at most once a second, and always when they exit), so callers
 * read it after closing the system's connections, and wait until the figure stops moving.
 */
export async function rowsWritten(connectionString: string, schemas: readonly string[]): Promise<number> {
  return withClient(connectionString, async (client) => {
    let previous = -1;
    for (let i = 0; i < 20; i++) {
      const { rows } = await client.query<{ n: string }>(
        `SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::text AS n
           FROM pg_stat_user_tables WHERE schemaname = ANY($1)`,
        [schemas],
      );
      const current = Number(rows[0]!.n);
      if (current === previous) return current;
      previous = current;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return previous;
  });
}

export async function dropSchemas(connectionString: string, schemas: readonly string[]): Promise<void> {
  await withClient(connectionString, async (client) => {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
  });
}

/**
 * One connection the benchmark itself uses to watch a run (completed counts, progress), kept
 * open so polling it costs a query, not a connection.
 */
export class Probe {
  private readonly pool: pg.Pool;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 1 });
    this.pool.on('error', () => {}); // an idle connection that dies is replaced on the next query
  }

  async number(sql: string, params: unknown[] = []): Promise<number | null> {
    const { rows } = await this.pool.query<{ n: string | number | null }>(sql, params);
    const value = rows[0]?.n;
    return value === undefined || value === null ? null : Number(value);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
