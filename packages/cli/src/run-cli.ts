import { JobValidationError } from '@jobtrail/core';
import { CommanderError } from 'commander';
import { CliError } from './cli-errors.js';
import type { CommandContext } from './command-context.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
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
    const flag = FLAG_OF_FIELD[error.field];
    // Core's message starts with its field's name ("status: ..."): the flag's name replaces it.
    const reason = error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
    stderr.write(`jobtrail: ${flag === undefined ? error.message : `${flag}: ${reason}`}\n`);
    return EXIT_CODES.usage;
  }
  stderr.write(`jobtrail: ${reasonOf(error)}${hintFor(error)}\n`);
  return EXIT_CODES.failed;
}

/** The flag behind each field of the tracker's input, to name it when core refuses a value. */
const FLAG_OF_FIELD: Record<string, string> = {
  status: '--status',
  type: '--type',
  errorCode: '--error-code',
  key: '--key',
  group: '--group',
  scheduleName: '--schedule-name',
  tenantId: '--tenant-id',
  ownerId: '--owner-id',
  parentId: '--parent-id',
  metadata: '--metadata',
  createdAfter: '--since',
  createdBefore: '--until',
  limit: '--limit',
  cursor: '--cursor',
  order: '--order',
};

/** PostgreSQL's undefined_table (42P01) almost always means the store was never migrated. */
function hintFor(error: unknown): string {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    if ((cause as { code?: unknown }).code === '42P01') return ' (is the table there? run `jobtrail migrate`, and check --schema and --table)';
  }
  return '';
}
