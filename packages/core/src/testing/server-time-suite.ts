import { expect, it } from 'vitest';
import type { JobStore } from '../store/job-store.js';
import { describeWithStore, type StoreContractOptions } from './store-contract-options.js';

/**
 * How far the store's clock may be from this process's. Generous on purpose: the suite must not
 * fail on a slow machine or a test database whose host clock is a little off; it catches answers
 * in the wrong unit, time zone or epoch.
 */
const TOLERANCE_MS = 5 * 60_000;

function isValidDate(value: unknown): value is Date {
  // By tag, not instanceof: a driver may build its Date in another realm.
  return Object.prototype.toString.call(value) === '[object Date]' && Number.isFinite((value as Date).getTime());
}

/**
 * The store's clock (`serverTime`, optional): core measures each process's offset to it so that
 * leases and due times are judged on one clock. A store that has it answers a valid `Date` close
 * to real time, and never goes backwards between two calls. A store that runs in the process
 * (memory) has none: then the sub-suite only checks that the method is absent (not, say, a
 * property set to something else), and the rest does not apply.
 */
export function serverTimeSuite(options: StoreContractOptions): void {
  describeWithStore('store clock (serverTime)', options, (store) => {
    /** The store's serverTime, or null when it has none (the assertion that it is absent is made). */
    function clockOf(target: JobStore): (() => Promise<Date>) | null {
      if (target.serverTime === undefined) {
        expect(target.serverTime).toBeUndefined();
        return null;
      }
      expect(typeof target.serverTime).toBe('function');
      return () => target.serverTime!();
    }

    it('is either absent or a method', () => {
      expect(['undefined', 'function']).toContain(typeof store().serverTime);
    });

    it('answers a valid Date within 5 minutes of this process\'s clock (when the store has serverTime)', async () => {
      const serverTime = clockOf(store());
      if (serverTime === null) return;
      const before = Date.now();
      const answer: unknown = await serverTime();
      const after = Date.now();
      expect(isValidDate(answer), `serverTime() answered ${String(answer)}, not a valid Date`).toBe(true);
      const at = (answer as Date).getTime();
      expect(at).toBeGreaterThanOrEqual(before - TOLERANCE_MS);
      expect(at).toBeLessThanOrEqual(after + TOLERANCE_MS);
    });

    it('never goes backwards between two calls (when the store has serverTime)', async () => {
      const serverTime = clockOf(store());
      if (serverTime === null) return;
      const first = await serverTime();
      const second = await serverTime();
      expect(isValidDate(first) && isValidDate(second)).toBe(true);
      expect(second.getTime()).toBeGreaterThanOrEqual(first.getTime());
    });

    it('answers concurrent calls, each with a valid Date (when the store has serverTime)', async () => {
      const serverTime = clockOf(store());
      if (serverTime === null) return;
      const answers = await Promise.all(Array.from({ length: 5 }, () => serverTime()));
      for (const answer of answers) expect(isValidDate(answer), String(answer)).toBe(true);
    });
  });
}
