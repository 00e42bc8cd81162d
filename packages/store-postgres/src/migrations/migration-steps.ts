import type { TableNames } from '../naming/table-names.js';
import { quoteIdentifier } from '../naming/table-names.js';
import { DEDUPE_COLUMNS_SQL } from '../sql/key-scope.js';
import { groupKeySql } from '../sql/flow-sql.js';
import { changeTriggersSql, dropChangeTriggersSql } from './change-triggers.js';
import { flowClaimFunctionSql } from './flow-claim-function.js';
import { ACTIVE_SQL, ALL_STATUSES_SQL, CLAIMABLE_SQL, TERMINAL_SQL } from '../sql/statuses.js';

/**
 * One numbered schema change. Steps are immutable once released: a change to the schema is a new
 * step with the next version, never an edit of an old one, so every database converges on the same
 * schema whichever way (and however often) the steps were applied.
 */
export interface MigrationStep {
  readonly version: number;
  /** Kebab-case summary, recorded beside the version. */
  readonly name: string;
  /** The TypeORM migration class name suffix's timestamp (TypeORM orders migrations by it). */
  readonly timestamp: number;
  /** Statements run in order, in one transaction. */
  up(names: TableNames): string[];
  down(names: TableNames): string[];
}

const v1CreateJobs: MigrationStep = {
  version: 1,
  name: 'create-jobs',
  timestamp: 1767225600001,
  up: (n) => {
    const t = n.qualified;
    const q = quoteIdentifier;
    return [
      `CREATE TABLE IF NOT EXISTS ${t} (
        id uuid NOT NULL,
        type text NOT NULL,
        key text,
        parent_id uuid,
        tenant_id text,
        owner_id text,
        status text NOT NULL,
        attempt integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL DEFAULT 1,
        priority integer NOT NULL DEFAULT 0,
        run_at timestamptz NOT NULL,
        lease_owner text,
        lease_expires_at timestamptz,
        progress double precision NOT NULL DEFAULT 0,
        stage text,
        current double precision,
        total double precision,
        payload jsonb,
        result jsonb,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
        note text,
        error jsonb,
        errors jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL,
        trace text,
        CONSTRAINT ${q(n.constraint.primaryKey)} PRIMARY KEY (id),
        CONSTRAINT ${q(n.constraint.status)} CHECK (status IN ${ALL_STATUSES_SQL}),
        CONSTRAINT ${q(n.constraint.lease)} CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
      )`,
      // Claim: per type, the due jobs in claim order, only over claimable rows.
      `CREATE INDEX IF NOT EXISTS ${q(n.index.claim)} ON ${t} (type, priority DESC, run_at, id) WHERE status IN ${CLAIMABLE_SQL}`,
      // Dedupe: a key is unique among the unfinished jobs of a type (scoped per tenant and owner
      // since version 3); also the ON CONFLICT arbiter.
      `CREATE UNIQUE INDEX IF NOT EXISTS ${q(n.index.dedupeKey)} ON ${t} (type, key) WHERE key IS NOT NULL AND status IN ${ACTIVE_SQL}`,
      // Recovery: running jobs by lease expiry (findExpired reads it in order).
      `CREATE INDEX IF NOT EXISTS ${q(n.index.expiredLease)} ON ${t} (lease_expires_at, id) WHERE status = 'running' AND lease_owner IS NOT NULL`,
      // Scoped listing, newest first; type and status included so per-tenant stats can be index-only.
      `CREATE INDEX IF NOT EXISTS ${q(n.index.tenant)} ON ${t} (tenant_id, id DESC) INCLUDE (type, status) WHERE tenant_id IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${q(n.index.owner)} ON ${t} (owner_id, id DESC) INCLUDE (type, status) WHERE owner_id IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${q(n.index.parent)} ON ${t} (parent_id, id DESC) INCLUDE (type, status) WHERE parent_id IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${q(n.index.type)} ON ${t} (type, id DESC) INCLUDE (status)`,
      // Retention: finished jobs by status and age.
      `CREATE INDEX IF NOT EXISTS ${q(n.index.prune)} ON ${t} (status, finished_at) WHERE status IN ${TERMINAL_SQL}`,
    ];
  },
  down: (n) => [`DROP TABLE IF EXISTS ${n.qualified}`],
};

/**
 * `history`: every ended attempt and manual retry of the job (see `Job.history`), as jsonb. A
 * constant default makes this a catalog-only change: no table rewrite, however many rows.
 */
const v2AddHistory: MigrationStep = {
  version: 2,
  name: 'add-history',
  timestamp: 1767225600002,
  up: (n) => [`ALTER TABLE ${n.qualified} ADD COLUMN IF NOT EXISTS history jsonb NOT NULL DEFAULT '[]'::jsonb`],
  down: (n) => [`ALTER TABLE ${n.qualified} DROP COLUMN IF EXISTS history`],
};

/**
 * Dedupe keys become unique per (type, key, tenant, owner) instead of per (type, key): the same key
 * under two tenants or owners is two jobs (see `sql/key-scope.ts` for the NULL-equal expressions).
 * The index keeps its name, so the ON CONFLICT arbiter and the error mapping need no other change.
 *
 * The old index is stricter (equal under the new one implies equal under the old), so the new one
 * always builds on existing data. Both statements run in the migration's one transaction: there is
 * no moment without a dedupe index, and writes to the table wait while the new index builds.
 *
 * `down` restores the global index; it fails with a unique violation while two tenants or owners
 * hold the same key in unfinished jobs (finish or delete one of them first).
 */
const v3ScopeDedupeKeys: MigrationStep = {
  version: 3,
  name: 'scope-dedupe-keys',
  timestamp: 1767225600003,
  up: (n) => [
    `DROP INDEX IF EXISTS ${quoteIdentifier(n.schema)}.${quoteIdentifier(n.index.dedupeKey)}`,
    `CREATE UNIQUE INDEX ${quoteIdentifier(n.index.dedupeKey)} ON ${n.qualified} (${DEDUPE_COLUMNS_SQL}) WHERE key IS NOT NULL AND status IN ${ACTIVE_SQL}`,
  ],
  down: (n) => [
    `DROP INDEX IF EXISTS ${quoteIdentifier(n.schema)}.${quoteIdentifier(n.index.dedupeKey)}`,
    `CREATE UNIQUE INDEX ${quoteIdentifier(n.index.dedupeKey)} ON ${n.qualified} (type, key) WHERE key IS NOT NULL AND status IN ${ACTIVE_SQL}`,
  ],
};

/**
 * Recurring schedules (see `ScheduleStore` in core): their table beside the job table, and the two
 * job columns naming the schedule and tick a job was fired for.
 *
 * - `name` is the primary key under the "C" collation: `listSchedules` pages by name in code
 *   point order, the same in every database whatever its default collation (a locale's order
 *   would differ between servers and from the other stores).
 * - `every_ms` and `version` are `bigint`: an interval may be up to 366 days in ms, and a version
 *   grows by one or two per tick for the schedule's whole life.
 * - `pending_ticks` is a `timestamptz[]` (empty: none), so it reads back as Dates.
 * - `due_idx` holds only what the scheduler looks at: enabled, unpaused schedules that have a next
 *   tick, by `next_run_at` (then name, the order `dueSchedules` answers); `nextScheduleRunAt` is
 *   its first entry. `pending_idx` holds the schedules with pending ticks, usually none.
 * - The table is created without `IF NOT EXISTS`: a table of that name that is not this step's
 *   (the application's own, or another job table's schedules) fails the migration instead of
 *   being adopted.
 * - The job columns are nullable without a default: a catalog-only change, no rewrite of the jobs
 *   table however many rows it holds; existing jobs read back with `scheduleName: null`.
 *
 * `down` drops the table (its schedules are lost; the jobs they fired stay) and the two columns.
 */
const v4AddSchedules: MigrationStep = {
  version: 4,
  name: 'add-schedules',
  timestamp: 1767225600004,
  up: (n) => {
    const s = n.schedules;
    const q = quoteIdentifier;
    return [
      `ALTER TABLE ${n.qualified} ADD COLUMN IF NOT EXISTS schedule_name text, ADD COLUMN IF NOT EXISTS scheduled_for timestamptz`,
      `CREATE TABLE ${s.qualified} (
        name text COLLATE "C" NOT NULL,
        type text NOT NULL,
        payload jsonb,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        tenant_id text,
        cron text,
        timezone text,
        every_ms bigint,
        start_at timestamptz,
        end_at timestamptz,
        anchor_at timestamptz NOT NULL,
        overlap text NOT NULL,
        catch_up text NOT NULL,
        max_catch_up integer NOT NULL,
        enabled boolean NOT NULL,
        paused boolean NOT NULL DEFAULT false,
        next_run_at timestamptz,
        last_run_at timestamptz,
        last_job_id uuid,
        pending_ticks timestamptz[] NOT NULL DEFAULT '{}',
        version bigint NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT ${q(s.constraint.primaryKey)} PRIMARY KEY (name),
        CONSTRAINT ${q(s.constraint.policy)} CHECK (overlap IN ('skip', 'allow') AND catch_up IN ('none', 'latest', 'all'))
      )`,
      `CREATE INDEX ${q(s.index.due)} ON ${s.qualified} (next_run_at, name) WHERE enabled AND NOT paused AND next_run_at IS NOT NULL`,
      `CREATE INDEX ${q(s.index.pending)} ON ${s.qualified} (next_run_at NULLS FIRST, name) WHERE cardinality(pending_ticks) > 0`,
    ];
  },
  down: (n) => [
    `DROP TABLE IF EXISTS ${n.schedules.qualified}`,
    `ALTER TABLE ${n.qualified} DROP COLUMN IF EXISTS schedule_name, DROP COLUMN IF EXISTS scheduled_for`,
  ],
};

/**
 * Flow control (see `FlowStore` in core): the jobs' group, the type limits beside the job table,
 * what the claim of a controlled type counts, and that claim as a function.
 *
 * - `group_name` on jobs: nullable without a default, a catalog-only change (no rewrite);
 *   existing jobs read back with `group: null`.
 * - `running_idx`: the running jobs by (type, group_name), what `maxRunning` and
 *   `maxRunningPerGroup` count. Small (running jobs only), but every claim writes one entry.
 * - `group_claim_idx`: the claimable jobs of each group (jobs without one too) in claim order, by
 *   the group's key (`groupKeySql`, so that every group, the one of jobs without a group too, is
 *   an equality the planner reads in claim order): a controlled type's groups are found by a skip
 *   scan of it, and each group's next jobs read from it. Every job pays one more index entry while claimable; leaving out jobs without a
 *   group would make finding the next one of those (for a type whose jobs mostly have groups)
 *   a scan of the type's whole queue in `claim_idx`.
 * - `type_limits`: one row per type with a control record. `type` sorts in code point order only
 *   where a statement says so (`listTypeControls`): a "C" column would clash with the jobs'
 *   `type` (default collation) in the claim's joins. `version` is bigint: a new record's version
 *   is its creation time in ms. A rate limit is its three columns, or none of them.
 * - `type_starts`: the starts of rate-limited types, one row per type, instant and group (the
 *   claim adds to it; `group_key` is `groupKeySql`, since a key cannot hold NULL), pruned by the
 *   claims after two windows.
 * - `group_starts`: each controlled type's latest turn per group (a number that grows with every
 *   job a claim of the type takes): the round-robin order.
 * - The tables are created without `IF NOT EXISTS`, like the schedules table: a table of that name
 *   that is not this step's fails the migration instead of being adopted.
 *
 * `down` drops the function, the tables (limits, starts and pauses are lost), the indexes and the
 * column.
 */
const v5AddFlowControl: MigrationStep = {
  version: 5,
  name: 'add-flow-control',
  timestamp: 1767225600005,
  up: (n) => {
    const q = quoteIdentifier;
    const f = n.flow;
    return [
      `ALTER TABLE ${n.qualified} ADD COLUMN IF NOT EXISTS group_name text`,
      `CREATE INDEX IF NOT EXISTS ${q(n.index.running)} ON ${n.qualified} (type, group_name) WHERE status = 'running'`,
      `CREATE INDEX IF NOT EXISTS ${q(n.index.groupClaim)} ON ${n.qualified} (type, ${groupKeySql('group_name')}, priority DESC, run_at, id)
        WHERE status IN ${CLAIMABLE_SQL}`,
      `CREATE TABLE ${f.limits.qualified} (
        type text NOT NULL,
        max_running integer,
        max_running_per_group integer,
        rate_limit integer,
        rate_interval_ms integer,
        rate_per_group boolean,
        paused boolean NOT NULL DEFAULT false,
        version bigint NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT ${q(f.constraint.limitsKey)} PRIMARY KEY (type),
        CONSTRAINT ${q(f.constraint.rate)} CHECK ((rate_limit IS NULL) = (rate_interval_ms IS NULL) AND (rate_limit IS NULL) = (rate_per_group IS NULL))
      )`,
      `CREATE TABLE ${f.starts.qualified} (
        type text NOT NULL,
        started_at timestamptz NOT NULL,
        group_key text NOT NULL,
        starts integer NOT NULL,
        CONSTRAINT ${q(f.constraint.startsKey)} PRIMARY KEY (type, started_at, group_key)
      )`,
      `CREATE TABLE ${f.groupStarts.qualified} (
        type text NOT NULL,
        group_key text NOT NULL,
        last_turn bigint NOT NULL,
        CONSTRAINT ${q(f.constraint.groupStartsKey)} PRIMARY KEY (type, group_key)
      )`,
      flowClaimFunctionSql(n),
    ];
  },
  down: (n) => {
    const q = quoteIdentifier;
    const f = n.flow;
    return [
      `DROP FUNCTION IF EXISTS ${f.claimFunction}(text[], integer[], timestamptz, integer, text, timestamptz, boolean)`,
      `DROP TABLE IF EXISTS ${f.groupStarts.qualified}`,
      `DROP TABLE IF EXISTS ${f.starts.qualified}`,
      `DROP TABLE IF EXISTS ${f.limits.qualified}`,
      `DROP INDEX IF EXISTS ${q(n.schema)}.${q(n.index.groupClaim)}`,
      `DROP INDEX IF EXISTS ${q(n.schema)}.${q(n.index.running)}`,
      `ALTER TABLE ${n.qualified} DROP COLUMN IF EXISTS group_name`,
    ];
  },
};

/**
 * Version 6: the `metadata` list filter (`{ field: value }`, `metadata @> …`) gets a GIN index.
 * `jsonb_path_ops` (smaller and faster than the default opclass, and containment is all the filter
 * asks); partial on non-empty metadata, so jobs without any cost nothing at insert. Steps run in
 * one transaction, so it is not built `CONCURRENTLY`: on a large table, create it by hand first
 * (`CREATE INDEX CONCURRENTLY`, same name and definition) and the step's `IF NOT EXISTS` keeps it;
 * an invalid one (a concurrent build that failed) is dropped and built again.
 */
const v6IndexMetadata: MigrationStep = {
  version: 6,
  name: 'index-metadata',
  timestamp: 1767225600006,
  up: (n) => {
    const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
    const index = `${quoteIdentifier(n.schema)}.${quoteIdentifier(n.index.metadata)}`;
    return [
      // A CREATE INDEX CONCURRENTLY that failed leaves an invalid index of that name behind, which
      // IF NOT EXISTS would keep (and the planner never use): drop it, then build.
      `DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace s ON s.oid = c.relnamespace
                   WHERE s.nspname = ${literal(n.schema)} AND c.relname = ${literal(n.index.metadata)} AND NOT i.indisvalid) THEN
          EXECUTE ${literal(`DROP INDEX ${index}`)};
        END IF;
      END $$`,
      `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(n.index.metadata)} ON ${n.qualified} USING gin (metadata jsonb_path_ops) WHERE metadata <> '{}'::jsonb`,
    ];
  },
  down: (n) => [`DROP INDEX IF EXISTS ${quoteIdentifier(n.schema)}.${quoteIdentifier(n.index.metadata)}`],
};

/**
 * Version 7: the change feed (`subscribeChanges`). Statement-level triggers NOTIFY the routing
 * fields of every inserted or changed job (see `change-triggers.ts`); catalog-only, no rewrite.
 */
const v7ChangeFeed: MigrationStep = {
  version: 7,
  name: 'change-feed',
  timestamp: 1767225600007,
  up: changeTriggersSql,
  down: dropChangeTriggersSql,
};

/**
 * Version 8: `activity` counts the jobs started in a time range: an index on `started_at`
 * (partial: jobs never started cost nothing). Its completions and failures use the prune index
 * (`status, finished_at`). Built like version 6: on a large table, create it by hand first with
 * `CREATE INDEX CONCURRENTLY` (same name and definition) and the step keeps it; an invalid one is
 * dropped and built again.
 */
const v8IndexStartedAt: MigrationStep = {
  version: 8,
  name: 'index-started-at',
  timestamp: 1767225600008,
  up: (n) => {
    const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
    const index = `${quoteIdentifier(n.schema)}.${quoteIdentifier(n.index.started)}`;
    return [
      `DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace s ON s.oid = c.relnamespace
                   WHERE s.nspname = ${literal(n.schema)} AND c.relname = ${literal(n.index.started)} AND NOT i.indisvalid) THEN
          EXECUTE ${literal(`DROP INDEX ${index}`)};
        END IF;
      END $$`,
      `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(n.index.started)} ON ${n.qualified} (started_at) WHERE started_at IS NOT NULL`,
    ];
  },
  down: (n) => [`DROP INDEX IF EXISTS ${quoteIdentifier(n.schema)}.${quoteIdentifier(n.index.started)}`],
};

/** Every step, oldest first. Append new steps; never edit or reorder released ones. */
export const MIGRATION_STEPS: readonly MigrationStep[] = [
  v1CreateJobs,
  v2AddHistory,
  v3ScopeDedupeKeys,
  v4AddSchedules,
  v5AddFlowControl,
  v6IndexMetadata,
  v7ChangeFeed,
  v8IndexStartedAt,
];

/**
 * The bookkeeping table both `store.migrate()` and the TypeORM migrations record steps in. The
 * schema is created only when missing: `CREATE SCHEMA IF NOT EXISTS` needs the CREATE privilege on
 * the database even when the schema exists, which an application role often lacks.
 */
export function migrationsTableSql(names: TableNames, schemaExists: boolean): string[] {
  return [
    ...(schemaExists ? [] : [`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(names.schema)}`]),
    `CREATE TABLE IF NOT EXISTS ${names.migrationsTable} (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`,
  ];
}

/** Answers one row when the schema exists; $1: schema name. */
export const SCHEMA_EXISTS_SQL = 'SELECT 1 FROM pg_namespace WHERE nspname = $1';

/**
 * Serialises every migration of one table across processes. Two int4 keys: a fixed namespace for
 * jobtrail and a hash of the qualified table name, so stores of other tables never wait on it.
 */
export function migrationLockKeysSql(names: TableNames): { sql: string; params: string[] } {
  return { sql: `hashtext('jobtrail.migrate'), hashtext($1)`, params: [`${names.schema}.${names.table}`] };
}
