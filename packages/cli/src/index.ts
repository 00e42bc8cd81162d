export { runCli } from './run-cli.js';
export type { RunCliOptions } from './run-cli.js';
export { EXIT_CODES } from './exit-codes.js';
export type { ExitCode } from './exit-codes.js';
export { CliError, CliUsageError, CliConnectionError, CliNotFoundError } from './cli-errors.js';
export type { TextSink } from './output.js';
