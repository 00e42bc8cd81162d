/**
 * Status lists as SQL literals. They are written into the statements (never passed as
 * parameters) because the partial indexes are defined with the same literal lists, and the
 * planner only uses a partial index when the query's predicate visibly implies the index's.
 */
export const CLAIMABLE_SQL = `('queued', 'retrying')`;
export const ACTIVE_SQL = `('queued', 'running', 'retrying')`;
export const TERMINAL_SQL = `('completed', 'failed', 'skipped', 'cancelled')`;
export const ALL_STATUSES_SQL = `('queued', 'running', 'retrying', 'completed', 'failed', 'skipped', 'cancelled')`;
