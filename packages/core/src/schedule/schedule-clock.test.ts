import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { JobStore } from '../store/job-store.js';
import { createTracker } from '../tracker/tracker.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A memory store that has a clock of its own (as PostgreSQL and MongoDB do). */
function storeWithClock(serverTime: () => Promise<Date>): JobStore {
  return Object.assign(Object.create(new MemoryJobStore()) as JobStore, { serverTime });
}

describe('schedules and the store clock', () => {
  it('fires nothing while the store clock could not be measured (a tick fired early would stay fired)', async () => {
    const tracker = createTracker({
      store: storeWithClock(async () => {
        throw new Error('connection refused');
      }),
      recoverIntervalMs: false,
    });
    tracker.on('error', () => {});
    await tracker.clockReady();
    await expect(tracker.schedule('tick', { type: 'tick', every: '1m' })).resolves.toMatchObject({ name: 'tick' });
    await expect(tracker.fireDueSchedules()).rejects.toMatchObject({ code: 'store_error' });
    expect((await tracker.list({ type: 'tick' })).jobs).toHaveLength(0);
  });

  it('judges due times on a clock that a step of the system clock does not move', async () => {
    const realNow = Date.now.bind(Date);
    const tracker = createTracker({ store: storeWithClock(async () => new Date(realNow())), recoverIntervalMs: false });
    await tracker.clockReady();
    const before = tracker.attempts.clock.now();
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 600_000); // the system clock set 10 minutes ahead
    const after = tracker.attempts.clock.now();
    expect(Math.abs(after - before)).toBeLessThan(5_000);
    await tracker.schedule('steady', { type: 'steady', every: '1h' });
    const schedule = await tracker.getSchedule('steady');
    expect(Math.abs(schedule!.nextRunAt!.getTime() - realNow())).toBeLessThan(5_000);
  });
});
