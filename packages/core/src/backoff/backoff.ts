import { JobValidationError } from '../errors/jobtrail-error.js';
import { parseDuration } from '../util/duration.js';

/**
 * How long to wait before the next attempt. A pure function, so that retry timing is testable
 * and lives once in core (stores never compute delays).
 *
 * @param attempt the attempt that just failed, 1-based.
 * @param error what that attempt threw (a policy may ignore it).
 * @returns the delay in milliseconds before the next attempt (finite, >= 0).
 */
export type BackoffPolicy = (attempt: number, error: unknown) => number;

/**
 * How {@link backoff.exponential} spreads delays so that jobs failing together do not retry
 * together: `none` keeps the raw delay, `full` picks uniformly in `[0, raw]`, `equal` picks in
 * `[raw/2, raw]` (never retries too early, still spreads).
 */
export type BackoffJitter = 'none' | 'full' | 'equal';

/** Options of {@link backoff.exponential}. An option set to `undefined` or `null` takes its default. */
export interface ExponentialBackoffOptions {
  /** Delay after the first failed attempt, before jitter. Default: `1000` (1 s). */
  baseMs?: number;
  /** Growth per attempt; `1` gives a constant delay. Must be >= 1. Default: `2`. */
  factor?: number;
  /** Cap of the raw delay, before jitter. Default: `3_600_000` (1 h). */
  maxMs?: number;
  /** Default: `'full'`. */
  jitter?: BackoffJitter;
  /** Source of randomness in `[0, 1]`, injectable for tests. Default: `Math.random` (read at each call). */
  random?: () => number;
}

/**
 * A policy written as data (e.g. per job type in configuration), turned into a function by
 * {@link resolveBackoff}. Durations of `fixed` and `steps` may be strings such as `'5m'`.
 */
export type BackoffOptions =
  | ({ type: 'exponential' } & ExponentialBackoffOptions)
  | { type: 'fixed'; ms: number | string }
  | { type: 'steps'; steps: ReadonlyArray<number | string> };

const JITTERS: readonly BackoffJitter[] = ['none', 'full', 'equal'];
const EXPONENTIAL_KEYS = new Set(['baseMs', 'factor', 'maxMs', 'jitter', 'random']);

/**
 * Builds exponential backoff: `raw = min(maxMs, baseMs * factor^(attempt-1))`, then jitter
 * (`none` → raw, `full` → random·raw, `equal` → raw/2 + random·raw/2), rounded to whole ms.
 * Defaults: `baseMs` 1000, `factor` 2, `maxMs` 3 600 000 (1 h), `jitter` `'full'`,
 * `random` `Math.random`. Options are validated now, not at the first failure.
 *
 * @throws {JobValidationError} for unknown keys, a negative/NaN/infinite `baseMs` or `maxMs`, a
 *   `factor` below 1 or not finite, an unknown `jitter`, or a `random` that is not a function.
 */
function exponential(options: ExponentialBackoffOptions = {}): BackoffPolicy {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new JobValidationError(
      'backoff',
      `exponential() takes an options object such as { baseMs: 1000, factor: 2 }; got ${describe(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!EXPONENTIAL_KEYS.has(key)) {
      throw new JobValidationError(
        `backoff.${key}`,
        `unknown option; exponential() accepts ${[...EXPONENTIAL_KEYS].join(', ')}.`,
      );
    }
  }
  const baseMs = ms(options.baseMs ?? 1000, 'backoff.baseMs');
  const maxMs = ms(options.maxMs ?? 3_600_000, 'backoff.maxMs');
  const factor = options.factor ?? 2;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) {
    throw new JobValidationError('backoff.factor', `must be a finite number >= 1 (e.g. 2); got ${describe(factor)}.`);
  }
  const jitter = options.jitter ?? 'full';
  if (!JITTERS.includes(jitter)) {
    throw new JobValidationError('backoff.jitter', `must be 'none', 'full' or 'equal'; got ${describe(jitter)}.`);
  }
  const random = options.random ?? (() => Math.random());
  if (typeof random !== 'function') {
    throw new JobValidationError('backoff.random', `must be a function returning [0, 1]; got ${describe(random)}.`);
  }

  return (attempt) => {
    checkAttempt(attempt);
    const grown = baseMs * factor ** (attempt - 1); // Infinity for huge attempts; baseMs 0 stays 0
    const raw = baseMs === 0 ? 0 : Math.min(maxMs, grown);
    if (jitter === 'none') return Math.round(raw);
    const r = random();
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) {
      throw new JobValidationError('backoff.random', `must return a number in [0, 1]; returned ${describe(r)}.`);
    }
    return Math.round(jitter === 'full' ? r * raw : raw / 2 + (r * raw) / 2);
  };
}

/**
 * Waits the same time after every failed attempt. Useful when the failing dependency recovers
 * on a known schedule. `ms` may be a duration string (`'30s'`); it is rounded to whole ms.
 *
 * @throws {JobValidationError} when `ms` is negative, NaN, infinite or not a duration.
 */
function fixed(delay: number | string): BackoffPolicy {
  const value = Math.round(ms(delay, 'backoff.ms'));
  return (attempt) => {
    checkAttempt(attempt);
    return value;
  };
}

/**
 * A ladder of delays: attempt 1 waits `delays[0]`, attempt 2 `delays[1]`, and every attempt
 * past the end repeats the last step, e.g. `steps([0, '1m', '5m', '15m', '1h'])` for
 * "immediately, then 1, 5, 15 minutes, then hourly". Steps may be numbers (ms) or duration
 * strings; they are copied, so later changes to the array do not apply.
 *
 * @throws {JobValidationError} when `delays` is not a non-empty array of valid durations.
 */
function steps(delays: ReadonlyArray<number | string>): BackoffPolicy {
  if (!Array.isArray(delays) || delays.length === 0) {
    throw new JobValidationError(
      'backoff.steps',
      `must be a non-empty array of delays such as [0, 60_000, '5m']; got ${describe(delays)}.`,
    );
  }
  const ladder = (delays as ReadonlyArray<number | string>).map((d, i) => Math.round(ms(d, `backoff.steps[${i}]`)));
  return (attempt) => {
    checkAttempt(attempt);
    return ladder[Math.min(attempt, ladder.length) - 1] as number;
  };
}

/**
 * The built-in backoff policies. Each validates its options when built and returns a
 * {@link BackoffPolicy}; any `(attempt, error) => ms` function can be used instead.
 */
export const backoff = Object.freeze({ exponential, fixed, steps });

/**
 * The policy used when none is configured: `backoff.exponential({ baseMs: 1000, factor: 2,
 * maxMs: 3_600_000, jitter: 'full' })`, i.e. up to 1 s, 2 s, 4 s, ... capped at 1 h, with full
 * jitter so that jobs failing together spread out.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = exponential({
  baseMs: 1000,
  factor: 2,
  maxMs: 3_600_000,
  jitter: 'full',
});

/**
 * Turns what a user configured into a policy: `undefined` → {@link DEFAULT_BACKOFF}; options
 * data (`{ type: 'steps', steps: [...] }`) → the matching built-in; a function → that function,
 * wrapped so that a bad return value (negative, NaN, infinite, not a number) fails loudly with
 * a {@link JobValidationError} instead of scheduling a retry at a nonsense time. Results of user
 * functions are rounded to whole ms.
 *
 * @throws {JobValidationError} for anything else, or for invalid options.
 */
export function resolveBackoff(policy: BackoffPolicy | BackoffOptions | undefined): BackoffPolicy {
  if (policy === undefined || policy === null) return DEFAULT_BACKOFF;
  if (typeof policy === 'function') {
    return (attempt, error) => {
      checkAttempt(attempt);
      const delay: unknown = policy(attempt, error);
      if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
        throw new JobValidationError(
          'backoff',
          `the backoff function returned ${describe(delay)} for attempt ${attempt}; it must return a finite number of ms >= 0.`,
        );
      }
      return Math.round(delay);
    };
  }
  if (typeof policy === 'object' && !Array.isArray(policy)) {
    const { type, ...rest } = policy as BackoffOptions;
    switch (type) {
      case 'exponential':
        return exponential(rest as ExponentialBackoffOptions);
      case 'fixed':
        return fixed((rest as { ms: number | string }).ms);
      case 'steps':
        return steps((rest as { steps: ReadonlyArray<number | string> }).steps);
      default:
        throw new JobValidationError(
          'backoff.type',
          `must be 'exponential', 'fixed' or 'steps'; got ${describe(type)}.`,
        );
    }
  }
  throw new JobValidationError(
    'backoff',
    `expected a function (attempt, error) => ms or options such as { type: 'exponential' }; got ${describe(policy)}.`,
  );
}

/** parseDuration checks the runtime type too, so JavaScript callers get the same message. */
function ms(value: unknown, field: string): number {
  return parseDuration(value as number | string, field);
}

function checkAttempt(attempt: number): void {
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw new JobValidationError(
      'attempt',
      `a backoff policy takes the 1-based number of the attempt that just failed; got ${describe(attempt)}.`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
