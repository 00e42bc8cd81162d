import { LARGE_JOB_FIELDS, type ReadPlan } from '@jobtrail/core/store';

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
  'group_name',
  'schedule_name',
  'scheduled_for',
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

/** Each column's SQL type: what an insert casts its parameter array to (`$n::<type>[]`). */
export const JOB_COLUMN_TYPES: Readonly<Record<JobColumn, string>> = {
  id: 'uuid',
  type: 'text',
  key: 'text',
  parent_id: 'uuid',
  tenant_id: 'text',
  owner_id: 'text',
  group_name: 'text',
  schedule_name: 'text',
  scheduled_for: 'timestamptz',
  status: 'text',
  attempt: 'integer',
  max_attempts: 'integer',
  priority: 'integer',
  run_at: 'timestamptz',
  lease_owner: 'text',
  lease_expires_at: 'timestamptz',
  progress: 'double precision',
  stage: 'text',
  current: 'double precision',
  total: 'double precision',
  payload: 'jsonb',
  result: 'jsonb',
  metadata: 'jsonb',
  metrics: 'jsonb',
  note: 'text',
  error: 'jsonb',
  errors: 'jsonb',
  history: 'jsonb',
  created_at: 'timestamptz',
  started_at: 'timestamptz',
  finished_at: 'timestamptz',
  updated_at: 'timestamptz',
  trace: 'text',
};

/** The jsonb columns: sent as JSON text, read back as parsed values. */
export const JSON_COLUMNS = ['payload', 'result', 'metadata', 'metrics', 'error', 'errors', 'history'] as const satisfies readonly JobColumn[];

export type JsonColumn = (typeof JSON_COLUMNS)[number];

/**
 * The columns a job just drafted by core can hold something in; every other column then holds
 * exactly its default (see `isNewJobRecord`). Inserting only these skips a third of the
 * parameter arrays, each of which PostgreSQL would parse in full, NULLs included.
 */
export const NEW_JOB_COLUMNS: readonly JobColumn[] = [
  'id',
  'type',
  'key',
  'parent_id',
  'tenant_id',
  'owner_id',
  'group_name',
  'schedule_name',
  'scheduled_for',
  'status',
  'attempt',
  'max_attempts',
  'priority',
  'run_at',
  'payload',
  'metadata',
  'created_at',
  'updated_at',
  'trace',
];

/**
 * `NEW_JOB_COLUMNS` but `metadata`, for new jobs that all have none: the column's default (`{}`)
 * fills it, and PostgreSQL splits no JSON array of empty objects.
 */
export const NEW_JOB_COLUMNS_NO_METADATA: readonly JobColumn[] = NEW_JOB_COLUMNS.filter((column) => column !== 'metadata');

/** `id, type, ...` or, with an alias, `j.id, j.type, ...`. */
export function jobColumns(alias?: string): string {
  return alias === undefined ? JOB_COLUMN_NAMES.join(', ') : JOB_COLUMN_NAMES.map((name) => `${alias}.${name}`).join(', ');
}

/** The columns every read selects; the large ones (named like their fields) follow the read plan. */
const SMALL_COLUMNS: readonly JobColumn[] = JOB_COLUMN_NAMES.filter((name) => !(LARGE_JOB_FIELDS as readonly string[]).includes(name));

/** The select list and extra FROM items of a read under `plan` (caps travel as parameters). */
export interface ReadColumns {
  select: string;
  /** `CROSS JOIN LATERAL ...` items measuring capped fields, to put after the table. */
  joins: string;
}

/**
 * How much larger jsonb's stored size can be than its JSON text: at most ~4x (a JEntry and
 * alignment per tiny element, e.g. `[0,0,...]`); 8 leaves a margin. A value stored larger than
 * `STORED_TO_TEXT * cap` is too large for sure.
 */
export const STORED_TO_TEXT = 8;

/**
 * Bytes a stored jsonb value takes whatever its text (varlena and container headers, the scalar
 * wrapper: `7` is stored in 17 bytes); a value stored within `STORED_TO_TEXT * cap + this` may
 * still fit, so it is measured exactly.
 */
export const STORED_OVERHEAD = 64;

/**
 * Columns for a read that leaves out or caps large fields. An omitted column is not selected at
 * all, so PostgreSQL never detoasts it. A capped column is measured once in a LATERAL
 * (`<field>_bytes`) and selected only when it fits. The exact measure, `octet_length(col::text)`,
 * detoasts and prints the value (O(size) in the database), so it is skipped when
 * `pg_column_size` (O(1): the stored, possibly compressed, size from the TOAST pointer) already
 * proves the value too large; `<field>_bytes` is then that proof's lower bound of the JSON size,
 * `ceil((stored - STORED_OVERHEAD) / STORED_TO_TEXT)`, still above the cap. `pg_column_size` alone could not decide:
 * compression can make a huge value small on disk.
 */
export function readColumns(plan: ReadPlan, params: unknown[]): ReadColumns {
  const select: string[] = [...SMALL_COLUMNS];
  const joins: string[] = [];
  for (const column of LARGE_JOB_FIELDS) {
    const how = plan[column];
    if (how === 'full') select.push(column);
    else if (typeof how === 'number') {
      params.push(how);
      const cap = `$${params.length}`;
      params.push(how * STORED_TO_TEXT + STORED_OVERHEAD);
      const bound = `$${params.length}::bigint`;
      // SQL NULL is how a JSON null is stored: it measures as the 4 bytes of `null`, as in every store.
      joins.push(
        `CROSS JOIN LATERAL (SELECT CASE WHEN pg_column_size(${column}) > ${bound} ` +
          `THEN (pg_column_size(${column})::bigint - ${STORED_OVERHEAD} + ${STORED_TO_TEXT - 1}) / ${STORED_TO_TEXT} ` +
          `ELSE COALESCE(octet_length(${column}::text), 4) END AS ${column}_bytes) AS ${column}_size`,
      );
      select.push(`CASE WHEN ${column}_bytes <= ${cap} THEN ${column} END AS ${column}`, `${column}_bytes`);
    }
  }
  return { select: select.join(', '), joins: joins.join(' ') };
}
