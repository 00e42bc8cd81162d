import { JobtrailError, StoreError } from '@jobtrail/core';
import { sqlState } from '../connection/sql-executor.js';
import type { TableNames } from '../naming/table-names.js';
import { mapPgError } from './map-pg-error.js';

/**
 * `mapPgError` for the flow-control operations and the claim, which reads the type limits table:
 * a missing table or claim function says which migration brings them (a database at version 4
 * has the job table but not these). Everything else is mapped as for jobs.
 */
export function mapFlowError(error: unknown, names: TableNames, operation: string): JobtrailError {
  // A value refused in a type's limits or starts is the control's, not a job's; the claim's are jobs'.
  const subject = operation.startsWith('claim') ? 'job' : 'control';
  if (JobtrailError.isInstance(error)) return error;
  const code = sqlState(error);
  // 42883: no such function (the flow claim's, before migration 5).
  if (code === '42P01' || code === '42883') {
    const message = (error as { message?: string } | null)?.message ?? String(error);
    const f = names.flow;
    return new StoreError(
      `A jobtrail table of ${names.schema}.${names.table} does not exist (the job table, or the flow-control tables ${f.limits.table}, ${f.starts.table} and ${f.groupStarts.table} migration 5 adds): run \`await store.migrate()\`, or add jobtrailMigrations to your DataSource's migrations. (${operation}: ${message})`,
      { cause: error },
    );
  }
  return mapPgError(error, names, operation, subject);
}
