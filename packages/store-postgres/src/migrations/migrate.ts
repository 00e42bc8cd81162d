import type { TableNames } from '../naming/table-names.js';
import { MIGRATION_STEPS, SCHEMA_EXISTS_SQL, migrationLockKeysSql, migrationsTableSql, type MigrationStep } from './migration-steps.js';

export interface MigrateResult {
  /** Versions this call applied (empty when the schema was already up to date). */
  applied: number[];
  /** The schema version after the call. */
  version: number;
}

interface PgClient {
  // biome-ignore lint/suspicious/noExplicitAny: mirrors node-postgres' untyped rows, so a real PoolClient is assignable
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
  release(error?: Error | boolean): void;
}

interface ConnectablePool {
  connect(): Promise<PgClient>;
}

/**
 * Applies the missing steps in one transaction that first takes a transaction-level advisory
 * lock: concurrent callers queue behind it, then find the steps applied and do nothing. Either
 * every missing step is applied or (on error) none is.
 */
export async function runMigrations(
  pool: unknown,
  names: TableNames,
  steps: readonly MigrationStep[] = MIGRATION_STEPS,
): Promise<MigrateResult> {
  const client = await (pool as ConnectablePool).connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const lock = migrationLockKeysSql(names);
      await client.query(`SELECT pg_advisory_xact_lock(${lock.sql})`, lock.params);
      const schemaExists = (await client.query(SCHEMA_EXISTS_SQL, [names.schema])).rows.length > 0;
      for (const sql of migrationsTableSql(names, schemaExists)) await client.query(sql);
      const { rows } = await client.query(`SELECT version FROM ${names.migrationsTable}`);
      const done = new Set(rows.map((row: { version: number }) => Number(row.version)));
      const applied: number[] = [];
      for (const step of steps) {
        if (done.has(step.version)) continue;
        for (const sql of step.up(names)) await client.query(sql);
        await client.query(`INSERT INTO ${names.migrationsTable} (version, name) VALUES ($1, $2)`, [step.version, step.name]);
        applied.push(step.version);
      }
      await client.query('COMMIT');
      const versions = [...done, ...applied];
      return { applied, version: versions.length === 0 ? 0 : Math.max(...versions) };
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    }
  } finally {
    // A connection whose rollback failed is not handed back to the pool.
    client.release(broken ?? false);
  }
}
