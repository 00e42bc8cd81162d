import { describe, expect, it } from 'vitest';
import { isUuid, uuidv7 } from './uuid-v7.js';

describe('uuidv7', () => {
  it('is a version 7, variant 10 UUID carrying the millisecond timestamp', () => {
    const ms = Date.UTC(2026, 10, 23, 9, 0, 0, 123);
    const id = uuidv7(ms);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(ms);
  });

  it('sorts in creation order, also within one millisecond and across pool refills', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(Date.UTC(2030, 0, 1)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays monotonic when the clock goes backwards', () => {
    const later = uuidv7(Date.UTC(2031, 0, 1));
    const earlier = uuidv7(Date.UTC(2020, 0, 1));
    expect(earlier > later).toBe(true);
  });

  it('recognises only canonical lowercase UUIDs', () => {
    expect(isUuid('0190a0b0-0000-7000-8000-000000000000')).toBe(true);
    for (const bad of ['', 'abc', '0190A0B0-0000-7000-8000-000000000000', "1' or '1'='1", 42, null]) {
      expect(isUuid(bad)).toBe(false);
    }
  });
});
