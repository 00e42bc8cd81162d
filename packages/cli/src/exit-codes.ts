/**
 * What the `jobtrail` process exits with; scripts may rely on these (they are in `--help` and the
 * README).
 */
export const EXIT_CODES = {
  /** The command did what was asked (a filter matching nothing is a success: 0 matched). */
  ok: 0,
  /** The command ran but failed: the job to show does not exist, the database refused an operation, or a bulk retry or cancel stopped part-way. */
  failed: 1,
  /** Nothing was done: bad flags or values, no database URL, or the database could not be reached. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export const EXIT_CODES_HELP = `Exit codes:
  0  success (a filter that matches nothing is a success: 0 matched)
  1  the operation failed (job not found, the database refused it, a retry or cancel interrupted)
  2  usage or connection error (bad flag or value, no URL, database unreachable)`;
