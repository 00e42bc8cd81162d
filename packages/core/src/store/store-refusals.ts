import { JobValidationError } from '../errors/jobtrail-error.js';

/**
 * Refuses to store a job that was read without some of its fields (it carries `job.unread`): its
 * missing payload, result or metadata would be stored as absent. `guardStore` calls it on every insert.
 *
 * @throws {JobValidationError} (`invalid_input`, field `unread`).
 */
export function refusePartialJob(job: { unread?: unknown }): void {
  if (job.unread !== undefined) {
    throw new JobValidationError('unread', 'a job read without some of its fields (job.unread) cannot be stored; read it in full (no read options) to copy it.');
  }
}

/**
 * The refusal of a metric increment whose sum would pass ±Number.MAX_VALUE: it would be stored as
 * ±Infinity (or an exact numeric) that reads back through JSON as null. Stores throw it and write
 * none of the increment's deltas.
 */
export function metricOverflowError(name: string): JobValidationError {
  return new JobValidationError(`deltas.${name}`, `the increment would leave the range of finite numbers (±${Number.MAX_VALUE}); the metric is unchanged.`);
}
