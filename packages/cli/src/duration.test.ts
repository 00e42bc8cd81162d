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
    expect(() => parseInstant('2026-13-45', '--since', now)).toThrow('--since is not a valid date-time; got "2026-13-45".');
    for (const text of ['yesterday', '1x', '', '-1h']) {
      expect(() => parseInstant(text, '--until', now)).toThrow(CliUsageError);
      expect(() => parseInstant(text, '--until', now)).toThrow(/^--until must be a duration back from now .* or an ISO date-time/);
    }
  });
});
