import { describe, expect, it } from 'vitest';
import { dueIn, duration, percent, relative, scheduleTiming, traceIdOf, typeLabel } from '../src/client/format.js';

describe('page formatting', () => {
  const now = Date.parse('2026-11-23T12:00:00.000Z');
  const at = (offsetMs: number) => new Date(now + offsetMs).toISOString();

  it('says when a retry is due, and "now" once it is overdue', () => {
    expect(dueIn(at(3_000), now)).toBe('in 3 s');
    expect(dueIn(at(90_000), now)).toBe('in 2 min');
    expect(dueIn(at(400), now)).toBe('now');
    expect(dueIn(at(-5_000), now)).toBe('now');
  });

  it('tells past times relative to now', () => {
    expect(relative(at(-12_000), now)).toBe('12 s ago');
    expect(relative(at(-200), now)).toBe('just now');
  });

  it('formats durations and fractions', () => {
    expect(duration(850)).toBe('850 ms');
    expect(duration(2_540)).toBe('2.5 s');
    expect(duration(64_000)).toBe('1 min 4 s');
    expect(percent(0.2)).toBe('20%');
    expect(percent(1)).toBe('100%');
  });

  it('names job types as the buttons do, and leaves unknown types as they are', () => {
    expect(typeLabel('places.deepScan')).toBe('Deep scan');
    expect(typeLabel('custom.thing')).toBe('custom.thing');
  });

  it("says when a schedule's ticks fall", () => {
    expect(scheduleTiming({ every: 30_000, cron: null, timezone: null })).toBe('every 30 s');
    expect(scheduleTiming({ every: 90_000, cron: null, timezone: null })).toBe('every 90 s');
    expect(scheduleTiming({ every: 7_200_000, cron: null, timezone: null })).toBe('every 2 h');
    expect(scheduleTiming({ every: 1_500, cron: null, timezone: null })).toBe('every 1500 ms');
    expect(scheduleTiming({ every: null, cron: '* * * * *', timezone: 'America/New_York' })).toBe('cron * * * * * · America/New_York');
    expect(typeLabel('demo.heartbeat')).toBe('Heartbeat');
  });

  it('reads the trace id from a bare traceparent or a stored JSON carrier', () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(traceIdOf(`00-${id}-00f067aa0ba902b7-01`)).toBe(id);
    expect(traceIdOf(JSON.stringify({ traceparent: `00-${id}-00f067aa0ba902b7-01`, baggage: 'a=b' }))).toBe(id);
    expect(traceIdOf('{"b3":"x"}')).toBeNull();
    expect(traceIdOf('{broken')).toBeNull();
    expect(traceIdOf('garbage')).toBeNull();
  });
});
