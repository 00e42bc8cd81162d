import { JobValidationError } from '../errors/jobtrail-error.js';
import { assertKnownKeys, isPlainObject, show } from '../tracker/validate-input.js';

/**
 * Flow control of one job type, held by the store and honoured by every process's claim (see
 * docs/design.md, "Flow control"): `tracker.setTypeLimits(type, limits)` or
 * `createTracker({ types: { [type]: limits } })`.
 */
export interface TypeLimits {
  /** At most this many jobs of the type `running` at once, across all processes (1 to 100 000). */
  maxRunning?: number | null;
  /** At most this many `running` per job `group` (1 to 100 000); jobs without a group form one. */
  maxRunningPerGroup?: number | null;
  /** At most `limit` starts per `intervalMs` (a sliding window), per group with `perGroup`. */
  rateLimit?: RateLimit | null;
}

export interface RateLimit {
  /** Starts per window: 1 to 100 000. */
  limit: number;
  /** The window, in ms: 1 000 (1 s) to 86 400 000 (1 day). */
  intervalMs: number;
  /** Count starts per job group instead of for the whole type. Default false. */
  perGroup?: boolean;
}

/** Limits with every field present: `null` where there is no limit. */
export interface CheckedTypeLimits {
  readonly maxRunning: number | null;
  readonly maxRunningPerGroup: number | null;
  readonly rateLimit: Readonly<Required<RateLimit>> | null;
}

export const MAX_LIMIT = 100_000;
export const MIN_RATE_INTERVAL_MS = 1_000;
export const MAX_RATE_INTERVAL_MS = 86_400_000;

const LIMIT_KEYS: ReadonlySet<string> = new Set(['maxRunning', 'maxRunningPerGroup', 'rateLimit']);
const RATE_KEYS: ReadonlySet<string> = new Set(['limit', 'intervalMs', 'perGroup']);

/**
 * Checks a type's limits and answers them complete (`null` = no limit). `null`, `undefined` or
 * absent clears a limit. Unknown keys are refused; each value is read once, and only from the
 * object's own properties (a value on `Object.prototype` is never taken for a limit).
 *
 * @throws {JobValidationError} (`invalid_input`) naming the field (`maxRunning`,
 *   `rateLimit.intervalMs`, ...) for a negative, zero, fractional, NaN, non-number or too large
 *   value.
 */
export function checkTypeLimits(limits: unknown): CheckedTypeLimits {
  if (!isPlainObject(limits)) throw new JobValidationError('limits', `must be an object such as { maxRunning: 3 }; got ${show(limits)}.`);
  assertKnownKeys(limits, LIMIT_KEYS, 'a type limit');
  const maxRunning = optionalCount(own(limits, 'maxRunning'), 'maxRunning');
  const maxRunningPerGroup = optionalCount(own(limits, 'maxRunningPerGroup'), 'maxRunningPerGroup');
  const rate = own(limits, 'rateLimit');
  let rateLimit: Required<RateLimit> | null = null;
  if (rate !== undefined && rate !== null) {
    if (!isPlainObject(rate)) throw new JobValidationError('rateLimit', `must be an object { limit, intervalMs }; got ${show(rate)}.`);
    assertKnownKeys(rate, RATE_KEYS, 'a rate limit', 'rateLimit.');
    const limit = requireCount(own(rate, 'limit'), 'rateLimit.limit', MAX_LIMIT);
    const intervalMs = requireCount(own(rate, 'intervalMs'), 'rateLimit.intervalMs', MAX_RATE_INTERVAL_MS, MIN_RATE_INTERVAL_MS);
    const perGroup = own(rate, 'perGroup') ?? false;
    if (typeof perGroup !== 'boolean') throw new JobValidationError('rateLimit.perGroup', `must be a boolean; got ${show(perGroup)}.`);
    rateLimit = Object.freeze({ limit, intervalMs, perGroup });
  }
  return Object.freeze({ maxRunning, maxRunningPerGroup, rateLimit });
}

function optionalCount(value: unknown, field: string): number | null {
  return value === undefined || value === null ? null : requireCount(value, field, MAX_LIMIT);
}

function requireCount(value: unknown, field: string, max: number, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new JobValidationError(field, `must be a whole number from ${min} to ${max}; got ${show(value)}.`);
  }
  return value;
}

/** `value[key]` when it is the object's own property, else undefined. */
function own(value: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(value, key) ? value[key] : undefined;
}
