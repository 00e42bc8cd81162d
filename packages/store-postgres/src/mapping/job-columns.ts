/**
 * The job table's columns, in one place. Statements list them explicitly instead of `*`: a
 * prepared `RETURNING *` breaks ("cached plan must not change result type") as soon as a later
 * migration adds a column while the app runs.
 */
export const JOB_COLUMN_NAMES = [
  'id',
  'type',
  'key',
  'parent_id',
  'tenant_id',
  'owner_id',
  'status',
  'attempt',
  'max_attempts',
  'priority',
  'run_at',
  'lease_owner',
  'lease_expires_at',
  'progress',
  'stage',
  'current',
  'total',
  'payload',
  'result',
  'metadata',
  'metrics',
  'note',
  'error',
  'errors',
  'history',
  'created_at',
  'started_at',
  'finished_at',
  'updated_at',
  'trace',
] as const;

export type JobColumn = (typeof JOB_COLUMN_NAMES)[number];

/** `id, type, ...` or, with an alias, `j.id, j.type, ...`. */
export function jobColumns(alias?: string): string {
  return alias === undefined ? JOB_COLUMN_NAMES.join(', ') : JOB_COLUMN_NAMES.map((name) => `${alias}.${name}`).join(', ');
}
