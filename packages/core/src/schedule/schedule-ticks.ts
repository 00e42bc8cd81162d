import { JobValidationError } from '../errors/jobtrail-error.js';
import { DATE_MAX } from '../tracker/validate-input.js';
import { dateTime } from '../util/dates.js';
import { cachedCronRule } from './cron-rule.js';
import type { ScheduleDefinition } from './schedule-spec.js';

/**
 * The tick times of a schedule, pure: no clock, no store. A *tick* is an instant the schedule
 * stands for; a store turns each fired tick into one job keyed by (schedule, tick).
 *
 * - `every` ticks are plain millisecond arithmetic: `base + k·everyMs` for every integer k, `base`
 *   being `startAt`, else `anchorAt`, else the Unix epoch. Time zones and DST do not move them.
 * - `cron` ticks are croner's matches in the schedule's time zone, DST handled as Vixie cron does
 *   (see `cronRule`: a time in a spring-forward gap fires at the first instant after it; a time
 *   that happens twice at fall-back fires once).
 * - Bounds: no tick before `startAt` (inclusive bound) and none at or after `endAt` (exclusive),
 *   nor after 9999-12-31T23:59:59.999Z (the last instant every store holds).
 */

/** The fields the tick math reads: a definition, or a store's row mapped back to one. */
export type ScheduleTiming = Pick<
  ScheduleDefinition,
  'cron' | 'timezone' | 'everyMs' | 'startAt' | 'endAt' | 'anchorAt' | 'catchUp' | 'maxCatchUp'
>;

/** What {@link dueTicks} answers: the ticks to fire now (oldest first) and the next tick after now. */
export interface DueTicks {
  fire: Date[];
  next: Date | null;
}

/**
 * How late a tick may be and still fire under `catchUp: 'none'`: 60 000 ms. pg-boss's rule (its
 * timekeeper sends a cron job while the pattern's previous time is less than 60 s old), which lets
 * a scheduler that wakes a little after the due time (a poll, a busy event loop, a slow store)
 * still fire the tick it woke for, while a tick missed during downtime stays missed.
 */
export const ON_TIME_MS = 60_000;

/**
 * The first tick strictly after `after`, or `null` when there is none before `endAt`. Honours
 * `startAt`: when `after` is earlier, the answer is the first tick at or after `startAt`.
 */
export function nextTick(definition: ScheduleTiming, after: Date): Date | null {
  const tick = firstTickAfter(definition, instant(after, 'after'));
  return tick === null ? null : new Date(tick);
}

/**
 * The ticks a scheduler must fire at `now`, given the last tick it fired (`null`: none yet).
 *
 * The window of ticks not yet judged is `(lastTick, now]`; with no `lastTick` it is
 * `[anchorAt, now]`, or just `[now, now]` without an anchor: ticks from before the schedule existed
 * are never missed. Within the window, by `catchUp`:
 * - `'latest'` fires the most recent tick of the window (once, however long the downtime was);
 * - `'all'` fires the window's most recent `maxCatchUp` ticks, oldest first, and drops older ones
 *   (graphile-worker's backfill also keeps the recent end of a gap);
 * - `'none'` fires the most recent tick only while it is less than {@link ON_TIME_MS} (60 000 ms)
 *   old at `now`; every older tick is skipped.
 *
 * `next` is the first tick after both `now` and `lastTick` (`null` past `endAt`): when to wake.
 * The caller records the last tick of `fire` as its new `lastTick` (or keeps its `lastTick` when
 * `fire` is empty: a skipped tick can only be older than the next window's latest one, so it never
 * fires later). `enabled` and `overlap` are not read here: pausing and "previous job unfinished"
 * are the scheduler's decisions.
 */
export function dueTicks(definition: ScheduleTiming, lastTick: Date | null, now: Date): DueTicks {
  const nowMs = instant(now, 'now');
  const last = lastTick === null ? null : instant(lastTick, 'lastTick');
  const after = last ?? (definition.anchorAt?.getTime() ?? nowMs) - 1;
  const limit = definition.catchUp === 'all' ? definition.maxCatchUp : 1;
  let fire = lastTicks(definition, after, nowMs, limit);
  if (definition.catchUp === 'none') fire = fire.filter((tick) => nowMs - tick < ON_TIME_MS);
  const next = firstTickAfter(definition, Math.max(nowMs, last ?? nowMs));
  return { fire: fire.map((tick) => new Date(tick)), next: next === null ? null : new Date(next) };
}

function firstTickAfter(definition: ScheduleTiming, after: number): number | null {
  const from = Math.max(after + 1, definition.startAt?.getTime() ?? -Infinity); // first ms allowed
  let tick: number | null;
  if (definition.everyMs !== null) {
    const base = everyBase(definition);
    tick = base + Math.ceil((from - base) / definition.everyMs) * definition.everyMs;
  } else {
    tick = cron(definition).nextRun(new Date(from - 1))?.getTime() ?? null;
  }
  return tick === null || tick >= endLimit(definition) ? null : tick;
}

/** The last `limit` ticks in `(after, until]`, oldest first. */
function lastTicks(definition: ScheduleTiming, after: number, until: number, limit: number): number[] {
  const start = Math.max(after, (definition.startAt?.getTime() ?? -Infinity) - 1);
  const end = Math.min(until, endLimit(definition) - 1);
  if (end <= start) return [];
  const ticks: number[] = [];
  if (definition.everyMs !== null) {
    const base = everyBase(definition);
    const latest = base + Math.floor((end - base) / definition.everyMs) * definition.everyMs;
    for (let tick = latest; tick > start && ticks.length < limit; tick -= definition.everyMs) ticks.unshift(tick);
    return ticks;
  }
  // Stepping back with croner (at most limit + 1 steps, one a margin) finds where the last ticks
  // begin however long the gap (a per-second pattern over a month of downtime); the forward walk
  // from there meets exactly the ticks nextTick() answers, so both directions agree on DST days.
  const rule = cron(definition);
  let cursor = start;
  for (let before = end + 1, steps = 0; steps <= limit; steps++) {
    const previous = rule.previousRuns(1, new Date(before))[0]?.getTime();
    if (previous === undefined || previous <= start) break;
    cursor = previous - 1;
    before = previous;
  }
  for (let next = rule.nextRun(new Date(cursor)); next !== null && next.getTime() <= end; next = rule.nextRun(next)) {
    ticks.push(next.getTime());
    if (ticks.length > limit) ticks.shift();
  }
  return ticks;
}

function everyBase(definition: ScheduleTiming): number {
  return definition.startAt?.getTime() ?? definition.anchorAt?.getTime() ?? 0;
}

function endLimit(definition: ScheduleTiming): number {
  return definition.endAt?.getTime() ?? DATE_MAX + 1;
}

function cron(definition: ScheduleTiming) {
  if (definition.cron === null) throw new JobValidationError('cron', 'or everyMs is required.');
  return cachedCronRule(definition.cron, definition.timezone ?? 'UTC');
}

function instant(value: Date, field: string): number {
  const time = dateTime(value);
  if (!Number.isFinite(time)) throw new JobValidationError(field, 'must be a valid Date.');
  return time;
}
