import { Cron } from 'croner';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { show } from '../tracker/validate-input.js';

/**
 * The one place core builds a croner `Cron`: every cron schedule is read with the same options,
 * so validation and tick computation can never disagree about a pattern.
 *
 * Patterns have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), as in
 * BullMQ; croner's 7th (year) field is refused, so a valid pattern never expires on its own.
 * Day-of-month and day-of-week combine with OR when both are restricted, as in Vixie cron (croner's
 * default; a `+` before the weekday field asks for AND). Nicknames (`@daily`, `@hourly`, ...) work;
 * `@reboot` is refused by croner.
 *
 * **Daylight saving time** (the rule of Vixie cron, which croner 11 follows; see croner's 11.0.0
 * release notes and its `fixedTimeRule` option). Ticks are wall-clock times in the schedule's
 * time zone, turned into instants:
 * - A *fixed-time* pattern (its second, minute and hour fields have no `*` and no step, e.g.
 *   `0 2 * * *` or `30 2,14 * * *`: Vixie cron's "not wild", croner's `fixedTimeRule:
 *   'no-wildcard'`) whose time falls in a spring-forward gap fires once, at the first valid
 *   instant after the gap (03:00 local when 02:00..02:59 does not exist); a time that happens twice
 *   at fall-back fires once, on its first occurrence (the daylight-time one). No tick is lost and
 *   none is doubled.
 * - Any other pattern (`*\/15 * * * *`, `30 * * * *`) follows elapsed time: a local time that does
 *   not exist is skipped (there is no such instant), and a local time that happens twice fires on
 *   both occurrences (they are two real instants an hour apart).
 */
export function cronRule(pattern: string, timezone: string): Cron {
  return new Cron(pattern, {
    timezone,
    mode: '5-or-6-parts',
    fixedTimeRule: 'no-wildcard',
    // Explicit, though it is croner's default: Vixie cron's OR of day-of-month and day-of-week.
    domAndDow: false,
  });
}

/** Built rules by pattern and time zone: parsing is cheap but a scheduler asks often. */
const cache = new Map<string, Cron>();
const CACHE_LIMIT = 500;

/** {@link cronRule}, kept in a small cache (oldest dropped first beyond 500 entries). */
export function cachedCronRule(pattern: string, timezone: string): Cron {
  const key = `${timezone}\u0000${pattern}`;
  let rule = cache.get(key);
  if (rule === undefined) {
    rule = cronRule(pattern, timezone);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, rule);
  }
  return rule;
}

/** Where a pattern with no start is probed for a first tick (croner then searches to year 3000). */
const PROBE_FROM = Date.UTC(2000, 0, 1);

/**
 * Checks a cron pattern (a string) and an IANA time zone (a string): the zone must be known to
 * `Intl` (offsets such as `'+01:00'` are refused), the pattern must parse (see {@link cronRule}),
 * match some date at or after `startAt` and, when there is an `endAt`, before it.
 *
 * @throws {JobValidationError} (`invalid_input`) naming `timezone`, `cron` or `endAt`.
 */
export function checkCron(pattern: string, timezone: unknown, startAt: Date | null, endAt: Date | null): asserts timezone is string {
  if (typeof timezone !== 'string' || timezone === '' || timezone.length > 100 || !knownTimeZone(timezone)) {
    throw new JobValidationError('timezone', `must be an IANA time zone such as "Europe/Berlin" or "UTC"; got ${show(timezone)}.`);
  }
  let rule: Cron;
  try {
    rule = cronRule(pattern, timezone);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    const shape = '5 fields (minute hour day month weekday), or 6 with seconds first';
    throw new JobValidationError('cron', `is not a valid cron pattern of ${shape} (${reason}); got ${show(pattern)}.`, { cause: error });
  }
  const first = rule.nextRun(new Date((startAt?.getTime() ?? PROBE_FROM) - 1));
  if (first === null) {
    // croner looks for matches up to the year 3000: a later startAt finds none either.
    throw new JobValidationError('cron', `never matches a date${startAt ? ' after startAt' : ''} before the year 3000; got ${show(pattern)}.`);
  }
  if (endAt !== null && first.getTime() >= endAt.getTime()) {
    throw new JobValidationError('endAt', `leaves no tick: the first tick of "${pattern}" is ${first.toISOString()}.`);
  }
}

/**
 * The zone's name as the runtime's time zone database spells it (`'europe/berlin'` →
 * `'Europe/Berlin'`, `'utc'` → `'UTC'`): one stored spelling per zone, so a schedule declared
 * with either is the same schedule.
 */
export function canonicalTimeZone(timezone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone ?? timezone;
  } catch {
    return timezone;
  }
}

function knownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
