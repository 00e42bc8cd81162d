import { statement, type Statement } from '../connection/statement.js';
import type { TableNames } from '../naming/table-names.js';
import { relaxedCommit } from './relaxed-commit.js';

/**
 * Writes the progress fields a patch names (a flag per field says whether to write it, so a field
 * can also be set to null), only while the job runs and, when $11 is set, only for its lease owner,
 * and when $12 is set, only while it runs that attempt (the fence against a stale attempt).
 *
 * $1 id, $2/$3 progress, $4/$5 stage, $6/$7 current, $8/$9 total, $10 updatedAt, $11 owner or null,
 * $12 attempt or null.
 */
export function updateProgressStatement(names: TableNames, relaxedDurability = false): Statement {
  const relaxed = relaxedCommit(relaxedDurability);
  return statement(
    'updateProgress',
    `${relaxed.withClause}
     UPDATE ${names.qualified}
     SET progress = CASE WHEN $2::boolean THEN $3::double precision ELSE progress END,
         stage = CASE WHEN $4::boolean THEN $5::text ELSE stage END,
         current = CASE WHEN $6::boolean THEN $7::double precision ELSE current END,
         total = CASE WHEN $8::boolean THEN $9::double precision ELSE total END,
         updated_at = $10
     ${relaxed.from}
     WHERE id = $1 AND status = 'running' AND ($11::text IS NULL OR lease_owner = $11::text)
       AND ($12::integer IS NULL OR attempt = $12::integer)`,
  );
}
