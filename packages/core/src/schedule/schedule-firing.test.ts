import { describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTracker } from '../tracker/tracker.js';

/** A memory store whose next inserts run `before` first (a failure, a command racing the firing). */
function setup() {
  const clock = createFakeClock(Date.UTC(2025, 0, 1));
  const store = new MemoryJobStore();
  const insert = store.insert.bind(store);
  const hooks: Array<() => Promise<void>> = [];
  store.insert = async (job, options) => {
    const hook = hooks.shift();
    if (hook) await hook();
    return insert(job, options);
  };
  const tracker = createTracker({ store, clock, recoverIntervalMs: false });
  tracker.on('error', () => {});
  return { clock, store, tracker, hooks };
}

describe('firing after a hiccup', () => {
  it("finishes its own claim on its next pass when an insert failed, without waiting out the grace for others' firings", async () => {
    const { clock, store, tracker, hooks } = setup();
    await tracker.schedule('s', { type: 't', every: '1s', overlap: 'allow' });
    const fired: number[] = [];
    for (let second = 0; second < 8; second++) {
      if (second === 3) hooks.push(() => Promise.reject(new Error('transient outage')));
      const pass = await tracker.fireDueSchedules();
      fired.push(pass.fired);
      await clock.advance(1000);
    }
    // The failed tick (3 s) is inserted by the next pass, beside the new one; nothing is lost.
    expect(fired).toEqual([1, 1, 1, 0, 2, 1, 1, 1]);
    expect(store.size).toBe(8);
  });

  it('clears its claim when a command changed the schedule during the firing, and goes on firing', async () => {
    const { clock, store, tracker, hooks } = setup();
    await tracker.schedule('s', { type: 't', every: '1s', overlap: 'allow', payload: { v: 1 } });
    const fired: number[] = [];
    for (let second = 0; second < 8; second++) {
      if (second === 3) {
        hooks.push(async () => {
          await tracker.schedule('s', { type: 't', every: '1s', overlap: 'allow', payload: { v: 2 } });
        });
      }
      fired.push((await tracker.fireDueSchedules()).fired);
      await clock.advance(1000);
    }
    expect(fired).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(store.size).toBe(8);
    expect((await store.getSchedule('s'))?.pendingTicks).toEqual([]);
  });
});
