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
 * `2026-11-30`, `2026-11-30T06:00`, `2026-11-30T06:00:00.123Z`, `2026-11-30 06:00:00+01:00` …:
 * a calendar date, optionally a time (seconds and up to 9 fraction digits optional) and an offset.
 */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * The instant an ISO 8601 date or date-time names: a date alone is midnight UTC, a time without an
 * offset is local time. Null when `text` is no such form or names a day or time that does not
 * exist (`2026-02-30`, `24:00`, `12:60`, offset `+25:00`, a local time skipped by a DST change),
 * where `new Date()` would roll over into the next day or month.
 */
export function parseIsoInstant(text: string): Date | null {
  const match = ISO_INSTANT.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute = '0', second = '0', fraction = '', zone] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour ?? '0', minute, second].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  if (h > 23 || mi > 59 || s > 59) return null;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  // setFullYear / setUTCFullYear, not the Date constructor: it reads years 0..99 as 1900..1999.
  const date = new Date(0);
  if (hour !== undefined && zone === undefined) {
    date.setFullYear(y, mo - 1, d);
    date.setHours(h, mi, s, ms);
    const exists = date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d && date.getHours() === h && date.getMinutes() === mi;
    return exists ? date : null;
  }
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  if (zone === undefined || zone === 'Z' || zone === 'z') return date;
  const digits = zone.slice(1).replace(':', '');
  const offsetHours = Number(digits.slice(0, 2));
  const offsetMinutes = Number(digits.slice(2));
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const offsetMs = (zone[0] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(date.getTime() - offsetMs);
}

/**
 * A point in time given as a duration back from `now` (`1h`: an hour ago) or as an ISO 8601
 * date-time (`2026-11-30T06:00:00Z`; a date `2026-11-30` is UTC midnight, a time without an
 * offset local time).
 * @throws {CliUsageError} naming `flag` for anything else, including days and times that do not
 * exist (`2026-02-30`, `24:00`).
 */
export function parseInstant(text: string, flag: string, now: number): Date {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const at = parseIsoInstant(trimmed);
    if (at !== null) return at;
    throw new CliUsageError(
      `${flag} is not a valid date-time: expected an ISO 8601 date or date-time of a day and time that exist, such as 2026-11-30 or 2026-11-30T06:00:00Z; got ${JSON.stringify(text)}.`,
    );
  }
  try {
    return new Date(now - parseDuration(trimmed, flag));
  } catch {
    throw new CliUsageError(`${flag} must be a duration back from now (${DURATION_HELP}) or an ISO date-time such as 2026-11-30T06:00:00Z; got ${JSON.stringify(text)}.`);
  }
}
