import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { JobStore } from '../store/job-store.js';
import { createWorker } from '../worker/worker.js';
import { createTracker } from './tracker.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** How many of the objects `make` returns are collected once nothing refers to them any more. */
async function collectedOf(make: () => Promise<object>, count: number): Promise<number> {
  let collected = 0;
  const registry = new FinalizationRegistry(() => collected++);
  for (let i = 0; i < count; i++) registry.register(await make(), i);
  for (let i = 0; i < 10 && collected < count; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return collected;
}

describe('tracker lifetime', () => {
  it('lets a tracker that was used and dropped without close() be collected (its recovery timer holds it weakly)', async () => {
    const collected = await collectedOf(async () => {
      const tracker = createTracker({ store: new MemoryJobStore() });
      await tracker.enqueue('t', null);
      await createWorker({ tracker, handlers: { t: () => 'ok' }, keepAlive: false }).runOnce();
      return tracker;
    }, 4);
    expect(collected).toBeGreaterThanOrEqual(3);
  });

  it("shares one clock per store and lets a store that measured its clock be collected", async () => {
    let measured = 0;
    const collected = await collectedOf(async () => {
      const base = new MemoryJobStore();
      const store = Object.assign(Object.create(base) as JobStore, {
        serverTime: async () => {
          measured++;
          return new Date();
        },
      });
      const first = createTracker({ store });
      const second = createTracker({ store });
      await Promise.all([first.clockReady(), second.clockReady()]);
      return store;
    }, 4);
    expect(collected).toBeGreaterThanOrEqual(3);
    // Three samples per store's first measurement, shared by both of its trackers.
    expect(measured).toBe(4 * 3);
  });
});
