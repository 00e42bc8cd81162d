/**
 * The parts of TypeORM this package touches, described structurally.
 *
 * Our published types never import `typeorm`: its declarations need `@types/node` and the
 * `esnext.disposable` lib to type-check, and we do not want to impose either on users who keep
 * `skipLibCheck` off. A real `DataSource`, `EntityManager` or `QueryRunner` is assignable to these
 * (checked in `src/typeorm/typeorm-types.test-d.ts`).
 */

/** A TypeORM `QueryRunner`: one connection, possibly inside a transaction. */
export interface TypeOrmQueryRunner {
  readonly isReleased: boolean;
  readonly isTransactionActive: boolean;
  /** The DataSource the runner belongs to. */
  readonly connection: unknown;
  connect(): Promise<unknown>;
  release(): Promise<void>;
  startTransaction(isolationLevel?: never): Promise<void>;
  commitTransaction(): Promise<void>;
  rollbackTransaction(): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: TypeORM's own QueryRunner.query signature, so a real QueryRunner is assignable
  query(query: string, parameters?: any[], useStructuredResult?: boolean): Promise<any>;
}

/** A TypeORM `EntityManager`; the one `dataSource.transaction(async (manager) => …)` passes in. */
export interface TypeOrmEntityManager {
  readonly connection: unknown;
  readonly queryRunner?: TypeOrmQueryRunner | undefined;
}

/** A TypeORM `DataSource` configured for PostgreSQL (`type: 'postgres'`). */
export interface TypeOrmDataSource {
  readonly isInitialized: boolean;
  readonly options: { readonly type: string; readonly schema?: string | undefined };
  /** TypeORM's PostgresDriver: we use its pg pool (`master`) and its pg module (`postgres`). */
  readonly driver: object;
  createQueryRunner(mode?: 'master' | 'slave'): TypeOrmQueryRunner;
}

/** A class TypeORM can run as a migration (`migrations: [...]` in the DataSource options). */
export interface TypeOrmMigration {
  readonly name?: string;
  readonly transaction?: boolean;
  up(queryRunner: TypeOrmQueryRunner): Promise<unknown>;
  down(queryRunner: TypeOrmQueryRunner): Promise<unknown>;
}

export type TypeOrmMigrationClass = new () => TypeOrmMigration;
