import { statement, type Statement } from '../connection/statement.js';
import { JOB_COLUMN_TYPES, jobColumns, type JobColumn } from '../mapping/job-columns.js';
import type { TableNames } from '../naming/table-names.js';
import { DEDUPE_COLUMNS_SQL, sameKeyScopeSql } from './key-scope.js';
import { ACTIVE_SQL, CLAIMABLE_SQL } from './statuses.js';

/**
 * Inserts any number of jobs in one statement, into the given columns (the rest take their
 * defaults).
 *
 * $1…$n: one parameter per column, in the order of `columns` (see `toColumnArrays`): an array
 * literal for each column (empty when every value is NULL: `unnest` pads a shorter array with
 * NULLs), but a JSON array for each jsonb column; $n+1: the NOTIFY channel.
 * Column arrays rather than one jsonb document of records: PostgreSQL parses a 1,000-job document
 * of records (every key repeated in every record) in about as long as it takes to insert the
 * rows, while `unnest` reads each value once with its column's own input function. A jsonb
 * column's values come as one JSON array (`jsonb_array_elements`), cheaper at both ends than an
 * array of JSON texts, each quoted and escaped; a JSON null is stored as SQL NULL (as the table has
 * always kept an absent payload or result).
 *
 * - `keyed`: some jobs have a dedupe key. `ON CONFLICT … DO NOTHING` against the dedupe index
 *   then skips a job whose (type, key, tenant, owner) an unfinished job already holds (the
 *   caller then reads the holder, see `dedupeHoldersStatement`), and the statement answers the
 *   ids it inserted. Rows go in input order, so of two items of one scope the first is inserted.
 *   Without keys nothing can be skipped: a plain INSERT (no speculative insertion per row) that
 *   answers one row, and every job is inserted.
 * - A duplicate id raises a primary key violation either way.
 * - Jobs claimable now wake listening workers: one `pg_notify` per distinct type, sent when the
 *   surrounding transaction commits (so a rolled-back enqueue never wakes anyone).
 */
export function insertStatement(names: TableNames, columns: readonly JobColumn[], keyed: boolean, single = false): Statement {
  if (single) return insertOneStatement(names, columns, keyed);
  const list = columns.join(', ');
  const param = (column: JobColumn) => `$${columns.indexOf(column) + 1}::${JOB_COLUMN_TYPES[column]}`;
  const isJson = (column: JobColumn) => JOB_COLUMN_TYPES[column] === 'jsonb';
  const plain = columns.filter((column) => !isJson(column));
  const json = columns.filter(isJson);
  const sources = [`unnest(${plain.map((column) => `${param(column)}[]`).join(', ')})`, ...json.map((column) => `jsonb_array_elements(${param(column)})`)];
  const select = columns.map((column) => (isJson(column) ? `NULLIF(${column}, 'null'::jsonb)` : column)).join(', ');
  const channel = `$${columns.length + 1}`;
  const input = `input AS (
      SELECT * FROM ROWS FROM (${sources.join(', ')}) WITH ORDINALITY AS r(${[...plain, ...json].join(', ')}, ordinality)
    )`;
  const wake = (from: string) =>
    `SELECT count(pg_notify(${channel}, w.type)) AS notified
      FROM (SELECT DISTINCT type FROM ${from} WHERE status IN ${CLAIMABLE_SQL} AND run_at <= updated_at) w`;
  if (!keyed) {
    return statement(
      'insert',
      `WITH ${input},
      inserted AS (
        INSERT INTO ${names.qualified} (${list})
        SELECT ${select} FROM input ORDER BY ordinality
      )
      ${wake('input')}`,
    );
  }
  return statement(
    'insert',
    `WITH ${input},
    inserted AS (
      INSERT INTO ${names.qualified} (${list})
      SELECT ${select} FROM input ORDER BY ordinality
      ON CONFLICT (${DEDUPE_COLUMNS_SQL}) WHERE key IS NOT NULL AND status IN ${ACTIVE_SQL} DO NOTHING
      RETURNING id, type, status, run_at, updated_at
    ),
    woken AS (${wake('inserted')})
    SELECT inserted.id FROM inserted CROSS JOIN woken`,
  );
}

/**
 * `insertStatement` for new jobs without keys, many at once: the same column arrays, but the
 * types to wake come as a parameter ($n+2, a text array: the caller knows which jobs are
 * claimable at once), so the rows are read once, straight into the INSERT (no CTE kept for a
 * second reader, no ordinality: without keys the order of rows decides nothing). ~7% less
 * PostgreSQL CPU per 1,000 jobs than `insertStatement`.
 */
export function insertNewStatement(names: TableNames, columns: readonly JobColumn[]): Statement {
  const list = columns.join(', ');
  const param = (column: JobColumn) => `$${columns.indexOf(column) + 1}::${JOB_COLUMN_TYPES[column]}`;
  const isJson = (column: JobColumn) => JOB_COLUMN_TYPES[column] === 'jsonb';
  const plain = columns.filter((column) => !isJson(column));
  const json = columns.filter(isJson);
  const sources = [`unnest(${plain.map((column) => `${param(column)}[]`).join(', ')})`, ...json.map((column) => `jsonb_array_elements(${param(column)})`)];
  const select = columns.map((column) => (isJson(column) ? `NULLIF(${column}, 'null'::jsonb)` : column)).join(', ');
  return statement(
    'insert',
    `WITH inserted AS (
      INSERT INTO ${names.qualified} (${list})
      SELECT ${select} FROM ROWS FROM (${sources.join(', ')}) AS r(${[...plain, ...json].join(', ')})
    )
    SELECT count(pg_notify($${columns.length + 1}, t.type)) AS notified FROM unnest($${columns.length + 2}::text[]) AS t(type)`,
  );
}

/**
 * `insertNewStatement` for a batch of new keyless jobs given as columns (`insertNewJobs`): only
 * the columns that differ per job are arrays; `status` is the constant `'queued'`, `created_at`
 * and `updated_at` one scalar for all ($n+1), and the columns every such job leaves empty (key,
 * schedule, trace, attempt) take their defaults. PostgreSQL then parses four arrays of 1,000
 * values less per chunk (~5% of its CPU for the statement). $1…$n: `BATCH_COLUMNS` (and
 * `metadata` when `withMetadata`) in that order; $n+1: the creation time; $n+2: the NOTIFY
 * channel; $n+3: the types to wake (a text array).
 */
export function insertBatchStatement(names: TableNames, withMetadata: boolean): Statement {
  const columns: readonly JobColumn[] = withMetadata ? [...BATCH_COLUMNS, 'metadata'] : BATCH_COLUMNS;
  const param = (column: JobColumn) => `$${columns.indexOf(column) + 1}::${JOB_COLUMN_TYPES[column]}`;
  const isJson = (column: JobColumn) => JOB_COLUMN_TYPES[column] === 'jsonb';
  const plain = columns.filter((column) => !isJson(column));
  const json = columns.filter(isJson);
  const sources = [`unnest(${plain.map((column) => `${param(column)}[]`).join(', ')})`, ...json.map((column) => `jsonb_array_elements(${param(column)})`)];
  const select = columns.map((column) => (isJson(column) ? `NULLIF(${column}, 'null'::jsonb)` : column)).join(', ');
  const at = `$${columns.length + 1}::timestamptz`;
  return statement(
    'insert',
    `WITH inserted AS (
      INSERT INTO ${names.qualified} (${columns.join(', ')}, status, created_at, updated_at)
      SELECT ${select}, 'queued', ${at}, ${at} FROM ROWS FROM (${sources.join(', ')}) AS r(${[...plain, ...json].join(', ')})
    )
    SELECT count(pg_notify($${columns.length + 2}, t.type)) AS notified FROM unnest($${columns.length + 3}::text[]) AS t(type)`,
  );
}

/** The columns of a new keyless job that differ from job to job (see `insertBatchStatement`). */
export const BATCH_COLUMNS: readonly JobColumn[] = [
  'id',
  'type',
  'parent_id',
  'tenant_id',
  'owner_id',
  'group_name',
  'max_attempts',
  'priority',
  'run_at',
  'payload',
];

/**
 * `insertStatement` for one job: $1…$n its values (JSON as text; NULL for a JSON null), $n+1 the
 * channel. A plain `VALUES` row costs PostgreSQL less than unpacking arrays of one element, and
 * one job is what each coalesced batch of a lone `enqueue` holds.
 */
function insertOneStatement(names: TableNames, columns: readonly JobColumn[], keyed: boolean): Statement {
  const list = columns.join(', ');
  const values = columns.map((column, index) => `$${index + 1}::${JOB_COLUMN_TYPES[column]}`).join(', ');
  const channel = `$${columns.length + 1}`;
  const conflict = keyed ? `ON CONFLICT (${DEDUPE_COLUMNS_SQL}) WHERE key IS NOT NULL AND status IN ${ACTIVE_SQL} DO NOTHING` : '';
  return statement(
    'insert',
    `WITH inserted AS (
      INSERT INTO ${names.qualified} (${list}) VALUES (${values})
      ${conflict}
      RETURNING id, type, status, run_at, updated_at
    ),
    woken AS (
      SELECT count(pg_notify(${channel}, w.type)) AS notified
      FROM (SELECT type FROM inserted WHERE status IN ${CLAIMABLE_SQL} AND run_at <= updated_at) w
    )
    SELECT inserted.id FROM inserted CROSS JOIN woken`,
  );
}

/**
 * The unfinished jobs holding the given keys, each in its own type, tenant and owner: what an
 * insert that was deduped answers — never a job of another tenant or owner. $1: types, $2: keys,
 * $3: tenant ids, $4: owner ids (same length; NULL for none).
 */
export function dedupeHoldersStatement(names: TableNames): Statement {
  return statement(
    'insert.holders',
    `SELECT ${jobColumns('j')}
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS h(type, key, tenant_id, owner_id)
     JOIN ${names.qualified} j ON j.type = h.type AND j.key = h.key AND ${sameKeyScopeSql('j', 'h')}
     WHERE j.key IS NOT NULL AND j.status IN ${ACTIVE_SQL}`,
  );
}
