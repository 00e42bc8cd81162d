import { statement, type Statement } from '../connection/statement.js';
import { jobColumns } from '../mapping/job-columns.js';
import type { TableNames } from '../naming/table-names.js';

/** Running jobs whose lease expired before $1, oldest lease first, at most $2 (expired-lease index). */
export function findExpiredStatement(names: TableNames): Statement {
  return statement(
    'findExpired',
    `SELECT ${jobColumns()} FROM ${names.qualified}
     WHERE status = 'running' AND lease_owner IS NOT NULL AND lease_expires_at < $1
     ORDER BY lease_expires_at, id
     LIMIT $2`,
  );
}
