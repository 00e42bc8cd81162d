import { JobtrailError, JobValidationError } from '../errors/jobtrail-error.js';

/**
 * Runs `read`, the checks of a caller's argument `name`; a failure to read it (a getter or a proxy
 * trap that throws, a revoked proxy) is bad input, answered as `JobValidationError`
 * (`invalid_input`, field `name`) with the original as `cause`, never as the raw error. Refusals
 * of jobtrail's own checks pass through as they are.
 */
export function readInput<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (JobtrailError.isInstance(error)) throw error;
    throw unreadableInputError(name, error);
  }
}

/** The refusal of argument `name` whose reading threw `error` (kept as `cause`). */
export function unreadableInputError(name: string, error: unknown): JobValidationError {
  let reason: string;
  try {
    reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    reason = 'an error that cannot be shown';
  }
  return new JobValidationError(name, `cannot be read (${reason}); pass plain data.`, { cause: error });
}
