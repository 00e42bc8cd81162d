import { rateAllowance, type TypeControl } from '@jobtrail/core/store';
import { makeTypeControl } from '@jobtrail/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planType } from './type-plan.js';

const counts = (running: [string | null, number][] = [], starts: [string | null, number][] = []) => ({ running: new Map(running), starts: new Map(starts) });
const control = (fields: Partial<TypeControl>): TypeControl => makeTypeControl({ type: 't', ...fields });

describe('planType', () => {
  it('takes nothing of a paused type, whatever else the record says', () => {
    expect(planType(control({ paused: true, maxRunning: 10 }), 5, counts())).toEqual({ limit: 0 });
  });

  it('caps the claim at maxRunning minus the running jobs of every group', () => {
    expect(planType(control({ maxRunning: 5 }), 10, counts([['a', 2], [null, 1]])).limit).toBe(2);
    expect(planType(control({ maxRunning: 5 }), 1, counts([['a', 2]])).limit).toBe(1);
    expect(planType(control({ maxRunning: 2 }), 10, counts([['a', 3]])).limit).toBeLessThanOrEqual(0);
  });

  it('caps the claim at the rate allowance of the whole type, or of each group with perGroup', () => {
    const perType = planType(control({ rateLimit: { limit: 5, intervalMs: 1000, perGroup: false } }), 10, counts([], [['a', 2], [null, 1]]));
    expect(perType.limit).toBe(2);
    expect(perType.groupLimit).toBeUndefined();
    const perGroup = planType(control({ rateLimit: { limit: 3, intervalMs: 1000, perGroup: true } }), 10, counts([], [['a', 3], ['b', 1]]));
    expect(perGroup.limit).toBe(10);
    expect([perGroup.groupLimit!('a'), perGroup.groupLimit!('b'), perGroup.groupLimit!(null)]).toEqual([0, 2, 3]);
  });

  it('caps each group at maxRunningPerGroup minus its running jobs (jobs without a group form one)', () => {
    const plan = planType(control({ maxRunningPerGroup: 2 }), 10, counts([['a', 2], [null, 1]]));
    expect([plan.groupLimit!('a'), plan.groupLimit!(null), plan.groupLimit!('new')]).toEqual([0, 1, 2]);
    const both = planType(control({ maxRunningPerGroup: 2, rateLimit: { limit: 1, intervalMs: 1000, perGroup: true } }), 10, counts([], [['a', 1]]));
    expect([both.groupLimit!('a'), both.groupLimit!('b')]).toEqual([0, 1]);
  });

  it('counts only how many starts are in the window: the same allowance as rateAllowance over their times', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 999 }), { maxLength: 30 }), (limit, offsets) => {
        const now = 10_000;
        // Starts in the window (now - 1000, now], as the claim's count reads them.
        const starts = offsets.map((offset) => now - offset);
        const plan = planType(control({ rateLimit: { limit, intervalMs: 1000, perGroup: false } }), 1000, counts([], [[null, starts.length]]));
        expect(plan.limit).toBe(rateAllowance({ limit, intervalMs: 1000 }, starts, now).allowed);
      }),
    );
  });
});
