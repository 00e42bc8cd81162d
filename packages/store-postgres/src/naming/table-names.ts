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
 * schedules table's `_schedules_policy_check` and the type limits table's
 * `_type_limits_rate_check`, for a table name not ending in `_jobs`).
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
    /** Running jobs by (type, group_name): the counts `maxRunning` and `maxRunningPerGroup` take. */
    readonly running: string;
    /** Claimable jobs of a group, in claim order: the groups of a controlled type and their heads. */
    readonly groupClaim: string;
    /** GIN (jsonb_path_ops) on non-empty metadata: the `metadata` list filter. */
    readonly metadata: string;
    /** Started jobs by `started_at` (migration 8): the starts of `activity`. */
    readonly started: string;
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
  /** The flow-control tables and claim function of this job table, in the same schema. */
  readonly flow: FlowNames;
  /** The change feed of this job table (migration 7). */
  readonly changes: ChangeFeedNames;
}

/**
 * The change feed: triggers on the job table that NOTIFY the routing fields of every inserted or
 * changed row (see `PostgresJobStore.subscribeChanges`).
 */
export interface ChangeFeedNames {
  /**
   * The LISTEN/NOTIFY channel of job changes (payload: a JSON array of changes, see
   * `notify/change-payload.ts`). A channel of its own, heard only while someone subscribes.
   */
  readonly channel: string;
  /**
   * Who listens (one row per LISTEN connection's backend pid, unlogged): the triggers NOTIFY only
   * while it has a row, so writes cost nothing extra while nobody subscribes.
   */
  readonly listeners: SiblingTable;
  /** The listeners table's primary key. */
  readonly listenersKey: string;
  /** `"schema"."<table>_notify_changes"`: the trigger function. */
  readonly notifyFunction: string;
  /** Trigger names (per table, unquoted). */
  readonly insertTrigger: string;
  readonly updateTrigger: string;
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

/**
 * Flow control (see `FlowStore` in core): three tables beside the job table, named like the
 * schedules table (`jobtrail_jobs` → `jobtrail_type_limits`, `queue` → `queue_type_limits`), and
 * the claim function for controlled types.
 */
export interface FlowNames {
  /** One row per type with a control record: its limits, `paused` and `version`. */
  readonly limits: SiblingTable;
  /** Recent starts of rate-limited types, per claim and group (kept one window, then pruned). */
  readonly starts: SiblingTable;
  /** Each controlled type's latest turn per group: the order groups are served in. */
  readonly groupStarts: SiblingTable;
  /** `"schema"."<table>_flow_claim"`, created by migration 5. */
  readonly claimFunction: string;
  /**
   * The LISTEN/NOTIFY channel for control record writes (payload: the type). A channel of its own,
   * like the schedules one: stores drop their cache of controlled types when they hear it.
   */
  readonly channel: string;
  readonly constraint: {
    /** The limits table's primary key. */
    readonly limitsKey: string;
    /** A rate limit is all three fields or none. */
    readonly rate: string;
    readonly startsKey: string;
    readonly groupStartsKey: string;
  };
}

export interface SiblingTable {
  readonly table: string;
  /** `"schema"."table"`, ready for SQL. */
  readonly qualified: string;
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
  const plainFlowChannel = `jobtrail-flow:${resolvedSchema}.${table}`;
  const plainChangeChannel = `jobtrail-changes:${resolvedSchema}.${table}`;
  const sibling = (suffix: string): SiblingTable => {
    const name = siblingTableName(table, suffix);
    return { table: name, qualified: `${quoteIdentifier(resolvedSchema)}.${quoteIdentifier(name)}` };
  };
  const limits = sibling('type_limits');
  const starts = sibling('type_starts');
  const groupStarts = sibling('group_starts');
  const changeListeners = sibling('change_listeners');
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
      running: `${table}_running_idx`,
      groupClaim: `${table}_group_claim_idx`,
      metadata: `${table}_metadata_idx`,
      started: `${table}_started_idx`,
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
    flow: {
      limits,
      starts,
      groupStarts,
      claimFunction: `${quoteIdentifier(resolvedSchema)}.${quoteIdentifier(`${table}_flow_claim`)}`,
      channel: Buffer.byteLength(plainFlowChannel) <= 63 ? plainFlowChannel : `jobtrail-flow:${digest.slice(0, 32)}`,
      constraint: {
        limitsKey: `${limits.table}_pkey`,
        rate: `${limits.table}_rate_check`,
        startsKey: `${starts.table}_pkey`,
        groupStartsKey: `${groupStarts.table}_pkey`,
      },
    },
    changes: {
      channel: Buffer.byteLength(plainChangeChannel) <= 63 ? plainChangeChannel : `jobtrail-changes:${digest.slice(0, 32)}`,
      listeners: changeListeners,
      listenersKey: `${changeListeners.table}_pkey`,
      notifyFunction: `${quoteIdentifier(resolvedSchema)}.${quoteIdentifier(`${table}_notify_changes`)}`,
      insertTrigger: `${table}_changes_insert`,
      updateTrigger: `${table}_changes_update`,
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
  return siblingTableName(table, 'schedules');
}

/** A table beside a job table, named like the schedules table: `x_jobs` → `x_<suffix>`, `x` → `x_<suffix>`. */
function siblingTableName(table: string, suffix: string): string {
  return table.endsWith('_jobs') ? `${table.slice(0, -'jobs'.length)}${suffix}` : `${table}_${suffix}`;
}

function checkName(field: string, value: unknown, max: number): void {
  if (typeof value !== 'string' || !IDENTIFIER.test(value) || value.length > max) {
    throw new JobValidationError(
      field,
      `must be a plain identifier (letters, digits and underscores, not starting with a digit, at most ${max} characters); got ${JSON.stringify(value)}.`,
    );
  }
}
