import { describe, expect, it } from 'vitest';
import { byCodePoints } from './schedule-table.js';

describe('byCodePoints', () => {
  it('orders by Unicode code point, as PostgreSQL COLLATE "C" and MongoDB do, not by UTF-16 code unit', () => {
    const names = ['a\u{10000}', 'a\uFFFF', 'a\uE000', 'a', 'aB', 'a-', 'b', '\u{1F600}'];
    expect([...names].sort(byCodePoints)).toEqual(['a', 'a-', 'aB', 'a\uE000', 'a\uFFFF', 'a\u{10000}', 'b', '\u{1F600}']);
    // Code unit order puts the surrogate pair first: the case the comparator exists for.
    expect([...names].sort()).not.toEqual([...names].sort(byCodePoints));
    expect(byCodePoints('same', 'same')).toBe(0);
  });
});
