import { StoreError } from '@jobtrail/core';
import type { TypeOrmDataSource, TypeOrmQueryRunner } from '../typeorm/typeorm-types.js';
import type { Statement } from './statement.js';

export interface QueryOutcome {
  // biome-ignore lint/suspicious/noExplicitAny: raw driver rows; each SQL statement's mapper reads and checks its own columns
  rows: any[];
  rowCount: number;
}

/** What the store tells about each statement it ran (see `PostgresJobStoreOptions.onQuery`). */
export interface QueryEvent {
  operation: string;
  durationMs: number;
  rows: number;
  /** How many store calls the statement served (coalesced transitions, heartbeats, inserts). */
  batchSize: number;
  /** Set when the statement failed (the raw driver error). */
  error?: unknown;
}

/** Runs one statement somewhere: the DataSource's pool, or a caller's transaction. */
export interface SqlExecutor {
  run(statement: Statement, values: readonly unknown[], batchSize?: number): Promise<QueryOutcome>;
}

/** The slice of a node-postgres `Pool` we use. */
interface PgPool {
  // biome-ignore lint/suspicious/noExplicitAny: mirrors node-postgres' untyped rows, so a real Pool is assignable
  query(config: { text: string; values: unknown[]; name?: string }): Promise<{ rows: any[]; rowCount: number | null }>;
  readonly options?: Record<string, unknown>;
}

/** The slice of TypeORM's PostgresDriver we use. */
export interface PostgresDriverLike {
  master?: PgPool;
  postgres?: { Client: new (config: Record<string, unknown>) => unknown };
}

/** SQLSTATEs after which an autocommit statement is simply run again (nothing was written). */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 4;

export type QueryListener = (event: QueryEvent) => void;

/**
 * Runs statements on the pg pool TypeORM created for the DataSource: each is its own
 * transaction (autocommit), named statements are prepared once per connection. Bypassing
 * `dataSource.query()` saves TypeORM's per-call query runner, logging and result wrapping, which
 * matters at thousands of statements per second.
 */
export class PoolExecutor implements SqlExecutor {
  constructor(
    private readonly dataSource: TypeOrmDataSource,
    private readonly usePrepared: boolean,
    private readonly onQuery: QueryListener | undefined,
  ) {}

  pool(): PgPool {
    if (!this.dataSource.isInitialized) {
      throw new StoreError(
        'The TypeORM DataSource is not initialized: call `await dataSource.initialize()` before using the jobtrail store.',
      );
    }
    const pool = (this.dataSource.driver as PostgresDriverLike).master;
    if (pool === undefined || typeof pool.query !== 'function') {
      throw new StoreError('The DataSource has no PostgreSQL connection pool: is it configured with `type: "postgres"`?');
    }
    return pool;
  }

  async run(statement: Statement, values: readonly unknown[], batchSize = 1): Promise<QueryOutcome> {
    const pool = this.pool();
    const config: { text: string; values: unknown[]; name?: string } = { text: statement.text, values: values as unknown[] };
    if (this.usePrepared && statement.preparedName !== null) config.name = statement.preparedName;
    for (let attempt = 1; ; attempt++) {
      const started = this.onQuery ? performance.now() : 0;
      try {
        const result = await pool.query(config);
        const rows = result.rows ?? [];
        this.onQuery?.({ operation: statement.operation, durationMs: performance.now() - started, rows: rows.length, batchSize });
        return { rows, rowCount: result.rowCount ?? rows.length };
      } catch (error) {
        this.onQuery?.({ operation: statement.operation, durationMs: performance.now() - started, rows: 0, batchSize, error });
        // A deadlock or serialization failure rolled the whole statement back: run it again.
        if (attempt < MAX_ATTEMPTS && RETRYABLE.has(sqlState(error) ?? '')) continue;
        throw error;
      }
    }
  }
}

/** Runs statements on a caller's TypeORM query runner, inside the caller's transaction. */
export class QueryRunnerExecutor implements SqlExecutor {
  constructor(
    private readonly queryRunner: TypeOrmQueryRunner,
    private readonly onQuery: QueryListener | undefined,
  ) {}

  async run(statement: Statement, values: readonly unknown[], batchSize = 1): Promise<QueryOutcome> {
    const started = this.onQuery ? performance.now() : 0;
    try {
      const result = (await this.queryRunner.query(statement.text, values as unknown[], true)) as {
        // biome-ignore lint/suspicious/noExplicitAny: TypeORM's structured result carries untyped driver rows
        records?: any[];
        affected?: number;
      };
      const rows = result.records ?? [];
      this.onQuery?.({ operation: statement.operation, durationMs: performance.now() - started, rows: rows.length, batchSize });
      return { rows, rowCount: result.affected ?? rows.length };
    } catch (error) {
      this.onQuery?.({ operation: statement.operation, durationMs: performance.now() - started, rows: 0, batchSize, error });
      throw error;
    }
  }
}

/** The SQLSTATE of a pg error, also when TypeORM wrapped it in a QueryFailedError. */
export function sqlState(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
