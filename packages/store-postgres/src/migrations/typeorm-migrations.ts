import { resolveTableNames, type TableNames } from '../naming/table-names.js';
import type { TypeOrmMigrationClass, TypeOrmQueryRunner } from '../typeorm/typeorm-types.js';
import { MIGRATION_STEPS, SCHEMA_EXISTS_SQL, migrationLockKeysSql, migrationsTableSql, type MigrationStep } from './migration-steps.js';

export interface JobtrailMigrationOptions {
  /** Schema of the job table. Default: the DataSource's `schema` option, else `public`. */
  schema?: string;
  /** Default `jobtrail_jobs`. */
  tableName?: string;
}

function namesFor(options: JobtrailMigrationOptions, queryRunner: TypeOrmQueryRunner): TableNames {
  const dataSourceSchema = (queryRunner.connection as { options?: { schema?: string } } | null)?.options?.schema;
  return resolveTableNames(options.schema ?? dataSourceSchema, options.tableName);
}

function migrationClass(step: MigrationStep, options: JobtrailMigrationOptions): TypeOrmMigrationClass {
  // TypeORM orders migrations by the 13-digit timestamp at the end of the name.
  const name = `Jobtrail${step.version}${pascal(step.name)}${step.timestamp}`;
  const Migration = class {
    readonly name = name;
    async up(queryRunner: TypeOrmQueryRunner): Promise<void> {
      const names = namesFor(options, queryRunner);
      const lock = migrationLockKeysSql(names);
      // Same lock as store.migrate(): the two never apply a step at the same time.
      await queryRunner.query(`SELECT pg_advisory_xact_lock(${lock.sql})`, lock.params);
      const schemaExists = ((await queryRunner.query(SCHEMA_EXISTS_SQL, [names.schema])) as unknown[]).length > 0;
      for (const sql of migrationsTableSql(names, schemaExists)) await queryRunner.query(sql);
      // Applied already by store.migrate(): TypeORM only records it in its own table, so the
      // step's DDL (an index rebuild in step 3) never runs twice.
      const applied = (await queryRunner.query(`SELECT 1 FROM ${names.migrationsTable} WHERE version = $1`, [step.version])) as unknown[];
      if (applied.length > 0) return;
      for (const sql of step.up(names)) await queryRunner.query(sql);
      await queryRunner.query(
        `INSERT INTO ${names.migrationsTable} (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING`,
        [step.version, step.name],
      );
    }
    async down(queryRunner: TypeOrmQueryRunner): Promise<void> {
      const names = namesFor(options, queryRunner);
      for (const sql of step.down(names)) await queryRunner.query(sql);
      await queryRunner.query(`DELETE FROM ${names.migrationsTable} WHERE version = $1`, [step.version]);
    }
  };
  Object.defineProperty(Migration, 'name', { value: name });
  return Migration;
}

function pascal(kebab: string): string {
  return kebab.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}

/**
 * The jobtrail migrations as TypeORM migration classes, for a job table in another schema or
 * under another name. Use either these (through TypeORM's migration runner) or `store.migrate()`;
 * both record what they applied in the same place, so mixing them is safe.
 */
export function createJobtrailMigrations(options: JobtrailMigrationOptions = {}): TypeOrmMigrationClass[] {
  // Fail at configuration time, not in the middle of a migration run.
  if (options.schema !== undefined || options.tableName !== undefined) resolveTableNames(options.schema, options.tableName);
  return MIGRATION_STEPS.map((step) => migrationClass(step, options));
}

/**
 * The jobtrail migrations for the default table (`jobtrail_jobs` in the DataSource's schema):
 * `new DataSource({ ..., migrations: [...jobtrailMigrations] })`.
 */
export const jobtrailMigrations: TypeOrmMigrationClass[] = createJobtrailMigrations();
