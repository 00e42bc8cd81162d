import { JobValidationError } from '@jobtrail/core';
import { CommanderError } from 'commander';
import { CliError } from './cli-errors.js';
import type { CommandContext } from './command-context.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
import { flagMessage } from './field-flags.js';
import type { TextSink } from './output.js';
import { createProgram } from './program.js';
import { reasonOf } from './store-session.js';

export interface RunCliOptions {
  /** Default `process.stdout`. Results go here (one JSON document with `--json`). */
  stdout?: TextSink;
  /** Default `process.stderr`. Errors and notes go here. */
  stderr?: TextSink;
  /** Default `process.env`: where `DATABASE_URL` and `MONGODB_URL` are read. */
  env?: Record<string, string | undefined>;
}

/**
 * Runs the `jobtrail` command line with `argv` (the arguments after the program name, e.g.
 * `['list', '--status', 'failed', '--json']`) and answers its exit code (see `EXIT_CODES`):
 * 0 success, 1 the operation failed, 2 usage or connection error. Never throws and never exits
 * the process; every connection it opened is closed when it answers.
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<ExitCode> {
  const context: CommandContext = {
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    env: options.env ?? process.env,
    now: () => Date.now(),
  };
  try {
    await createProgram(context).parseAsync([...argv], { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    return report(error, context.stderr);
  }
}

function report(error: unknown, stderr: TextSink): ExitCode {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  if (error instanceof CliError) {
    stderr.write(`jobtrail: ${error.message}\n`);
    return error.exitCode;
  }
  // A flag value core refused (an unknown --status, a bad --parent-id): nothing was done.
  if (JobValidationError.isInstance(error)) {
    stderr.write(`jobtrail: ${flagMessage(error.field, error.message)}\n`);
    return EXIT_CODES.usage;
  }
  stderr.write(`jobtrail: ${reasonOf(error)}${hintFor(error)}\n`);
  return EXIT_CODES.failed;
}

/** PostgreSQL's undefined_table (42P01) almost always means the store was never migrated. */
function hintFor(error: unknown): string {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    if ((cause as { code?: unknown }).code === '42P01') return ' (is the table there? run `jobtrail migrate`, and check --schema and --table)';
  }
  return '';
}
