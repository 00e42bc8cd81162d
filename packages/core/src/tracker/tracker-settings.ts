import { JobValidationError } from '../errors/jobtrail-error.js';
import { DEFAULT_MAX_HISTORY } from './attempt-history.js';
import { DEFAULT_MAX_RETRY_AFTER_MS } from './retry-delay.js';
import type { JobTypeOptions, TrackerOptions } from './tracker-options.js';
import { assertInteger, assertJobType, integerOption } from './validate-input.js';
import { checkTypeLimits, type CheckedTypeLimits } from '../flow/type-limits.js';

/**
 * `leaseMs` (a tracker's, a worker's, a manual start's), checked against one range: 100 ms to a
 * day. Default `fallback`.
 *
 * @throws {JobValidationError} (`invalid_input`, field `leaseMs`).
 */
export function leaseMsOption(value: number | undefined, fallback: number): number {
  return integerOption(value, fallback, 'leaseMs', 100, 86_400_000);
}

/** A tracker's options, checked once and with every default applied (durations in ms). */
export interface TrackerSettings {
  maxAttempts: number;
  types: Record<string, JobTypeOptions>;
  /** The limits `types` declares, per type that declares any. */
  declaredLimits: Map<string, CheckedTypeLimits>;
  progressIntervalMs: number;
  leaseMs: number;
  maxErrors: number;
  maxHistory: number;
  maxRetryAfterMs: number;
  keepStacks: boolean;
  recoverIntervalMs: number | false;
}

/** @throws {JobValidationError} (`invalid_input`) naming the first bad option. */
export function resolveTrackerSettings(options: TrackerOptions): TrackerSettings {
  if (!options || typeof options !== 'object' || !options.store) {
    throw new JobValidationError('store', 'createTracker() needs a store, e.g. createTracker({ store: new MemoryJobStore() }).');
  }
  // Checked in the order the options are documented, so the first bad one is named.
  const maxAttempts = integerOption(options.maxAttempts, 3, 'maxAttempts', 1, 1000);
  const types = options.types ?? {};
  const declaredLimits = new Map<string, CheckedTypeLimits>();
  for (const [type, typeOptions] of Object.entries(types)) {
    if (typeOptions === null || typeof typeOptions !== 'object') {
      throw new JobValidationError(`types.${type}`, `must be an object of the type's options; got ${String(typeOptions)}.`);
    }
    if (typeOptions.maxAttempts !== undefined) assertInteger(typeOptions.maxAttempts, `types.${type}.maxAttempts`, 1, 1000);
    const limits = declaredLimitsOf(type, typeOptions);
    if (limits !== null) declaredLimits.set(type, limits);
  }
  const progressIntervalMs = integerOption(options.progressIntervalMs, 250, 'progressIntervalMs', 0, 3_600_000);
  const leaseMs = leaseMsOption(options.leaseMs, 60_000);
  const maxErrors = integerOption(options.maxErrors, 20, 'maxErrors', 0, 1000);
  const maxHistory = integerOption(options.maxHistory, DEFAULT_MAX_HISTORY, 'maxHistory', 1, 1000);
  const maxRetryAfterMs = integerOption(options.maxRetryAfterMs, DEFAULT_MAX_RETRY_AFTER_MS, 'maxRetryAfterMs', 0, 366 * 86_400_000);
  const recoverIntervalMs =
    options.recoverIntervalMs === false
      ? false
      : integerOption(options.recoverIntervalMs, Math.max(1000, Math.floor(leaseMs / 2)), 'recoverIntervalMs', 10, 86_400_000);
  return {
    maxAttempts,
    types,
    declaredLimits,
    progressIntervalMs,
    leaseMs,
    maxErrors,
    maxHistory,
    maxRetryAfterMs,
    keepStacks: options.keepStacks ?? false,
    recoverIntervalMs,
  };
}

const LIMIT_KEYS = ['maxRunning', 'maxRunningPerGroup', 'rateLimit'] as const;

/** The limits `types[type]` declares, checked, or null when it declares none. */
function declaredLimitsOf(type: string, options: JobTypeOptions): CheckedTypeLimits | null {
  // A key set to undefined counts as not given (`maxRunning: env.X ? Number(env.X) : undefined`
  // must not clear the limits an operator set at run time).
  const limits: Record<string, unknown> = {};
  for (const key of LIMIT_KEYS) {
    const value = Object.hasOwn(options, key) ? options[key] : undefined;
    if (value !== undefined) limits[key] = value;
  }
  if (Object.keys(limits).length === 0) return null;
  try {
    assertJobType(type);
  } catch (error) {
    if (error instanceof JobValidationError) throw new JobValidationError('types', `names a type no job can have (${error.message})`);
    throw error;
  }
  try {
    return checkTypeLimits(limits);
  } catch (error) {
    if (error instanceof JobValidationError) throw new JobValidationError(`types.${type}.${error.field}`, error.message.slice(error.field.length + 2));
    throw error;
  }
}
