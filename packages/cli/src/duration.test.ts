import { describe, expect, it } from 'vitest';
import { CliUsageError } from './cli-errors.js';
import { parseDuration, parseInstant } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    [' 1h ', 3_600_000],
    ['0s', 0],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text, '--since')).toBe(ms);
  });

  it.each(['1x', '', 'h', '10', '-1h', '1M', '1H', '1 h', '1h30m', '1e3s', 'NaNs', '99999999999999999999d'])('refuses %j, naming the flag', (text) => {
    expect(() => parseDuration(text, '--completed')).toThrow(CliUsageError);
    expect(() => parseDuration(text, '--completed')).toThrow(`--completed must be a number and a unit: ms, s, m, h, d or w (e.g. '30m', '1h', '7d'); got ${JSON.stringify(text)}.`);
  });
});

describe('parseInstant', () => {
  const now = Date.UTC(2026, 10, 30, 6, 0, 0);

  it('reads a duration as that long before now', () => {
    expect(parseInstant('1h', '--since', now)).toEqual(new Date(Date.UTC(2026, 10, 30, 5, 0, 0)));
    expect(parseInstant('7d', '--until', now)).toEqual(new Date(Date.UTC(2026, 10, 23, 6, 0, 0)));
  });

  it('reads an ISO date-time, and a date as midnight UTC', () => {
    expect(parseInstant('2026-11-29T12:30:00Z', '--since', now)).toEqual(new Date(Date.UTC(2026, 10, 29, 12, 30)));
    expect(parseInstant('2026-11-29T12:30:00+02:00', '--since', now)).toEqual(new Date(Date.UTC(2026, 10, 29, 10, 30)));
    expect(parseInstant('2026-11-29', '--since', now)).toEqual(new Date(Date.UTC(2026, 10, 29)));
  });

  it('refuses anything else, naming the flag', () => {
    expect(() => parseInstant('2026-13-45', '--since', now)).toThrow(/^--since is not a valid date-time: .* of a day and time that exist, .*; got "2026-13-45"\.$/);
    for (const text of ['yesterday', '1x', '', '-1h']) {
      expect(() => parseInstant(text, '--until', now)).toThrow(CliUsageError);
      expect(() => parseInstant(text, '--until', now)).toThrow(/^--until must be a duration back from now .* or an ISO date-time/);
    }
  });

  it('reads a time without an offset as local time, and other offsets', () => {
    expect(parseInstant('2026-11-29T12:30', '--since', now)).toEqual(new Date(2026, 10, 29, 12, 30));
    expect(parseInstant('2026-11-29 12:30:15.5', '--since', now)).toEqual(new Date(2026, 10, 29, 12, 30, 15, 500));
    expect(parseInstant('2026-11-29T12:30:00-0530', '--since', now)).toEqual(new Date(Date.UTC(2026, 10, 29, 18, 0)));
    expect(parseInstant('2026-11-29T12:30:00.123456789z', '--since', now)).toEqual(new Date(Date.UTC(2026, 10, 29, 12, 30, 0, 123)));
  });

  it('reads leap days and years before 100 as they are', () => {
    expect(parseInstant('2028-02-29', '--since', now)).toEqual(new Date(Date.UTC(2028, 1, 29)));
    expect(parseInstant('2000-02-29', '--since', now)).toEqual(new Date(Date.UTC(2000, 1, 29)));
    expect(parseInstant('0050-01-01T00:00:00Z', '--since', now).toISOString()).toBe('0050-01-01T00:00:00.000Z');
  });

  // new Date() rolls these over (2026-02-30 is 2026-03-02): a filter must act on what was typed or nothing.
  it.each([
    '2026-02-30',
    '2026-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-06-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-01-32',
    '2026-11-30T24:00:00Z',
    '2026-11-30T23:60:00Z',
    '2026-11-30T23:59:60Z',
    '2026-11-30T12:00:00+25:00',
    '2026-11-30T12:00:00+01:60',
    '2026-11-30T24:00',
    '2026-11-30Tnoon',
    '2026-11-30T12:00:00Zjunk',
  ])('refuses %j, a day or time that does not exist, naming the flag', (text) => {
    expect(() => parseInstant(text, '--until', now)).toThrow(CliUsageError);
    expect(() => parseInstant(text, '--until', now)).toThrow(/^--until is not a valid date-time: /);
  });
});
