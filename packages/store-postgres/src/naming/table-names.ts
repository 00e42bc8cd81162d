import { createHash } from 'node:crypto';
import { JobValidationError } from '@jobtrail/core';

export const DEFAULT_TABLE_NAME = 'jobtrail_jobs';
export const DEFAULT_SCHEMA = 'public';

/**
 * Unquoted-identifier shape. Names are still always quoted in SQL; the shape check keeps them
 * portable (psql, other tools) and free of characters that would need care in index names.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * PostgreSQL truncates identifiers at 63 bytes; derived names add up to 23 characters (the
 * schedules table's `_schedules_policy_check` for a table name not ending in `_jobs`).
 */
const MAX_TABLE_NAME = 40;
const MAX_SCHEMA_NAME = 63;

/** Every database object name the store uses, derived once from the schema and table name. */
export interface TableNames {
  readonly schema: string;
  readonly table: string;
  /** `"schema"."table"`, ready for SQL. */
  readonly qualified: string;
  /** The table recording applied jobtrail migrations (`<table>_migrations`). */
  readonly migrationsTable: string;
  /** The LISTEN/NOTIFY channel for wake-ups (one per schema and table). */
  readonly channel: string;
  /** Index and constraint names, unquoted. */
  readonly index: {
    readonly claim: string;
    readonly dedupeKey: string;
    readonly expiredLease: string;
    readonly tenant: string;
    readonly owner: string;
    readonly parent: string;
    readonly type: string;
    readonly prune: string;
  };
  readonly constraint: {
    readonly primaryKey: string;
    readonly status: string;
    readonly lease: string;
  };
  /** Short, stable tag for names of prepared statements (they are per connection). */
  readonly statementTag: string;
  /** The schedules table of this job table (see {@link schedulesTableName}), in the same schema. */
  readonly schedules: ScheduleTableNames;
}

export interface ScheduleTableNames {
  readonly table: string;
  /** `"schema"."table"`, ready for SQL. */
  readonly qualified: string;
  /**
   * The LISTEN/NOTIFY channel for schedule wake-ups (payload: the schedule's name). A channel of
   * its own: job wake-ups carry a job type as payload, and a type may be any string, so no payload
   * on the job channel could be told apart from one.
   */
  readonly channel: string;
  /** Index and constraint names, unquoted. */
  readonly index: {
    /** Enabled, unpaused schedules by `next_run_at`: serves `dueSchedules` and `nextScheduleRunAt`. */
    readonly due: string;
    /** Schedules with pending ticks (usually none). */
    readonly pending: string;
  };
  readonly constraint: {
    readonly primaryKey: string;
    /** `overlap` and `catch_up` are among their known values. */
    readonly policy: string;
  };
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function resolveTableNames(schema: string | undefined, tableName: string | undefined): TableNames {
  const resolvedSchema = schema ?? DEFAULT_SCHEMA;
  const table = tableName ?? DEFAULT_TABLE_NAME;
  checkName('schema', resolvedSchema, MAX_SCHEMA_NAME);
  checkName('tableName', table, MAX_TABLE_NAME);
  const qualified = `${quoteIdentifier(resolvedSchema)}.${quoteIdentifier(table)}`;
  const digest = createHash('sha256').update(`${resolvedSchema}.${table}`).digest('hex');
  const plainChannel = `jobtrail:${resolvedSchema}.${table}`;
  const schedules = schedulesTableName(table);
  const plainScheduleChannel = `jobtrail-schedules:${resolvedSchema}.${table}`;
  return {
    schema: resolvedSchema,
    table,
    qualified,
    migrationsTable: `${quoteIdentifier(resolvedSchema)}.${quoteIdentifier(`${table}_migrations`)}`,
    // NOTIFY channels are identifiers too (63 bytes at most): long names fall back to a digest.
    channel: Buffer.byteLength(plainChannel) <= 63 ? plainChannel : `jobtrail:${digest.slice(0, 32)}`,
    index: {
      claim: `${table}_claim_idx`,
      dedupeKey: `${table}_dedupe_key_idx`,
      expiredLease: `${table}_expired_lease_idx`,
      tenant: `${table}_tenant_idx`,
      owner: `${table}_owner_idx`,
      parent: `${table}_parent_idx`,
      type: `${table}_type_idx`,
      prune: `${table}_prune_idx`,
    },
    constraint: {
      primaryKey: `${table}_pkey`,
      status: `${table}_status_check`,
      lease: `${table}_lease_check`,
    },
    statementTag: digest.slice(0, 10),
    schedules: {
      table: schedules,
      qualified: `${quoteIdentifier(resolvedSchema)}.${quoteIdentifier(schedules)}`,
      channel: Buffer.byteLength(plainScheduleChannel) <= 63 ? plainScheduleChannel : `jobtrail-schedules:${digest.slice(0, 32)}`,
      index: {
        due: `${schedules}_due_idx`,
        pending: `${schedules}_pending_idx`,
      },
      constraint: {
        primaryKey: `${schedules}_pkey`,
        policy: `${schedules}_policy_check`,
      },
    },
  };
}

/**
 * The schedules table beside a job table: `jobtrail_jobs` → `jobtrail_schedules`, `billing_jobs`
 * → `billing_schedules`; a table name not ending in `_jobs` gains `_schedules` (`queue` →
 * `queue_schedules`). Two job tables of one schema named `x` and `x_jobs` would both name
 * `x_schedules`: the migration creates it without `IF NOT EXISTS`, so the second one fails
 * loudly instead of sharing the first one's schedules.
 */
export function schedulesTableName(table: string): string {
  return table.endsWith('_jobs') ? `${table.slice(0, -'jobs'.length)}schedules` : `${table}_schedules`;
}

function checkName(field: string, value: unknown, max: number): void {
  if (typeof value !== 'string' || !IDENTIFIER.test(value) || value.length > max) {
    throw new JobValidationError(
      field,
      `must be a plain identifier (letters, digits and underscores, not starting with a digit, at most ${max} characters); got ${JSON.stringify(value)}.`,
    );
  }
}
