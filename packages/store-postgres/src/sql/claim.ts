import { statement, type Statement } from '../connection/statement.js';
import { jobColumns } from '../mapping/job-columns.js';
import type { TableNames } from '../naming/table-names.js';
import { controlsClaimsSql } from './flow-sql.js';
import { relaxedCommit } from './relaxed-commit.js';
import { CLAIMABLE_SQL } from './statuses.js';

/**
 * Leases up to $4 due jobs in one statement, at most `limits[i]` of `types[i]` each.
 *
 * $1: types, $2: per-type limits, $3: now, $4: total limit, $5: owner, $6: lease expiry.
 *
 * For each requested type, a LATERAL subquery walks the claim index (type, priority desc, run_at,
 * id, over claimable rows only) and locks the first due rows with `FOR UPDATE SKIP LOCKED`: rows
 * another claimer holds are skipped, never waited for, so concurrent workers each get different
 * jobs and no job is leased twice. The best $4 candidates across types, in claim order, become
 * running with attempt + 1 and the lease.
 *
 * Types a type limits row controls (paused, or with any limit) are left out, whatever the caller
 * asked: only their own claim (`flowClaimStatement`) takes them, under their lock. So the choice
 * between the two, made from a cache of which types are controlled, only affects how soon a
 * controlled type is claimed, never whether its limits hold. The check is one primary-key probe of
 * the (small) limits table per requested type.
 */
export function claimStatement(names: TableNames, waitForFlush = false): Statement {
  // Without waiting for the WAL flush unless `durability: 'strict'`: see relaxedCommit.
  const relaxed = relaxedCommit(!waitForFlush);
  return statement(
    'claim',
    `WITH ${relaxed.cte}
    wanted AS (
      SELECT w.type, w.n FROM unnest($1::text[], $2::integer[]) AS w(type, n)
      WHERE NOT EXISTS (SELECT 1 FROM ${names.flow.limits.qualified} c WHERE c.type = w.type AND ${controlsClaimsSql('c')})
    ),
    candidates AS (
      SELECT c.id, c.priority, c.run_at
      FROM wanted
      CROSS JOIN LATERAL (
        SELECT j.id, j.priority, j.run_at
        FROM ${names.qualified} j
        WHERE j.type = wanted.type AND j.status IN ${CLAIMABLE_SQL} AND j.run_at <= $3
        ORDER BY j.priority DESC, j.run_at, j.id
        LIMIT LEAST(wanted.n, $4)
        FOR UPDATE SKIP LOCKED
      ) c
    ),
    chosen AS (
      SELECT id FROM candidates ORDER BY priority DESC, run_at, id LIMIT $4
    )
    UPDATE ${names.qualified} j
    SET status = 'running', attempt = j.attempt + 1, lease_owner = $5, lease_expires_at = $6,
        started_at = $3, updated_at = $3
    FROM chosen${relaxed.join}
    WHERE j.id = chosen.id AND j.status IN ${CLAIMABLE_SQL}
    RETURNING ${jobColumns('j')}`,
  );
}
