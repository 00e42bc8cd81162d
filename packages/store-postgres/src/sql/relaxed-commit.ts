/**
 * Makes the statement's own (autocommit) transaction commit without waiting for the WAL flush:
 * `set_config(..., true)` is local to the transaction, so the connection — shared with the
 * application through the DataSource's pool — keeps `synchronous_commit` as it was.
 *
 * Used for writes whose loss in a server crash costs nothing a crash does not cost anyway (a
 * claim or a lease renewal: the job runs again either way), and for every hot-path write with
 * `durability: 'relaxed'`. A written row implies the join with this one-row CTE produced a row,
 * so the setting is always in place before such a commit.
 */
export interface RelaxedCommit {
  /** `relaxed_commit AS (...),`: the first entry of a WITH list, or ''. */
  readonly cte: string;
  /** `WITH relaxed_commit AS (...)` for a statement without other CTEs, or ''. */
  readonly withClause: string;
  /** `, relaxed_commit` to append to an UPDATE's FROM list, or ''. */
  readonly join: string;
  /** `FROM relaxed_commit` for an UPDATE without a FROM list, or ''. */
  readonly from: string;
}

const CTE = `relaxed_commit AS (SELECT set_config('synchronous_commit', 'off', true) AS setting)`;

export function relaxedCommit(enabled: boolean): RelaxedCommit {
  return enabled
    ? { cte: `${CTE},`, withClause: `WITH ${CTE}`, join: ', relaxed_commit', from: 'FROM relaxed_commit' }
    : { cte: '', withClause: '', join: '', from: '' };
}
