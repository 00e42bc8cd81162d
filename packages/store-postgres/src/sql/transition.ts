import { statement, type Statement } from '../connection/statement.js';
import { jobColumns } from '../mapping/job-columns.js';
import type { TableNames } from '../naming/table-names.js';
import { relaxedCommit } from './relaxed-commit.js';
import { sameKeyScopeSql, scopeValueSql } from './key-scope.js';
import { ACTIVE_SQL, CLAIMABLE_SQL } from './statuses.js';

/**
 * Compare-and-set for any number of jobs in one statement (one per job: the store never puts two
 * transitions of one job in the same batch).
 *
 * $1: jsonb array of `{ id, expect, set }` (see `toTransitionInput`): `expect` holds only the
 * conditions the caller asked for, `set` only the columns the patch writes (a key present with
 * null writes NULL; an absent key leaves the column alone). $2: the NOTIFY channel. $3: the same
 * ids as a uuid[]: `id = ANY($3)` makes the planner use the primary key whatever it guesses about
 * the jsonb input (joining on it alone, it picks a sequential scan of the whole table).
 *
 * - `updated`: the rows whose expectation held, patched. The expectation is part of the UPDATE's
 *   WHERE, so PostgreSQL re-checks it against the latest row version when it had to wait for a
 *   concurrent writer: a lost race is never a blind overwrite.
 * - The last WHERE term refuses a manual retry that would give a finished job back a dedupe key
 *   another unfinished job of its type, tenant and owner holds (the store then answers
 *   `duplicate_key`).
 * - `missed`: the current rows of the jobs that were not updated, read `FOR SHARE` so they are the
 *   latest committed versions (what the caller lost to), not the statement's older snapshot.
 * - Jobs that became claimable now wake listening workers (one `pg_notify` per type).
 *
 * Answers one row per existing job: `applied` true with the new row, or false with the current one.
 */
export function transitionStatement(names: TableNames, relaxedDurability = false): Statement {
  const t = names.qualified;
  const relaxed = relaxedCommit(relaxedDurability);
  const setIfPresent = (column: string, value: string) =>
    `${column} = CASE WHEN i.s ? '${column}' THEN ${value} ELSE j.${column} END`;
  return statement(
    'transition',
    `WITH ${relaxed.cte}
    input AS (
      SELECT (e->>'id')::uuid AS id, e->'expect' AS x, e->'set' AS s
      FROM jsonb_array_elements($1::jsonb) AS e
    ),
    updated AS (
      UPDATE ${t} j
      SET ${setIfPresent('status', `i.s->>'status'`)},
          ${setIfPresent('attempt', `(i.s->>'attempt')::integer`)},
          ${setIfPresent('max_attempts', `(i.s->>'max_attempts')::integer`)},
          ${setIfPresent('run_at', `(i.s->>'run_at')::timestamptz`)},
          ${setIfPresent('lease_owner', `i.s->>'lease_owner'`)},
          ${setIfPresent('lease_expires_at', `(i.s->>'lease_expires_at')::timestamptz`)},
          ${setIfPresent('progress', `(i.s->>'progress')::double precision`)},
          ${setIfPresent('stage', `i.s->>'stage'`)},
          ${setIfPresent('current', `(i.s->>'current')::double precision`)},
          ${setIfPresent('total', `(i.s->>'total')::double precision`)},
          ${setIfPresent('result', `nullif(i.s->'result', 'null'::jsonb)`)},
          ${setIfPresent('note', `i.s->>'note'`)},
          ${setIfPresent('error', `nullif(i.s->'error', 'null'::jsonb)`)},
          ${setIfPresent('errors', `i.s->'errors'`)},
          ${setIfPresent('history', `i.s->'history'`)},
          ${setIfPresent('metrics', `i.s->'metrics'`)},
          ${setIfPresent('started_at', `(i.s->>'started_at')::timestamptz`)},
          ${setIfPresent('finished_at', `(i.s->>'finished_at')::timestamptz`)},
          updated_at = (i.s->>'updated_at')::timestamptz
      FROM input i${relaxed.join}
      WHERE j.id = ANY($3::uuid[]) AND j.id = i.id
        AND (NOT (i.x ? 'status') OR (i.x->'status') ? j.status)
        AND (NOT (i.x ? 'leaseOwner') OR j.lease_owner IS NOT DISTINCT FROM (i.x->>'leaseOwner'))
        AND (NOT (i.x ? 'attempt') OR j.attempt = (i.x->>'attempt')::integer)
        AND (NOT (i.x ? 'leaseExpiresBefore')
             OR (j.lease_owner IS NOT NULL AND j.lease_expires_at < (i.x->>'leaseExpiresBefore')::timestamptz))
        AND (j.key IS NULL
             OR j.status IN ${ACTIVE_SQL}
             OR COALESCE(i.s->>'status', j.status) NOT IN ${ACTIVE_SQL}
             OR NOT EXISTS (
               SELECT 1 FROM ${t} h
               WHERE h.type = j.type AND h.key = j.key AND ${sameKeyScopeSql('h', 'j')}
                 AND h.status IN ${ACTIVE_SQL} AND h.id <> j.id))
      RETURNING ${jobColumns('j')}
    ),
    missed AS (
      SELECT ${jobColumns('j')}
      FROM input i JOIN ${t} j ON j.id = i.id
      WHERE j.id = ANY($3::uuid[]) AND NOT EXISTS (SELECT 1 FROM updated u WHERE u.id = i.id)
      FOR SHARE OF j
    ),
    woken AS (
      SELECT count(pg_notify($2, w.type)) AS notified
      FROM (SELECT DISTINCT type FROM updated WHERE status IN ${CLAIMABLE_SQL} AND run_at <= updated_at) w
    )
    SELECT true AS applied, u.* FROM updated u CROSS JOIN woken
    UNION ALL
    SELECT false AS applied, m.* FROM missed m`,
  );
}

/**
 * The unfinished job other than $3 holding key $2 of type $1 under tenant $4 and owner $5 (NULL:
 * none): who a refused manual retry lost to — always of the retried job's own tenant and owner.
 */
export function keyHolderStatement(names: TableNames): Statement {
  return statement(
    'transition.holder',
    `SELECT ${jobColumns()} FROM ${names.qualified}
     WHERE type = $1 AND key = $2
       AND ${scopeValueSql('tenant_id')} = ${scopeValueSql('$4::text')}
       AND ${scopeValueSql('owner_id')} = ${scopeValueSql('$5::text')}
       AND key IS NOT NULL AND status IN ${ACTIVE_SQL} AND id <> $3
     LIMIT 1`,
  );
}
