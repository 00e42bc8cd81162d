import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUuid } from '../util/uuid-v7.js';
import { scheduleJobId } from './schedule-job-id.js';

const tick = new Date(Date.UTC(2026, 10, 29, 23, 0, 0));

describe('scheduleJobId', () => {
  it('is the same for the same schedule and tick, in every process', () => {
    expect(scheduleJobId('reports.nightly', tick)).toBe(scheduleJobId('reports.nightly', new Date(tick.getTime())));
    expect(scheduleJobId('reports.nightly', vm.runInNewContext(`new Date(${tick.getTime()})`) as Date)).toBe(
      scheduleJobId('reports.nightly', tick),
    );
  });

  it('is a UUIDv7 in layout whose timestamp is the tick, so ids sort by tick', () => {
    const id = scheduleJobId('reports.nightly', tick);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(tick.getTime());
    const later = scheduleJobId('reports.nightly', new Date(tick.getTime() + 1000));
    expect(later > id).toBe(true);
  });

  it('differs between schedules and between ticks (no collisions over many of each)', () => {
    const ids = new Set<string>();
    for (let s = 0; s < 200; s++) {
      for (let t = 0; t < 50; t++) ids.add(scheduleJobId(`schedule-${s}`, new Date(tick.getTime() + t * 60_000)));
    }
    expect(ids.size).toBe(200 * 50);
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        fc.pre(a !== b);
        expect(scheduleJobId(a, tick)).not.toBe(scheduleJobId(b, tick));
      }),
    );
  });

  it('refuses what has no UUIDv7 timestamp, naming the field', () => {
    for (const bad of [new Date(Number.NaN), new Date(-1), new Date(2 ** 48), { getTime: () => 0 }, '2026-01-01']) {
      expect(() => scheduleJobId('s', bad as Date)).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'tick' }));
    }
    expect(() => scheduleJobId('', tick)).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'name' }));
  });
});
