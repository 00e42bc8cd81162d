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
    throw asInputError(error, name);
  }
}

/**
 * What a failure while reading a caller's input answers: a jobtrail error as it is, anything else
 * (a proxy's trap, a getter that threw) as {@link unreadableInputError}.
 */
export function asInputError(error: unknown, field: string): JobtrailError {
  return JobtrailError.isInstance(error) ? error : unreadableInputError(field, error);
}

/** The refusal of argument `field` whose reading threw `error` (kept as `cause`). */
export function unreadableInputError(field: string, error: unknown): JobValidationError {
  return new JobValidationError(field, `cannot be read (${describeError(error)}); pass plain data.`, { cause: error });
}

/** `Name: message` of anything thrown, for a message of ours; never throws itself. */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'an error that cannot be shown';
  }
}
