import { JobValidationError, UnknownStatusError } from '../errors/jobtrail-error.js';
import { isJobStatus, JOB_STATUSES, type JobStatus } from '../model/job-status.js';

/** Options of {@link normalizeStatus}, {@link createStatusNormalizer} and {@link verifyStatuses}. */
export interface NormalizeStatusOptions {
  /**
   * Extra words to recognise, e.g. `{ 'Awaiting Review': 'queued' }`. Keys are normalised like
   * the input (case, spaces, `-` and `_` do not matter) and override the built-in
   * {@link STATUS_ALIASES}. Targets must be canonical statuses. A canonical status word cannot
   * be remapped to another status: every canonical value always normalises to itself.
   * Default: none.
   */
  aliases?: Readonly<Record<string, JobStatus>>;
  /**
   * Status returned for unknown input instead of throwing {@link UnknownStatusError}; must be a
   * canonical status. Default: none (unknown input throws).
   */
  fallback?: JobStatus;
}

/** A precomputed normaliser, returned by {@link createStatusNormalizer}. */
export type StatusNormalizer = (input: unknown) => JobStatus;

/** One distinct non-canonical value found by {@link verifyStatuses}. */
export interface NonCanonicalStatus {
  /** The value exactly as found. */
  value: unknown;
  /** How many times it occurred. */
  count: number;
  /** What it normalises to, or `null` when it is unknown (the `fallback` option is ignored). */
  normalized: JobStatus | null;
}

/** The report of {@link verifyStatuses}. */
export interface StatusVerification {
  /** `true` when every value was already a canonical status string. */
  ok: boolean;
  /** Every distinct non-canonical value, in the order first seen. */
  nonCanonical: NonCanonicalStatus[];
}

/**
 * Turns a status word into its lookup key: lowercase, trimmed, and every run of whitespace,
 * `-` and `_` collapsed into one space, so that `'In_Progress'`, `'in-progress'` and
 * `' IN   PROGRESS '` are the same word. Leading and trailing separators are dropped.
 */
export function statusKey(input: string): string {
  return input.toLowerCase().replace(/[\s_-]+/g, ' ').trim();
}

const BUILT_IN: ReadonlyArray<readonly [JobStatus, readonly string[]]> = [
  ['queued', ['queued', 'enqueued', 'pending', 'new', 'waiting', 'created', 'scheduled', 'delayed']],
  ['running', ['running', 'in progress', 'processing', 'active', 'started', 'executing']],
  ['retrying', ['retrying', 'retry', 'retryable']],
  [
    'completed',
    ['completed', 'complete', 'success', 'succeeded', 'successful', 'done', 'ok', 'finished', 'completed with errors'],
  ],
  ['failed', ['failed', 'failure', 'error', 'errored', 'crashed']],
  ['skipped', ['skipped', 'no leads to process', 'no leads to score', 'no op', 'noop']],
  ['cancelled', ['cancelled', 'canceled', 'aborted']],
];

/**
 * The built-in alias table: the status words of older systems, keyed by their normalised form
 * (see {@link statusKey}: `'in progress'`, `'no op'`), mapped to canonical statuses. Frozen,
 * with no prototype, so lookups of words such as `'constructor'` find nothing. Extend it per
 * call with the `aliases` option rather than by copying it.
 */
export const STATUS_ALIASES: Readonly<Record<string, JobStatus>> = Object.freeze(
  BUILT_IN.reduce<Record<string, JobStatus>>((table, [status, words]) => {
    for (const word of words) table[word] = status;
    return table;
  }, Object.create(null) as Record<string, JobStatus>),
);

const BUILT_IN_TABLE: ReadonlyMap<string, JobStatus> = new Map(Object.entries(STATUS_ALIASES));
const CANONICAL = `one of ${JOB_STATUSES.map((s) => `'${s}'`).join(', ')}`;

/**
 * Builds a normaliser once, with the alias table and options validated and precomputed, for
 * hot loops such as migrating or verifying many rows. The returned function behaves exactly
 * like {@link normalizeStatus} with the same options.
 *
 * @throws {JobValidationError} when `aliases` is not an object, an alias key is empty, an alias
 *   target is not canonical, an alias remaps a canonical word, or `fallback` is not canonical.
 */
export function createStatusNormalizer(options?: NormalizeStatusOptions): StatusNormalizer {
  const { table, fallback } = compile(options);
  return (input) => {
    const status = typeof input === 'string' ? table.get(statusKey(input)) : undefined;
    if (status !== undefined) return status;
    if (fallback !== undefined) return fallback;
    throw unknownStatus(input);
  };
}

/**
 * Maps the status word of an older system onto a canonical {@link JobStatus}, ignoring case,
 * surrounding spaces and separators (`'In_Progress'` → `'running'`, `'Completed with errors'`
 * → `'completed'`, `'No Leads To Score'` → `'skipped'`), so that nothing but canonical
 * statuses is ever stored. Canonical statuses map to themselves.
 *
 * @param input the value to map; anything but a known string is unknown.
 * @param options extra `aliases` (override the built-in {@link STATUS_ALIASES}) and a `fallback`.
 * @throws {UnknownStatusError} for unknown input (non-strings and empty strings included),
 *   unless `fallback` is given.
 * @throws {JobValidationError} for invalid options (see {@link createStatusNormalizer}).
 */
export function normalizeStatus(input: unknown, options?: NormalizeStatusOptions): JobStatus {
  return createStatusNormalizer(options)(input);
}

/**
 * Checks a set of stored values (e.g. `SELECT DISTINCT status` or a whole column) and reports
 * every value that is not already a canonical status string, how often it occurs and what it
 * would normalise to, so a migration can be planned before anything is rewritten.
 *
 * @param values any iterable (array, Set, generator); a string is rejected because iterating
 *   it would check single characters.
 * @param options the same `aliases` as {@link normalizeStatus}; `fallback` is validated but not
 *   applied, so unknown values are reported with `normalized: null`.
 * @throws {JobValidationError} when `values` is not iterable or options are invalid.
 */
export function verifyStatuses(values: Iterable<unknown>, options?: NormalizeStatusOptions): StatusVerification {
  if (typeof values === 'string' || !isIterable(values)) {
    throw new JobValidationError(
      'values',
      `expected an iterable of stored status values (e.g. an array or a Set); got ${describe(values)}.`,
    );
  }
  const { table } = compile(options);
  const counts = new Map<unknown, NonCanonicalStatus>();
  for (const value of values) {
    if (isJobStatus(value)) continue;
    const seen = counts.get(value);
    if (seen) {
      seen.count += 1;
    } else {
      const normalized = typeof value === 'string' ? (table.get(statusKey(value)) ?? null) : null;
      counts.set(value, { value, count: 1, normalized });
    }
  }
  const nonCanonical = [...counts.values()];
  return { ok: nonCanonical.length === 0, nonCanonical };
}

function compile(options: NormalizeStatusOptions | undefined): {
  table: ReadonlyMap<string, JobStatus>;
  fallback: JobStatus | undefined;
} {
  if (options === undefined || options === null) return { table: BUILT_IN_TABLE, fallback: undefined };
  if (typeof options !== 'object') {
    throw new JobValidationError('options', `expected an object such as { aliases, fallback }; got ${describe(options)}.`);
  }
  const { aliases, fallback } = options;
  if (fallback !== undefined && !isJobStatus(fallback)) {
    throw new JobValidationError('fallback', `must be ${CANONICAL}; got ${describe(fallback)}.`);
  }
  if (aliases === undefined || aliases === null) return { table: BUILT_IN_TABLE, fallback };
  if (typeof aliases !== 'object' || Array.isArray(aliases)) {
    throw new JobValidationError(
      'aliases',
      `expected an object mapping words to statuses, e.g. { 'in review': 'running' }; got ${describe(aliases)}.`,
    );
  }
  const table = new Map(BUILT_IN_TABLE);
  for (const [word, target] of Object.entries(aliases)) {
    const key = statusKey(word);
    const field = `aliases[${JSON.stringify(word)}]`;
    if (key === '') {
      throw new JobValidationError(field, 'an alias needs at least one letter or digit.');
    }
    if (!isJobStatus(target)) {
      throw new JobValidationError(field, `the target must be ${CANONICAL}; got ${describe(target)}.`);
    }
    if (isJobStatus(key) && key !== target) {
      throw new JobValidationError(
        field,
        `"${key}" is a canonical status and always normalises to itself; it cannot be mapped to "${target}".`,
      );
    }
    table.set(key, target);
  }
  return { table, fallback };
}

/**
 * UnknownStatusError's message uses JSON.stringify/String, which throw for a BigInt, a cyclic
 * object or an object without a prototype: build it from a description then, keeping `input`.
 */
function unknownStatus(input: unknown): UnknownStatusError {
  try {
    return new UnknownStatusError(input);
  } catch {
    const error = new UnknownStatusError(describe(input));
    Object.defineProperty(error, 'input', { value: input, enumerable: true });
    return error;
  }
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    value !== null &&
    value !== undefined &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
