import { statement, type Statement } from '../connection/statement.js';
import { jobColumns } from '../mapping/job-columns.js';
import type { TableNames } from '../naming/table-names.js';
import { DEDUPE_COLUMNS_SQL, sameKeyScopeSql } from './key-scope.js';
import { ACTIVE_SQL, CLAIMABLE_SQL } from './statuses.js';

/**
 * Inserts any number of jobs in one statement.
 *
 * $1: jsonb array of job records (see `toJobRecord`), $2: the NOTIFY channel.
 *
 * - `ON CONFLICT … DO NOTHING` against the dedupe index: a job whose (type, key, tenant, owner)
 *   an unfinished job already holds is simply not inserted (the caller then reads the holder, see
 *   `dedupeHoldersStatement`). A duplicate id still raises a primary key violation.
 * - Answers only the ids inserted: the caller already has the rows (parsing them back would cost
 *   more than the insert itself).
 * - Jobs claimable now wake listening workers: one `pg_notify` per distinct type, sent when the
 *   surrounding transaction commits (so a rolled-back enqueue never wakes anyone).
 */
export function insertStatement(names: TableNames): Statement {
  const columns = jobColumns();
  return statement(
    'insert',
    `WITH input AS (
      SELECT r.* FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (
        id uuid, type text, key text, parent_id uuid, tenant_id text, owner_id text, group_name text,
        schedule_name text, scheduled_for timestamptz, status text,
        attempt integer, max_attempts integer, priority integer, run_at timestamptz,
        lease_owner text, lease_expires_at timestamptz, progress double precision, stage text,
        current double precision, total double precision, payload jsonb, result jsonb,
        metadata jsonb, metrics jsonb, note text, error jsonb, errors jsonb, history jsonb, created_at timestamptz,
        started_at timestamptz, finished_at timestamptz, updated_at timestamptz, trace text)
      ) WITH ORDINALITY AS r
    ),
    inserted AS (
      INSERT INTO ${names.qualified} (${columns})
      SELECT ${columns} FROM input ORDER BY ordinality
      ON CONFLICT (${DEDUPE_COLUMNS_SQL}) WHERE key IS NOT NULL AND status IN ${ACTIVE_SQL} DO NOTHING
      RETURNING id, type, status, run_at, updated_at
    ),
    woken AS (
      SELECT count(pg_notify($2, w.type)) AS notified
      FROM (SELECT DISTINCT type FROM inserted WHERE status IN ${CLAIMABLE_SQL} AND run_at <= updated_at) w
    )
    SELECT inserted.id FROM inserted CROSS JOIN woken`,
  );
}

/**
 * The unfinished jobs holding the given keys, each in its own type, tenant and owner: what an
 * insert that was deduped answers — never a job of another tenant or owner. $1: types, $2: keys,
 * $3: tenant ids, $4: owner ids (same length; NULL for none).
 */
export function dedupeHoldersStatement(names: TableNames): Statement {
  return statement(
    'insert.holders',
    `SELECT ${jobColumns('j')}
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS h(type, key, tenant_id, owner_id)
     JOIN ${names.qualified} j ON j.type = h.type AND j.key = h.key AND ${sameKeyScopeSql('j', 'h')}
     WHERE j.key IS NOT NULL AND j.status IN ${ACTIVE_SQL}`,
  );
}
