import { describe, expect, it } from 'vitest';
import { formatDate, formatMs, formatValue, orList } from './output.js';

describe('formatting for people', () => {
  it('formatMs names intervals in the largest units', () => {
    expect(formatMs(300_000)).toBe('5m');
    expect(formatMs(60_000)).toBe('1m');
    expect(formatMs(93_784_005)).toBe('1d 2h 3m 4s 5ms');
    expect(formatMs(0)).toBe('0ms');
  });

  it('formatDate drops the milliseconds; formatValue puts any value in one short line', () => {
    expect(formatDate(new Date(Date.UTC(2026, 10, 30, 6, 0, 0, 123)))).toBe('2026-11-30T06:00:00Z');
    expect(formatDate(null)).toBe('');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue('line one\n   line two')).toBe('line one line two');
    expect(formatValue('x'.repeat(10), 5)).toBe('xxxx…');
    expect(formatValue(null)).toBe('');
  });

  it('orList joins with a final "or"', () => {
    expect(orList(['failed'])).toBe('failed');
    expect(orList(['failed', 'cancelled'])).toBe('failed or cancelled');
    expect(orList(['queued', 'retrying', 'running'])).toBe('queued, retrying or running');
  });
});
