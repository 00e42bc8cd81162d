import { JobValidationError, JobtrailError, StoreError } from '@jobtrail/core';
import { sqlState } from '../connection/sql-executor.js';
import type { TableNames } from '../naming/table-names.js';
import { mapPgError } from './map-pg-error.js';

interface PgErrorFields {
  message?: string;
  constraint?: string;
  detail?: string;
}

/**
 * `mapPgError` for the schedule operations: what the caller's data caused names the schedule (not
 * a job), and a missing schedules table says which migration brings it. Everything else (lost
 * connections, an aborted transaction, the DataSource) is mapped as for jobs.
 */
export function mapScheduleError(error: unknown, names: TableNames, operation: string): JobtrailError {
  if (JobtrailError.isInstance(error)) return error;
  const code = sqlState(error);
  // TypeORM wraps the pg error in a QueryFailedError (driverError); the pool hands it over as is.
  const fields = ((error as { driverError?: PgErrorFields } | null)?.driverError ?? error ?? {}) as PgErrorFields;
  const message = fields.message ?? String(error);
  const table = `${names.schema}.${names.schedules.table}`;
  switch (code) {
    case '22P05':
    case '22021':
      return new JobValidationError(
        'schedule',
        `contains text PostgreSQL cannot store: a \\u0000 character or an unpaired UTF-16 surrogate in a string (${message}). Remove it before storing.`,
      );
    case '22003':
      return new JobValidationError('schedule', `a number is out of range for PostgreSQL (${message}).`);
    case '22007':
    case '22008':
      return new JobValidationError('schedule', `a date is outside the range PostgreSQL can store (${message}).`);
    // Also what jsonb answers for an unpaired UTF-16 surrogate (`\ud800` in the JSON text): the
    // detail says which.
    case '22P02':
      return new JobValidationError(
        'schedule',
        `a value has the wrong format for its column, or a string holds an unpaired UTF-16 surrogate (${message}${fields.detail ? `: ${fields.detail}` : ''}).`,
      );
    case '23514':
      return new JobValidationError('schedule', `violates ${fields.constraint ?? 'a check constraint'}: ${message}.`);
    case '42P01':
      return new StoreError(
        `The jobtrail schedules table ${table} does not exist: run \`await store.migrate()\` (migration 4 creates it), or add jobtrailMigrations to your DataSource's migrations. (${operation}: ${message})`,
        { cause: error },
      );
    default:
      return mapPgError(error, names, operation);
  }
}
