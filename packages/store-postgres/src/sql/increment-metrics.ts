import { statement, type Statement } from '../connection/statement.js';
import type { TableNames } from '../naming/table-names.js';
import { relaxedCommit } from './relaxed-commit.js';
import { TERMINAL_SQL } from './statuses.js';

/**
 * Adds deltas to a job's metrics atomically, in the database: concurrent increments never lose
 * an update, because a waiting UPDATE re-reads the row it waited for. Sums use `numeric`, so they
 * are exact decimals. Terminal jobs are left alone.
 *
 * Fenced (when $4 or $5 is set): the increment also needs the job running, leased by $4 (when
 * set) and on attempt $5 (when set). Like the expectation of a transition, the fence is part of the
 * UPDATE's WHERE, so it is re-checked against the latest row version after waiting for a writer.
 *
 * An increment whose sum would leave the range of a double (beyond ±Number.MAX_VALUE) writes
 * nothing: jsonb would hold the exact numeric, but it reads back into JavaScript as Infinity and
 * then as null, and `sumMetrics` could no longer cast it. The statement names the first such metric.
 *
 * $1 id, $2 deltas (jsonb object of numbers), $3 updatedAt, $4 owner or null, $5 attempt or null.
 * Answers the metrics after the increment (null when nothing was written) and, from the
 * statement's snapshot, the job's status (null when it does not exist), lease owner, attempt and
 * the metric the increment would overflow (null when none): the store tells 'finished', 'stale',
 * an overflow and a lost race apart from those.
 */
/** Largest finite double (Number.MAX_VALUE), as an exact numeric literal. */
export const MAX_DOUBLE = '1.7976931348623157e308';

/** The first name in $2 whose sum with `metrics` (a jsonb expression) leaves the double range. */
function overflowingName(metrics: string): string {
  return `(SELECT d.key FROM jsonb_each($2::jsonb) AS d
     WHERE abs(COALESCE((${metrics} ->> d.key)::numeric, 0) + (d.value)::numeric) > ${MAX_DOUBLE}::numeric
     ORDER BY d.key LIMIT 1)`;
}

export function incrementMetricsStatement(names: TableNames, relaxedDurability = false): Statement {
  const relaxed = relaxedCommit(relaxedDurability);
  return statement(
    'incrementMetrics',
    `WITH ${relaxed.cte}
    target AS (
      SELECT status, lease_owner, attempt, metrics FROM ${names.qualified} WHERE id = $1
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
        AND ${overflowingName('j.metrics')} IS NULL
        AND (($4::text IS NULL AND $5::integer IS NULL)
             OR (j.status = 'running'
                 AND ($4::text IS NULL OR j.lease_owner = $4::text)
                 AND ($5::integer IS NULL OR j.attempt = $5::integer)))
      RETURNING j.metrics
    )
    SELECT (SELECT metrics FROM updated) AS metrics, t.status, t.lease_owner, t.attempt,
      -- Only a missed increment asks which metric would overflow (CASE evaluates it only then).
      CASE WHEN NOT EXISTS (SELECT 1 FROM updated) THEN ${overflowingName('t.metrics')} END AS overflow
    FROM (SELECT 1) AS one LEFT JOIN target t ON true`,
  );
}
