import { statement, type Statement } from '../connection/statement.js';
import { SCHEDULE_COLUMN_NAMES, SCHEDULE_INPUT_TYPES, scheduleColumns, type ScheduleColumn } from '../mapping/schedule-row.js';
import type { TableNames } from '../naming/table-names.js';

/**
 * The statements of the schedule operations (see `ScheduleStore` in core). Each is one
 * autocommit statement; the writes send their `pg_notify` in it, so listeners in every process
 * hear of a change exactly when it commits.
 */

/** The columns a patch may write: all but the key, the version (set by the compare-and-set) and the creation time. */
const PATCHABLE: readonly ScheduleColumn[] = SCHEDULE_COLUMN_NAMES.filter(
  (column) => column !== 'name' && column !== 'version' && column !== 'created_at',
);

/** `AS r(name text, type text, ...)`: the column definition list that unpacks a schedule input. */
function inputRecord(columns: readonly ScheduleColumn[]): string {
  return columns.map((column) => `${column} ${SCHEDULE_INPUT_TYPES[column]}`).join(', ');
}

/**
 * Inserts one schedule unless its name exists. $1: the record as JSON (see `toScheduleInput`),
 * $2: the schedule channel.
 *
 * `ON CONFLICT (name) DO NOTHING`: of concurrent inserts of one name exactly one writes; the others
 * wait for it, write nothing and answer no row (the caller then reads the winner). Only an insert
 * that wrote notifies.
 */
export function insertScheduleStatement(names: TableNames): Statement {
  const columns = scheduleColumns();
  return statement(
    'insertSchedule',
    `WITH inserted AS (
      INSERT INTO ${names.schedules.qualified} (${columns})
      SELECT ${columns} FROM jsonb_to_record($1::jsonb) AS r(${inputRecord(SCHEDULE_COLUMN_NAMES)})
      ON CONFLICT (name) DO NOTHING
      RETURNING ${columns}
    ),
    woken AS (SELECT count(pg_notify($2, name)) AS notified FROM inserted)
    SELECT inserted.* FROM inserted CROSS JOIN woken`,
  );
}

/** $1: name. */
export function getScheduleStatement(names: TableNames): Statement {
  return statement('getSchedule', `SELECT ${scheduleColumns()} FROM ${names.schedules.qualified} WHERE name = $1`);
}

/** What `listSchedules` narrows by: a tenant (`null`: none) and a name to start after. */
export interface ScheduleListShape {
  tenant: 'any' | 'none' | 'one';
  after: boolean;
}

/**
 * A page of schedules by name (the primary key's "C" order, as `after` compares). One text per
 * shape (six in all), so each is prepared and planned for what it filters on: a page after a
 * name is a range scan of the primary key. Parameters: the tenant (shape `one`), then the name to
 * start after (when `after`), then the limit.
 */
export function listSchedulesStatement(names: TableNames, shape: ScheduleListShape): Statement {
  const conditions: string[] = [];
  let next = 1;
  if (shape.tenant === 'one') conditions.push(`tenant_id = $${next++}`);
  if (shape.tenant === 'none') conditions.push('tenant_id IS NULL');
  if (shape.after) conditions.push(`name > $${next++}`);
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  return statement(
    'listSchedules',
    `SELECT ${scheduleColumns()} FROM ${names.schedules.qualified}${where} ORDER BY name LIMIT $${next}`,
  );
}

/**
 * The schedules a scheduler must look at. $1: now, $2: limit.
 *
 * Two disjoint parts, each read in order from its own partial index and cut at the limit, then
 * merged: those with pending ticks (whatever their state; `pending_idx`), and the enabled,
 * unpaused ones due by `next_run_at` without pending ticks (`due_idx`). A single `OR` of the two
 * would read every row of either kind before sorting. Order: `next_run_at` ascending, a schedule
 * without one first, then name.
 */
export function dueSchedulesStatement(names: TableNames): Statement {
  const columns = scheduleColumns();
  const table = names.schedules.qualified;
  return statement(
    'dueSchedules',
    `SELECT ${columns} FROM (
      (SELECT ${columns} FROM ${table}
       WHERE cardinality(pending_ticks) > 0
       ORDER BY next_run_at NULLS FIRST, name LIMIT $2)
      UNION ALL
      (SELECT ${columns} FROM ${table}
       WHERE enabled AND NOT paused AND next_run_at IS NOT NULL AND next_run_at <= $1 AND cardinality(pending_ticks) = 0
       ORDER BY next_run_at, name LIMIT $2)
    ) due
    ORDER BY next_run_at NULLS FIRST, name LIMIT $2`,
  );
}

/** The earliest `next_run_at` of the enabled, unpaused schedules: the first entry of `due_idx`. */
export function nextScheduleRunAtStatement(names: TableNames): Statement {
  return statement(
    'nextScheduleRunAt',
    `SELECT min(next_run_at) AS next_run_at FROM ${names.schedules.qualified} WHERE enabled AND NOT paused AND next_run_at IS NOT NULL`,
  );
}

/**
 * Compare-and-set on `version`. $1: name, $2: expected version, $3: the patch as JSON (see
 * `toSchedulePatchInput`: only the columns it writes are keys), $4: the schedule channel.
 *
 * The expected version is part of the UPDATE's WHERE, so PostgreSQL re-checks it on the latest
 * row version when it had to wait for a concurrent writer: of two updates from one version, one
 * writes and the other answers no row. A row that was updated notifies.
 */
export function updateScheduleStatement(names: TableNames): Statement {
  const columns = scheduleColumns();
  const setIfPresent = (column: ScheduleColumn) => `${column} = CASE WHEN p.input ? '${column}' THEN p.${column} ELSE s.${column} END`;
  return statement(
    'updateSchedule',
    `WITH p AS (
      SELECT $3::jsonb AS input, r.* FROM jsonb_to_record($3::jsonb) AS r(${inputRecord(PATCHABLE)})
    ),
    updated AS (
      UPDATE ${names.schedules.qualified} s
      SET ${PATCHABLE.map(setIfPresent).join(',\n          ')},
          version = s.version + 1
      FROM p
      WHERE s.name = $1 AND s.version = $2::bigint
      RETURNING ${scheduleColumns('s')}
    ),
    woken AS (SELECT count(pg_notify($4, name)) AS notified FROM updated)
    SELECT ${columns} FROM updated CROSS JOIN woken`,
  );
}

/** $1: name, $2: the schedule channel, $3: the expected version or null. Answers the deleted name, or no row. */
export function deleteScheduleStatement(names: TableNames): Statement {
  return statement(
    'deleteSchedule',
    `WITH deleted AS (DELETE FROM ${names.schedules.qualified} WHERE name = $1 AND ($3::bigint IS NULL OR version = $3::bigint) RETURNING name),
    woken AS (SELECT count(pg_notify($2, name)) AS notified FROM deleted)
    SELECT deleted.name FROM deleted CROSS JOIN woken`,
  );
}
