import { CliUsageError } from './cli-errors.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * The grammar core reads durations with (`tracker.prune({ olderThanMs: '7d' })`, worker options):
 * a decimal number and one lowercase unit. Lowercase only, so `1M` is refused rather than read
 * as a minute by someone who meant a month.
 */
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d|w)$/;

export const DURATION_HELP = "a number and a unit: ms, s, m, h, d or w (e.g. '30m', '1h', '7d')";

/**
 * Milliseconds of a duration flag such as `30m`, `1h`, `7d` or `1.5h`.
 * @throws {CliUsageError} naming `flag` for anything else (`1x`, `-1h`, `10`, `1M`).
 */
export function parseDuration(text: string, flag: string): number {
  const match = DURATION.exec(text.trim());
  if (match) {
    const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
    if (Number.isSafeInteger(ms)) return ms;
  }
  throw new CliUsageError(`${flag} must be ${DURATION_HELP}; got ${JSON.stringify(text)}.`);
}

/**
 * A point in time given as a duration back from `now` (`1h`: an hour ago) or as an ISO 8601
 * date-time (`2026-11-30T06:00:00Z`, or a date `2026-11-30`, read as UTC midnight).
 * @throws {CliUsageError} naming `flag` for anything else.
 */
export function parseInstant(text: string, flag: string, now: number): Date {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const at = new Date(trimmed);
    if (!Number.isNaN(at.getTime())) return at;
    throw new CliUsageError(`${flag} is not a valid date-time; got ${JSON.stringify(text)}.`);
  }
  try {
    return new Date(now - parseDuration(trimmed, flag));
  } catch {
    throw new CliUsageError(`${flag} must be a duration back from now (${DURATION_HELP}) or an ISO date-time such as 2026-11-30T06:00:00Z; got ${JSON.stringify(text)}.`);
  }
}
