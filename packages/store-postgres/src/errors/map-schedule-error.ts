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
 * a job: `mapPgError`'s `subject`), a wrong format or check says what jsonb and the schedule's
 * checks mean, and a missing schedules table says which migration brings it. Everything else
 * (lost connections, an aborted transaction, the DataSource) is mapped as for jobs.
 */
export function mapScheduleError(error: unknown, names: TableNames, operation: string): JobtrailError {
  if (JobtrailError.isInstance(error)) return error;
  const code = sqlState(error);
  // TypeORM wraps the pg error in a QueryFailedError (driverError); the pool hands it over as is.
  const fields = ((error as { driverError?: PgErrorFields } | null)?.driverError ?? error ?? {}) as PgErrorFields;
  const message = fields.message ?? String(error);
  const table = `${names.schema}.${names.schedules.table}`;
  switch (code) {
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
      return mapPgError(error, names, operation, 'schedule');
  }
}
