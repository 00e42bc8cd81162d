import { statement, type Statement } from '../connection/statement.js';
import type { TableNames } from '../naming/table-names.js';
import { relaxedCommit } from './relaxed-commit.js';
import { TERMINAL_SQL } from './statuses.js';

/**
 * Adds deltas to a job's metrics atomically, in the database: concurrent increments never lose
 * an update, because a waiting UPDATE re-reads the row it waited for. Sums use `numeric`, so they
 * are exact decimals. Terminal jobs are left alone.
 *
 * $1 id, $2 deltas (jsonb object of numbers), $3 updatedAt. Answers the metrics after the
 * increment (null when nothing was written) and the job's status (null when it does not exist).
 */
export function incrementMetricsStatement(names: TableNames, relaxedDurability = false): Statement {
  const relaxed = relaxedCommit(relaxedDurability);
  return statement(
    'incrementMetrics',
    `WITH ${relaxed.cte}
    target AS (
      SELECT status FROM ${names.qualified} WHERE id = $1
    ),
    updated AS (
      UPDATE ${names.qualified} j
      SET metrics = j.metrics || COALESCE((
            SELECT jsonb_object_agg(d.key, COALESCE((j.metrics ->> d.key)::numeric, 0) + (d.value)::numeric)
            FROM jsonb_each($2::jsonb) AS d
          ), '{}'::jsonb),
          updated_at = $3
      ${relaxed.from}
      WHERE j.id = $1 AND j.status NOT IN ${TERMINAL_SQL}
      RETURNING j.metrics
    )
    SELECT (SELECT metrics FROM updated) AS metrics, (SELECT status FROM target) AS status`,
  );
}
