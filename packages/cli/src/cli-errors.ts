import { EXIT_CODES, type ExitCode } from './exit-codes.js';

/** An error the CLI reports as one line on stderr, exiting with `exitCode`; `code` is stable. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags or values, or no database given (`code: 'usage'`, exit 2). */
export class CliUsageError extends CliError {
  constructor(message: string) {
    super('usage', message, EXIT_CODES.usage);
  }
}

/** The database could not be reached or refused the login (`code: 'connection_failed'`, exit 2). */
export class CliConnectionError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('connection_failed', message, EXIT_CODES.usage);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** `show <id>` of a job that does not exist (`code: 'job_not_found'`, exit 1). */
export class CliNotFoundError extends CliError {
  constructor(message: string) {
    super('job_not_found', message, EXIT_CODES.failed);
  }
}

/**
 * A bulk retry or cancel that stopped part-way (`code: 'bulk_action_interrupted'`, exit 1): some
 * jobs were changed, the rest were not; running the same command again finishes the work.
 */
export class CliInterruptedError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bulk_action_interrupted', message, EXIT_CODES.failed);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
