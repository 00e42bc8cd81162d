import { statement, type Statement } from '../connection/statement.js';
import type { TableNames } from '../naming/table-names.js';
import { controlsClaimsSql, groupKeySql } from './flow-sql.js';

/**
 * The statements of the flow-control operations (see `FlowStore` in core) besides the claim. The
 * writes send their `pg_notify` in the same statement, so every process hears of a change exactly
 * when it commits.
 */

export const TYPE_LIMITS_COLUMNS =
  'type, max_running, max_running_per_group, rate_limit, rate_interval_ms, rate_per_group, paused, version, updated_at';

/** $1: type. */
export function getTypeLimitsStatement(names: TableNames): Statement {
  return statement('getTypeControl', `SELECT ${TYPE_LIMITS_COLUMNS} FROM ${names.flow.limits.qualified} WHERE type = $1`);
}

/** Every record, in code point order (UTF-8 byte order is code point order). */
export function listTypeLimitsStatement(names: TableNames): Statement {
  return statement('listTypeControls', `SELECT ${TYPE_LIMITS_COLUMNS} FROM ${names.flow.limits.qualified} ORDER BY type COLLATE "C"`);
}

/** The types whose rows ask anything of the claim: what `ControlledTypes` caches. */
export function controlledTypesStatement(names: TableNames): Statement {
  return statement('claim.controlledTypes', `SELECT type FROM ${names.flow.limits.qualified} c WHERE ${controlsClaimsSql('c')}`);
}

/**
 * A new record, unless one exists. $1..$9: the columns in `TYPE_LIMITS_COLUMNS` order, $10: the
 * flow channel. `ON CONFLICT DO NOTHING`: of concurrent inserts of one type exactly one writes and
 * notifies; the others answer no row (the caller then reads the winner).
 */
export function insertTypeLimitsStatement(names: TableNames): Statement {
  return statement(
    'putTypeControl',
    `WITH written AS (
      INSERT INTO ${names.flow.limits.qualified} (${TYPE_LIMITS_COLUMNS})
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint, $9)
      ON CONFLICT (type) DO NOTHING
      RETURNING type
    ),
    woken AS (SELECT count(pg_notify($10, type)) AS notified FROM written)
    SELECT written.type FROM written CROSS JOIN woken`,
  );
}

/**
 * Compare-and-set on `version`. $1..$9 as for the insert, $10: the flow channel, $11: the expected
 * version. The expected version is in the UPDATE's WHERE, so it is checked again on the latest row
 * version after waiting for a claim that holds the row: of two writes from one version, one lands.
 *
 * Like the memory store, a record without a rate limit drops its recorded starts, and one that no
 * longer controls claims drops its groups' latest starts (a later limit starts afresh).
 */
export function updateTypeLimitsStatement(names: TableNames): Statement {
  const f = names.flow;
  return statement(
    'putTypeControl',
    `WITH written AS (
      UPDATE ${f.limits.qualified} c
      SET max_running = $2, max_running_per_group = $3, rate_limit = $4, rate_interval_ms = $5, rate_per_group = $6,
          paused = $7, version = $8::bigint, updated_at = $9
      WHERE c.type = $1 AND c.version = $11::bigint
      RETURNING c.type, c.rate_limit, ${controlsClaimsSql('c')} AS controls
    ),
    unrated AS (DELETE FROM ${f.starts.qualified} s USING written w WHERE s.type = w.type AND w.rate_limit IS NULL),
    unserved AS (DELETE FROM ${f.groupStarts.qualified} g USING written w WHERE g.type = w.type AND NOT w.controls),
    woken AS (SELECT count(pg_notify($10, type)) AS notified FROM written)
    SELECT written.type FROM written CROSS JOIN woken`,
  );
}

/** Starts of $1 after $2 (exclusive), in every group. */
export function countStartsStatement(names: TableNames): Statement {
  return statement(
    'countStarts',
    `SELECT coalesce(sum(starts), 0)::bigint AS n FROM ${names.flow.starts.qualified} WHERE type = $1 AND started_at > $2`,
  );
}

/** Starts of $1 after $2 (exclusive) in group $3 (null: jobs without a group). */
export function countGroupStartsStatement(names: TableNames): Statement {
  return statement(
    'countStarts',
    `SELECT coalesce(sum(starts), 0)::bigint AS n FROM ${names.flow.starts.qualified}
     WHERE type = $1 AND started_at > $2 AND group_key = ${groupKeySql('$3::text')}`,
  );
}
