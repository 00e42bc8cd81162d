import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../testing/fake-clock.js';
import { checkScheduleSpec, type ScheduleSpec } from './schedule-spec.js';
import { dueTicks, nextTick, ON_TIME_MS, type ScheduleTiming } from './schedule-ticks.js';

const at = (iso: string): Date => new Date(iso);
const iso = (dates: readonly (Date | null)[]): (string | null)[] => dates.map((date) => date?.toISOString() ?? null);
const define = (spec: ScheduleSpec, anchorAt?: Date) => checkScheduleSpec('test', spec, anchorAt ? { anchorAt } : {});

/** `count` ticks from `after` on, each strictly after the one before. */
function ticksFrom(definition: ScheduleTiming, after: Date, count: number): (Date | null)[] {
  const ticks: (Date | null)[] = [];
  let cursor: Date | null = after;
  for (let i = 0; i < count && cursor !== null; i++) {
    cursor = nextTick(definition, cursor);
    ticks.push(cursor);
  }
  return ticks;
}

/**
 * A scheduler as a store will run one, on a fake clock: sleep until `next`, call `dueTicks`,
 * record what fired. Answers every fired tick, so a lost or doubled tick shows.
 */
async function runScheduler(definition: ScheduleTiming, from: Date, until: Date): Promise<string[]> {
  const clock = createFakeClock(from.getTime());
  const fired: string[] = [];
  let last: Date | null = null;
  const wake = (): void => {
    const { fire, next } = dueTicks(definition, last, new Date(clock.now()));
    for (const tick of fire) fired.push(tick.toISOString());
    last = fire.at(-1) ?? last;
    if (next !== null) clock.setTimeout(wake, next.getTime() - clock.now());
  };
  wake();
  await clock.advance(until.getTime() - from.getTime());
  return fired;
}

describe('cron ticks across DST (Vixie cron rule, via croner)', () => {
  const berlin = define({ type: 't', cron: '0 2 * * *', timezone: 'Europe/Berlin' });
  const newYork = define({ type: 't', cron: '0 2 * * *', timezone: 'America/New_York' });

  it('Europe/Berlin spring forward (2026-03-29, 02:00 does not exist): fires at 03:00 CEST, the first instant after the gap', () => {
    expect(iso(ticksFrom(berlin, at('2026-03-27T12:00:00Z'), 4))).toEqual([
      '2026-03-28T01:00:00.000Z', // 02:00 CET (UTC+1)
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: 01:59:59 CET is followed by 03:00:00 CEST
      '2026-03-30T00:00:00.000Z', // 02:00 CEST (UTC+2)
      '2026-03-31T00:00:00.000Z',
    ]);
  });

  it('Europe/Berlin fall back (2026-10-25, 02:00 happens twice): fires once, on the first (CEST) occurrence', () => {
    expect(iso(ticksFrom(berlin, at('2026-10-23T12:00:00Z'), 4))).toEqual([
      '2026-10-24T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:00:00.000Z', // 02:00 CEST; 02:00 CET (01:00Z) is not a tick
      '2026-10-26T01:00:00.000Z', // 02:00 CET (UTC+1)
      '2026-10-27T01:00:00.000Z',
    ]);
  });

  it('America/New_York spring forward (2026-03-08, 02:00 does not exist): fires at 03:00 EDT', () => {
    expect(iso(ticksFrom(newYork, at('2026-03-06T12:00:00Z'), 3))).toEqual([
      '2026-03-07T07:00:00.000Z', // 02:00 EST (UTC-5)
      '2026-03-08T07:00:00.000Z', // 03:00 EDT: 01:59:59 EST is followed by 03:00:00 EDT
      '2026-03-09T06:00:00.000Z', // 02:00 EDT (UTC-4)
    ]);
  });

  it('America/New_York fall back (2026-11-01): 02:00 happens once there, the 25-hour day has one tick', () => {
    // Clocks go from 02:00 EDT back to 01:00 EST: 01:00..01:59 repeats, 02:00 does not.
    expect(iso(ticksFrom(newYork, at('2026-10-30T12:00:00Z'), 3))).toEqual([
      '2026-10-31T06:00:00.000Z', // 02:00 EDT
      '2026-11-01T07:00:00.000Z', // 02:00 EST, 25 hours later
      '2026-11-02T07:00:00.000Z',
    ]);
    // The repeated local hour in New York is 01:xx: a fixed 01:30 fires once, on the EDT occurrence.
    const oneThirty = define({ type: 't', cron: '30 1 * * *', timezone: 'America/New_York' });
    expect(iso(ticksFrom(oneThirty, at('2026-10-31T12:00:00Z'), 2))).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('non-fixed patterns follow elapsed time: a missing hour is skipped, a repeated hour fires twice', () => {
    const hourly = define({ type: 't', cron: '30 * * * *', timezone: 'Europe/Berlin' });
    // Spring: 01:30 CET, then 03:30 CEST (02:30 does not exist): one hour of real time apart.
    expect(iso(ticksFrom(hourly, at('2026-03-29T00:00:00Z'), 2))).toEqual(['2026-03-29T00:30:00.000Z', '2026-03-29T01:30:00.000Z']);
    // Fall: 02:30 CEST, 02:30 CET, 03:30 CET: every real hour once.
    expect(iso(ticksFrom(hourly, at('2026-10-25T00:00:00Z'), 3))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:30:00.000Z',
    ]);
  });

  it('a scheduler on a fake clock fires each day once across both Berlin transitions: none lost, none doubled', async () => {
    const spring = await runScheduler(berlin, at('2026-03-27T12:00:00Z'), at('2026-03-31T12:00:00Z'));
    expect(spring).toEqual(['2026-03-28T01:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:00:00.000Z', '2026-03-31T00:00:00.000Z']);
    const fall = await runScheduler(berlin, at('2026-10-23T12:00:00Z'), at('2026-10-27T12:00:00Z'));
    expect(fall).toEqual(['2026-10-24T00:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-26T01:00:00.000Z', '2026-10-27T01:00:00.000Z']);
    const nySpring = await runScheduler(newYork, at('2026-03-06T12:00:00Z'), at('2026-03-09T12:00:00Z'));
    expect(nySpring).toEqual(['2026-03-07T07:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:00:00.000Z']);
    const nyFall = await runScheduler(newYork, at('2026-10-30T12:00:00Z'), at('2026-11-02T12:00:00Z'));
    expect(nyFall).toEqual(['2026-10-31T06:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-02T07:00:00.000Z']);
  });

  it("catch-up's backward search agrees with nextTick on DST days", () => {
    for (const cron of ['0 2 * * *', '30 * * * *', '*/20 * * * *', '0 1,2,3 * * *']) {
      for (const [timezone, from, to] of [
        ['Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z'],
        ['Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z'],
        ['America/New_York', '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z'],
      ] as const) {
        const definition = define({ type: 't', cron, timezone, catchUp: 'all', maxCatchUp: 1000 });
        const forward: Date[] = [];
        for (let tick = nextTick(definition, at(from)); tick !== null && tick <= at(to); tick = nextTick(definition, tick)) forward.push(tick);
        expect(iso(dueTicks(definition, at(from), at(to)).fire)).toEqual(iso(forward));
        const three = dueTicks({ ...definition, maxCatchUp: 3 }, at(from), at(to)).fire;
        expect(iso(three)).toEqual(iso(forward.slice(-3)));
      }
    }
  });
});

describe('every ticks', () => {
  it("every: '90s' is plain ms arithmetic: exactly 90 000 ms apart across both DST transitions", () => {
    for (const start of ['2026-03-29T00:00:00Z', '2026-10-25T00:00:00Z', '2026-03-08T06:00:00Z', '2026-11-01T05:00:00Z']) {
      const definition = define({ type: 't', every: '90s', startAt: at(start) });
      const ticks = ticksFrom(definition, new Date(at(start).getTime() - 1), 200) as Date[]; // 5 hours, over the transition
      expect(ticks[0]?.toISOString()).toBe(at(start).toISOString());
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.getTime() - ticks[i - 1]!.getTime()).toBe(90_000);
    }
  });

  it('counts from startAt, else the anchor, else the Unix epoch', () => {
    const anchored = define({ type: 't', every: '5m' }, at('2026-01-01T00:01:00Z'));
    expect(iso(ticksFrom(anchored, at('2026-01-01T00:02:00Z'), 2))).toEqual(['2026-01-01T00:06:00.000Z', '2026-01-01T00:11:00.000Z']);
    const started = define({ type: 't', every: '5m', startAt: at('2026-01-01T00:03:00Z') }, at('2026-01-01T00:01:00Z'));
    expect(iso(ticksFrom(started, at('2026-01-01T00:00:00Z'), 2))).toEqual(['2026-01-01T00:03:00.000Z', '2026-01-01T00:08:00.000Z']);
    const epoch = define({ type: 't', every: 7_000 });
    expect(nextTick(epoch, new Date(10_000))?.getTime()).toBe(14_000);
  });
});

describe('startAt and endAt', () => {
  const bounded = define({
    type: 't',
    cron: '0 * * * *',
    startAt: at('2026-01-01T10:30:00Z'),
    endAt: at('2026-01-01T13:00:00Z'),
    catchUp: 'all',
  });

  it('startAt is inclusive, endAt exclusive; nextTick answers null past endAt', () => {
    expect(iso(ticksFrom(bounded, at('2026-01-01T00:00:00Z'), 4))).toEqual(['2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z', null]);
    const every = define({ type: 't', every: '1h', startAt: at('2026-01-01T10:00:00Z'), endAt: at('2026-01-01T12:00:00Z') });
    expect(iso(ticksFrom(every, at('2026-01-01T00:00:00Z'), 3))).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z', null]);
    expect(nextTick(every, at('2026-01-01T09:59:59.999Z'))?.toISOString()).toBe('2026-01-01T10:00:00.000Z');
  });

  it('dueTicks never fires outside the bounds', () => {
    expect(iso(dueTicks(bounded, at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z')).fire)).toEqual([
      '2026-01-01T11:00:00.000Z',
      '2026-01-01T12:00:00.000Z',
    ]);
    expect(dueTicks(bounded, at('2026-01-01T12:00:00Z'), at('2026-01-02T00:00:00Z'))).toEqual({ fire: [], next: null });
    expect(dueTicks(bounded, null, at('2026-01-01T10:45:00Z')).next?.toISOString()).toBe('2026-01-01T11:00:00.000Z');
  });
});

describe('catch-up after a 10-minute gap', () => {
  // The last tick fired at 00:00; the scheduler was down and wakes at 00:10:30.
  const last = at('2026-01-01T00:00:00Z');
  const now = at('2026-01-01T00:10:30Z');
  const minutes = (...list: number[]) => list.map((m) => `2026-01-01T00:${String(m).padStart(2, '0')}:00.000Z`);

  for (const [label, timing] of [
    ['every: 1m', { every: '1m', startAt: last }],
    ["cron '* * * * *'", { cron: '* * * * *' }],
  ] as const) {
    it(`${label}: none fires only the on-time tick, latest the most recent, all each missed tick`, () => {
      const run = (catchUp: 'none' | 'latest' | 'all', extra: Partial<ScheduleSpec> = {}) => {
        const due = dueTicks(define({ type: 't', ...timing, catchUp, ...extra }), last, now);
        return { fire: iso(due.fire), next: due.next?.toISOString() };
      };
      // 00:10 is 30 s old (< ON_TIME_MS): on time, so even 'none' fires it; 00:01..00:09 are skipped.
      expect(run('none')).toEqual({ fire: minutes(10), next: '2026-01-01T00:11:00.000Z' });
      expect(run('latest')).toEqual({ fire: minutes(10), next: '2026-01-01T00:11:00.000Z' });
      expect(run('all')).toEqual({ fire: minutes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), next: '2026-01-01T00:11:00.000Z' });
      expect(run('all', { maxCatchUp: 3 }).fire).toEqual(minutes(8, 9, 10));
    });
  }

  it("cron '*/3 * * * *': a latest tick older than ON_TIME_MS separates none from latest", () => {
    const run = (catchUp: 'none' | 'latest' | 'all') =>
      iso(dueTicks(define({ type: 't', cron: '*/3 * * * *', catchUp }), last, now).fire);
    expect(ON_TIME_MS).toBe(60_000);
    expect(run('none')).toEqual([]); // 00:09 is 90 s old: missed
    expect(run('latest')).toEqual(minutes(9));
    expect(run('all')).toEqual(minutes(3, 6, 9));
    expect(iso(dueTicks(define({ type: 't', cron: '*/3 * * * *', catchUp: 'none' }), last, at('2026-01-01T00:09:59.999Z')).fire)).toEqual(minutes(9));
  });

  it('a schedule that never fired misses nothing from before its anchor; with no anchor, only a tick at now', () => {
    const anchor = at('2026-01-01T00:05:00Z');
    const cron = define({ type: 't', cron: '* * * * *', startAt: at('2025-01-01T00:00:00Z'), catchUp: 'all' }, anchor);
    expect(iso(dueTicks(cron, null, now).fire)).toEqual(minutes(5, 6, 7, 8, 9, 10));
    const every = define({ type: 't', every: '1m', catchUp: 'all' }, anchor); // first tick at the anchor itself
    expect(iso(dueTicks(every, null, now).fire)).toEqual(minutes(5, 6, 7, 8, 9, 10));
    const unanchored = define({ type: 't', cron: '* * * * *', catchUp: 'all' });
    expect(dueTicks(unanchored, null, now)).toEqual({ fire: [], next: at('2026-01-01T00:11:00Z') });
    expect(iso(dueTicks(unanchored, null, at('2026-01-01T00:11:00Z')).fire)).toEqual(['2026-01-01T00:11:00.000Z']);
  });

  it('is cheap however long the gap: a per-second cron after 30 days down', () => {
    const perSecond = define({ type: 't', cron: '* * * * * *', catchUp: 'all', maxCatchUp: 5 });
    const due = dueTicks(perSecond, at('2026-01-01T00:00:00Z'), at('2026-01-31T00:00:00.500Z'));
    expect(iso(due.fire)).toEqual(['56', '57', '58', '59', '00'].map((s, i) => `2026-01-${i < 4 ? '30T23:59' : '31T00:00'}:${s}.000Z`));
  });
});
