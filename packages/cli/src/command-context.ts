import type { Command } from 'commander';
import { addConnectionFlags, resolveTarget, type ConnectionFlags } from './connection-options.js';
import { Output, type TextSink } from './output.js';
import { openStore, type StoreSession } from './store-session.js';

/** What every command runs with: where to write, the environment, the local clock. */
export interface CommandContext {
  stdout: TextSink;
  stderr: TextSink;
  env: Record<string, string | undefined>;
  /** Local time in ms; the database's clock is `session.now()`. */
  now(): number;
}

/** Flags every command takes: the connection and `--json`. */
export interface CommonFlags extends ConnectionFlags {
  json?: boolean;
}

/** Adds the connection flags and `--json` to `command`. */
export function addCommonFlags(command: Command): Command {
  return addConnectionFlags(command).option('--json', 'print the result as one JSON document on stdout');
}

export function outputFor(flags: CommonFlags, context: CommandContext): Output {
  return new Output(flags.json === true, context.stdout, context.stderr);
}

/** Connects as the flags say, runs `work`, and closes the connection whatever happens. */
export async function withSession<T>(flags: CommonFlags, context: CommandContext, work: (session: StoreSession) => Promise<T>): Promise<T> {
  const session = await openStore(resolveTarget(flags, context.env));
  let result: T;
  try {
    result = await work(session);
  } catch (error) {
    // The command's own error is the one to report, not a failure to close after it.
    await session.close().catch(() => {});
    throw error;
  }
  await session.close();
  return result;
}
