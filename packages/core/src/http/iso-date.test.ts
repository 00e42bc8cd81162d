import { describe, expect, it } from 'vitest';
import { parseIsoInstant } from './iso-date.js';

const iso = (text: string): string | null => parseIsoInstant(text)?.toISOString() ?? null;

describe('parseIsoInstant', () => {
  it('reads dates, times and offsets, and takes a time without offset as UTC', () => {
    expect(iso('2026-01-31')).toBe('2026-01-31T00:00:00.000Z');
    expect(iso('2026-01-31T12:00')).toBe('2026-01-31T12:00:00.000Z');
    expect(iso('2026-01-31 12:34:56')).toBe('2026-01-31T12:34:56.000Z');
    expect(iso('2026-01-31T12:34:56.7Z')).toBe('2026-01-31T12:34:56.700Z');
    expect(iso('2026-01-31T12:34:56.123456789Z')).toBe('2026-01-31T12:34:56.123Z');
    expect(iso('2026-01-31T12:00:00+01:30')).toBe('2026-01-31T10:30:00.000Z');
    expect(iso('2026-01-31T00:30:00-0100')).toBe('2026-01-31T01:30:00.000Z');
    expect(iso('2026-01-31t12:00:00z')).toBe('2026-01-31T12:00:00.000Z');
    expect(iso('2026-01-01T00:00:00+23:59')).toBe('2025-12-31T00:01:00.000Z');
  });

  it('keeps two-digit years as years 0001..0099, not 1900s', () => {
    expect(iso('0001-01-01')).toBe('0001-01-01T00:00:00.000Z');
    expect(iso('0099-12-31T23:59:59Z')).toBe('0099-12-31T23:59:59.000Z');
    expect(iso('0000-01-01')).toBe('0000-01-01T00:00:00.000Z');
  });

  it('knows leap years and month lengths', () => {
    expect(iso('2024-02-29')).not.toBeNull();
    expect(iso('2000-02-29')).not.toBeNull();
    for (const text of ['2026-02-29', '1900-02-29', '2100-02-29', '2026-02-30', '2026-02-31', '2026-04-31', '2026-06-31', '2026-09-31', '2026-11-31']) {
      expect(iso(text), text).toBeNull();
    }
    for (const month of ['01', '03', '05', '07', '08', '10', '12']) expect(iso(`2026-${month}-31`), month).not.toBeNull();
  });

  it('refuses what does not exist or is not ISO 8601', () => {
    for (const text of [
      '',
      '2026-13-01',
      '2026-00-01',
      '2026-01-00',
      '2026-01-01T24:00',
      '2026-01-01T24:00:00Z',
      '2026-01-01T23:60',
      '2026-01-01T23:59:60Z',
      '2026-01-01T12:00:00+24:00',
      '2026-01-01T12:00:00+01:60',
      '2026-01-01T12:00:00.Z',
      '2026-01-01T12:00:00.1234567890Z',
      '2026-01-01T12',
      '2026-1-01',
      '26-01-01',
      '+002026-01-01',
      '2026-01-01Z',
      ' 2026-01-01',
      '2026-01-01 ',
      '2026-01-01T12:00:00ZZ',
      '2026-01-01T12:00:00+1',
      'Sat, 31 Jan 2026 12:00:00 GMT',
      '1738324800000',
    ]) {
      expect(iso(text), text).toBeNull();
    }
  });
});
