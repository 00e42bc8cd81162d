import { JobValidationError } from '../errors/jobtrail-error.js';

/** Milliseconds per unit accepted by {@link parseDuration}. */
const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

/** A decimal number (no sign, no exponent), optional spaces, then a lowercase unit. */
const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d|w)\s*$/;

const EXAMPLE = `a number of milliseconds >= 0 (e.g. 1500) or a string such as '250ms', '30s', '5m', '1.5h', '7d' or '1w'`;

/**
 * Reads a duration given either as milliseconds or as a short human string, so that options
 * such as timeouts and backoff steps can come straight from configuration files or env vars.
 *
 * - numbers are milliseconds and are returned unchanged (they must be finite and >= 0);
 * - strings are a decimal number, optional spaces and one unit: `ms`, `s`, `m`, `h`, `d`, `w`
 *   (`'250ms'`, `'30s'`, `' 5 m '`, `'1.5h'`, `'7d'`, `'1w'`); the result is rounded to whole ms.
 *
 * Units are lowercase only (`'1M'` is rejected rather than silently read as one minute instead
 * of one month), and a bare numeric string such as `'500'` is rejected because its unit is
 * ambiguous: write `500` or `'500ms'`. Results above `Number.MAX_SAFE_INTEGER` are rejected.
 *
 * @param value the duration to read.
 * @param field the option's name, used in the error message (e.g. `'lease.ttl'`).
 * @returns the duration in milliseconds.
 * @throws {JobValidationError} naming `field` and showing an example of a valid value.
 */
export function parseDuration(value: number | string, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
      throw invalid(field, value);
    }
    return value === 0 ? 0 : value; // turns -0 into 0
  }
  if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value);
    if (match) {
      const amount = Number(match[1]);
      const unit = match[2] as keyof typeof UNIT_MS;
      const ms = Math.round(amount * UNIT_MS[unit]);
      if (Number.isFinite(ms) && ms <= Number.MAX_SAFE_INTEGER) return ms;
    }
  }
  throw invalid(field, value);
}

function invalid(field: string, value: unknown): JobValidationError {
  return new JobValidationError(field, `expected ${EXAMPLE}; got ${describe(value)}.`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
