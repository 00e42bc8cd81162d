import { statement, type Statement } from '../connection/statement.js';
import type { TableNames } from '../naming/table-names.js';
import { TERMINAL_SQL } from './statuses.js';

/**
 * Deletes at most $3 finished jobs older than the cut-off of their status, oldest first.
 * $1: statuses, $2: cut-offs (same length). Walks the prune index (status, finished_at) per status;
 * `SKIP LOCKED` lets two pruners share the backlog without waiting on each other.
 */
export function pruneStatement(names: TableNames): Statement {
  return statement(
    'prune',
    `WITH cutoffs AS (
      SELECT c.status, c.before FROM unnest($1::text[], $2::timestamptz[]) AS c(status, before)
    ),
    doomed AS (
      SELECT d.id
      FROM cutoffs
      CROSS JOIN LATERAL (
        SELECT j.id, j.finished_at
        FROM ${names.qualified} j
        WHERE j.status IN ${TERMINAL_SQL} AND j.status = cutoffs.status AND j.finished_at < cutoffs.before
        ORDER BY j.finished_at
        LIMIT $3
        FOR UPDATE SKIP LOCKED
      ) d
      ORDER BY d.finished_at
      LIMIT $3
    )
    DELETE FROM ${names.qualified} j USING doomed WHERE j.id = doomed.id`,
  );
}
