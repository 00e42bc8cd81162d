import { JobValidationError } from '../errors/jobtrail-error.js';
import {
  assertInteger,
  assertJobType,
  assertKnownKeys,
  assertJson,
  assertOptionalText,
  assertStorableDate,
  assertStorableText,
  isPlainObject,
  show,
} from '../tracker/validate-input.js';
import { dateTime } from '../util/dates.js';
import { parseDuration } from '../util/duration.js';
import { canonicalTimeZone, checkCron } from './cron-rule.js';
import type { StoreLimits } from '../store/job-store.js';

import type { ScheduleCatchUp, ScheduleOverlap } from '../model/schedule-policy.js';

export type { ScheduleCatchUp, ScheduleOverlap };

/** What `tracker.schedule(name, spec)` takes: exactly one of `cron` and `every`. */
export interface ScheduleSpec<TPayload = unknown> {
  /** The job type each tick enqueues. */
  type: string;
  payload?: TPayload;
  metadata?: Record<string, unknown>;
  tenantId?: string | null;
  /** A 5-field (or 6-field, seconds first) cron pattern, read by croner: see `cronRule`. */
  cron?: string;
  /** IANA time zone the cron pattern is read in (`'Europe/Berlin'`). Default `'UTC'`; cron only. */
  timezone?: string;
  /** A fixed interval: milliseconds, or a duration string (`'30s'`, `'5m'`, `'1.5h'`), 1 s to 366 d. */
  every?: number | string;
  /**
   * No tick before this instant (inclusive). `every` ticks fall at `startAt + k·everyMs` (else
   * from the definition's `anchorAt`, else from the Unix epoch).
   */
  startAt?: Date | null;
  /** No tick at or after this instant (exclusive); must be after `startAt`. */
  endAt?: Date | null;
  /**
   * `'skip'` (default): no firing while the schedule's previous job is unfinished; the ticks due
   * meanwhile are skipped, not queued. `'allow'`: every tick fires. With `catchUp: 'all'` the
   * default is `'allow'` and `'skip'` is refused (a catch-up fires several ticks at once).
   */
  overlap?: ScheduleOverlap;
  /** Missed ticks after downtime: `'none'`, `'latest'` (default) or `'all'`; see `dueTicks`. */
  catchUp?: ScheduleCatchUp;
  /** With `catchUp: 'all'` only: most ticks fired at once, 1 to 1000. Default 100. */
  maxCatchUp?: number;
  /** Default true; a disabled schedule is kept but never fires. */
  enabled?: boolean;
}

/** A checked spec with every default applied: what a store persists and the tick math reads. */
export interface ScheduleDefinition {
  readonly name: string;
  readonly type: string;
  /** `null` when not given, as for jobs. */
  readonly payload: unknown;
  readonly metadata: Record<string, unknown>;
  readonly tenantId: string | null;
  /** The cron pattern as given, or `null` for an `every` schedule. */
  readonly cron: string | null;
  /** The time zone as given (default `'UTC'`), or `null` for an `every` schedule. */
  readonly timezone: string | null;
  /** The interval in ms, or `null` for a cron schedule. */
  readonly everyMs: number | null;
  readonly startAt: Date | null;
  readonly endAt: Date | null;
  /**
   * When the schedule began, as the caller said (`options.anchorAt`: a store passes the time it
   * created or last changed the schedule), or `null`. Without `startAt`, `every` ticks count from
   * it; and no tick before it is ever due (see `dueTicks`): a new schedule has no history to miss.
   */
  readonly anchorAt: Date | null;
  readonly overlap: ScheduleOverlap;
  readonly catchUp: ScheduleCatchUp;
  /** 1 when `catchUp` is not `'all'`. */
  readonly maxCatchUp: number;
  readonly enabled: boolean;
}

export const MAX_SCHEDULE_NAME_LENGTH = 255;
/** Shortest `every`: 1 000 ms. Each tick is a stored job; a faster schedule is a busy loop. */
export const MIN_EVERY_MS = 1_000;
/** Longest `every`: 366 days in ms. Longer periods are calendar rules: write them as cron. */
export const MAX_EVERY_MS = 366 * 86_400_000;
/** Default `maxCatchUp`: a burst bounded to 100 jobs after downtime. */
export const DEFAULT_MAX_CATCH_UP = 100;
/** Largest `maxCatchUp`: the jobs one scheduler pass may insert for one schedule. */
export const MAX_CATCH_UP_LIMIT = 1000;

const MAX_PATTERN_LENGTH = 255;
const SPEC_KEYS = [
  'type', 'payload', 'metadata', 'tenantId', 'cron', 'timezone', 'every',
  'startAt', 'endAt', 'overlap', 'catchUp', 'maxCatchUp', 'enabled',
] as const;
const SPEC_KEY_SET: ReadonlySet<string> = new Set(SPEC_KEYS);
const OVERLAPS: readonly ScheduleOverlap[] = ['skip', 'allow'];
const CATCH_UPS: readonly ScheduleCatchUp[] = ['none', 'latest', 'all'];

/**
 * Checks a schedule's name and spec and answers the normalised definition, every default applied.
 * Nothing is stored: a store calls it before it writes. Unknown keys are refused, and `null` counts
 * as absent for every optional key.
 *
 * Defaults, and the peers they follow:
 * - `overlap: 'skip'` (`'allow'` with `catchUp: 'all'`): the issue's "at most one instance" of a periodic workflow. BullMQ, pg-boss,
 *   graphile-worker and Agenda (default concurrency 5) all let runs of one schedule overlap unless
 *   told otherwise; a workflow slower than its interval then piles up runs, which is rarely meant.
 * - `catchUp: 'latest'`: after downtime, fire once. BullMQ job schedulers (the one delayed job left
 *   in Redis runs, the next is computed from now) and Agenda (a past `nextRunAt` runs once) do this;
 *   pg-boss and graphile-worker skip missed ticks by default (our `'none'`), graphile-worker's
 *   `?fill=` backfills them (our `'all'`). Once is safe for "a periodic workflow must run" and
 *   never floods a store.
 * - `maxCatchUp: 100` (at most 1000), `enabled: true`, `timezone: 'UTC'` (BullMQ and pg-boss read
 *   cron in UTC unless told otherwise: the server's own zone would make ticks move with a deploy).
 *
 * @param options.anchorAt when the schedule began (a store passes its creation time): see `anchorAt`.
 * @throws {JobValidationError} (`invalid_input`) naming the field, e.g. `cron`, `timezone`, `endAt`.
 */
export function checkScheduleSpec(
  name: unknown,
  spec: unknown,
  options: { anchorAt?: Date; limits?: StoreLimits } = {},
): ScheduleDefinition {
  assertScheduleName(name);
  if (!isPlainObject(spec)) throw new JobValidationError('spec', `must be an object; got ${show(spec)}.`);
  assertKnownKeys(spec, SPEC_KEY_SET, 'a schedule');
  // Each key read once, into a copy: a getter that answers differently on a second read cannot
  // slip a value past the checks.
  const copy = new Map<string, unknown>(SPEC_KEYS.map((key) => [key, spec[key] ?? undefined]));
  const get = (key: (typeof SPEC_KEYS)[number]): unknown => copy.get(key);
  assertJobType(get('type'));
  const payload = get('payload');
  if (payload !== undefined) assertJson(payload, 'payload', options.limits);
  const metadata = get('metadata');
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) throw new JobValidationError('metadata', 'must be a plain object.');
    assertJson(metadata, 'metadata', options.limits);
  }
  assertOptionalText(get('tenantId'), 'tenantId');
  const startAt = optionalDate(get('startAt'), 'startAt');
  const endAt = optionalDate(get('endAt'), 'endAt');
  if (startAt !== null && endAt !== null && endAt.getTime() <= startAt.getTime()) {
    throw new JobValidationError('endAt', `must be after startAt (${startAt.toISOString()}); got ${endAt.toISOString()}.`);
  }
  const catchUp = oneOf(get('catchUp'), CATCH_UPS, 'latest', 'catchUp');
  // 'all' fires several ticks at once, so their jobs may run side by side: it cannot keep the
  // "at most one unfinished" promise of 'skip', and so defaults to 'allow' and refuses 'skip'.
  const overlap = oneOf(get('overlap'), OVERLAPS, catchUp === 'all' ? 'allow' : 'skip', 'overlap');
  if (catchUp === 'all' && overlap === 'skip') {
    throw new JobValidationError('overlap', "cannot be 'skip' with catchUp: 'all', which fires every missed tick at once; use catchUp: 'latest' for at most one unfinished job.");
  }
  const maxCatchUp = get('maxCatchUp');
  if (maxCatchUp !== undefined) {
    if (catchUp !== 'all') throw new JobValidationError('maxCatchUp', `applies only with catchUp: 'all'; catchUp is '${catchUp}'.`);
    assertInteger(maxCatchUp, 'maxCatchUp', 1, MAX_CATCH_UP_LIMIT);
  }
  const enabled = get('enabled') ?? true;
  if (typeof enabled !== 'boolean') throw new JobValidationError('enabled', `must be a boolean; got ${show(enabled)}.`);
  const definition: ScheduleDefinition = {
    name,
    type: get('type') as string,
    payload: payload ?? null,
    metadata: (metadata as Record<string, unknown> | undefined) ?? {},
    tenantId: (get('tenantId') as string | undefined) ?? null,
    ...timing(get('cron'), get('timezone'), get('every'), startAt, endAt),
    startAt,
    endAt,
    anchorAt: optionalDate(options.anchorAt ?? undefined, 'anchorAt'),
    overlap,
    catchUp,
    maxCatchUp: catchUp === 'all' ? ((maxCatchUp as number | undefined) ?? DEFAULT_MAX_CATCH_UP) : 1,
    enabled,
  };
  return Object.freeze(definition);
}

/** A schedule name: a non-blank, storable string of at most 255 characters. */
export function assertScheduleName(name: unknown, field = 'name'): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new JobValidationError(field, `must be a non-empty string such as "reports.nightly"; got ${show(name)}.`);
  }
  if (name.length > MAX_SCHEDULE_NAME_LENGTH) {
    throw new JobValidationError(field, `must be at most ${MAX_SCHEDULE_NAME_LENGTH} characters; got ${name.length}.`);
  }
  assertStorableText(name, field);
}

type Timing = Pick<ScheduleDefinition, 'cron' | 'timezone' | 'everyMs'>;

function timing(cron: unknown, timezone: unknown, every: unknown, startAt: Date | null, endAt: Date | null): Timing {
  if (cron !== undefined && every !== undefined) {
    throw new JobValidationError('every', 'cannot be combined with cron: give exactly one of cron and every.');
  }
  if (every !== undefined) {
    if (timezone !== undefined) {
      throw new JobValidationError('timezone', 'applies only to cron: every is a fixed interval in ms, unaffected by time zones.');
    }
    if (typeof every !== 'number' && typeof every !== 'string') {
      throw new JobValidationError('every', `must be a number of ms or a string such as '30s' or '5m'; got ${show(every)}.`);
    }
    const ms = parseDuration(every, 'every');
    if (!Number.isInteger(ms) || ms < MIN_EVERY_MS || ms > MAX_EVERY_MS) {
      throw new JobValidationError('every', `must be a whole number of ms from ${MIN_EVERY_MS} (1s) to ${MAX_EVERY_MS} (366d); got ${show(every)}.`);
    }
    return { cron: null, timezone: null, everyMs: ms };
  }
  if (cron === undefined) throw new JobValidationError('cron', 'or every is required: give exactly one of cron and every.');
  if (typeof cron !== 'string' || cron.trim() === '' || cron.length > MAX_PATTERN_LENGTH) {
    throw new JobValidationError('cron', `must be a cron pattern such as "0 2 * * *" (at most ${MAX_PATTERN_LENGTH} characters); got ${show(cron)}.`);
  }
  assertStorableText(cron, 'cron');
  // One spelling per pattern: spaces around and between fields do not make another schedule.
  const pattern = cron.trim().replace(/\s+/g, ' ');
  const zone = timezone ?? 'UTC';
  checkCron(pattern, zone, startAt, endAt);
  return { cron: pattern, timezone: canonicalTimeZone(zone), everyMs: null };
}

function optionalDate(value: unknown, field: string): Date | null {
  if (value === undefined) return null;
  assertStorableDate(value, field);
  return new Date(dateTime(value)); // a copy, read from the Date's own slot (any realm)
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, field: string): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new JobValidationError(field, `must be one of ${allowed.map((v) => `'${v}'`).join(', ')}; got ${show(value)}.`);
}
