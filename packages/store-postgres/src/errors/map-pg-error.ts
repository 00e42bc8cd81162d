import { JobValidationError, JobtrailError, StoreError } from '@jobtrail/core';
import { sqlState } from '../connection/sql-executor.js';
import type { TableNames } from '../naming/table-names.js';

interface PgErrorFields {
  message?: string;
  constraint?: string;
  detail?: string;
  column?: string;
}

function fieldsOf(error: unknown): PgErrorFields {
  const candidate = error as { driverError?: PgErrorFields } & PgErrorFields;
  return candidate?.driverError ?? candidate ?? {};
}

/** True when PostgreSQL refused the data itself (so another item of a batch may still succeed). */
export function isDataError(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('23') || code === '54000');
}

/** True for the dedupe index's unique violation (a manual retry racing an insert of the same key). */
export function isDedupeViolation(error: unknown, names: TableNames): boolean {
  return sqlState(error) === '23505' && fieldsOf(error).constraint === names.index.dedupeKey;
}

/**
 * Turns what node-postgres (or TypeORM) threw into a typed jobtrail error: `JobValidationError`
 * (`invalid_input`) for anything the caller's data caused, `StoreError` (`store_error`) for the
 * database, the connection or the schema. Errors that already are jobtrail errors pass through.
 * `subject` is the field a value PostgreSQL cannot hold is refused under: `job`, `schedule` (the
 * schedule operations) or `control` (a type's limits and starts).
 */
export function mapPgError(error: unknown, names: TableNames, operation: string, subject: 'job' | 'schedule' | 'control' = 'job'): JobtrailError {
  // By kind, not `instanceof`: core's errors may come from another copy of core (its CommonJS build).
  if (JobtrailError.isInstance(error)) return error;
  const code = sqlState(error);
  const { message = String(error), constraint, detail } = fieldsOf(error);
  const table = `${names.schema}.${names.table}`;
  switch (code) {
    case '23505':
      if (constraint === names.constraint.primaryKey) {
        return new JobValidationError('id', `a job with this id already exists (${detail ?? 'duplicate id'}); generate a fresh id per job with uuidv7().`);
      }
      // No `detail`: it would quote the index's values. With per-scope keys they are the caller's
      // own, but an error about a key need not repeat any of them.
      return new JobValidationError('key', `another unfinished job of this type, tenant and owner holds the same key (${constraint ?? 'unique violation'}).`);
    case '23514':
      return new JobValidationError(constraint?.endsWith('_lease_check') ? 'lease' : 'status', `violates ${constraint ?? 'a check constraint'}: ${message}.`);
    case '23502':
      return new JobValidationError(fieldsOf(error).column ?? 'job', `must not be null (${message}).`);
    case '22P05':
    case '22021':
      return new JobValidationError(
        subject,
        `contains text PostgreSQL cannot store: a \\u0000 character or an unpaired UTF-16 surrogate in a string (${message}). Remove it before storing.`,
      );
    case '22003':
      return new JobValidationError(subject, `a number is out of range for PostgreSQL (${message}).`);
    case '22008':
    case '22007':
      return new JobValidationError(subject, `a date is outside the range PostgreSQL can store (${message}).`);
    case '22P02':
      return new JobValidationError('job', `a value has the wrong format for its column (${message}).`);
    case '54000':
      return new JobValidationError(subject, `a value is too large for PostgreSQL (${message}); keep type, key, tenantId and ownerId short.`);
    case '25P02':
      return new JobValidationError(
        'transaction',
        'the transaction is aborted (an earlier statement in it failed): roll it back and retry the whole transaction.',
      );
    case '42P01':
    case '3F000':
      return new StoreError(
        `The jobtrail table ${table} does not exist: run \`await store.migrate()\` once at start-up, or add jobtrailMigrations to your DataSource's migrations. (${operation}: ${message})`,
        { cause: error },
      );
    // A migration's CREATE TABLE (no IF NOT EXISTS) met a table it did not create.
    case '42P07':
      return new StoreError(
        `Cannot migrate ${table}: ${message}, and jobtrail did not create it (the schedules table of ${table} is ${names.schema}.${names.schedules.table}). Rename that table, or give the store another tableName. (${operation})`,
        { cause: error },
      );
    case '42703':
    // 42P10: no unique index matches an ON CONFLICT: the dedupe index predates this version.
    case '42P10':
      return new StoreError(
        `The jobtrail table ${table} is older than this version of @jobtrail/store-postgres: run \`await store.migrate()\` (or your migrations). (${operation}: ${message})`,
        { cause: error },
      );
    default:
      break;
  }
  if (code?.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') {
    return new StoreError(`Lost the connection to PostgreSQL during ${operation}: ${message}`, { cause: error });
  }
  if (code === undefined) {
    return new StoreError(`PostgreSQL ${operation} failed: ${message}`, { cause: error });
  }
  return new StoreError(`PostgreSQL ${operation} failed with ${code}: ${message}`, { cause: error });
}
