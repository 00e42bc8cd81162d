import { describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { guardStore } from '../store/guarded-store.js';
import type { JobStore } from '../store/job-store.js';
import { createTracker } from '../tracker/tracker.js';

/** A memory store with the flow-control methods taken away (a third-party store without them). */
function storeWithoutFlowControl(): JobStore {
  const store = new MemoryJobStore();
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'getTypeControl' || key === 'listTypeControls' || key === 'putTypeControl' || key === 'countStarts') return undefined;
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('type commands and declared limits', () => {
  it('refuses type options that are not objects, naming the type', () => {
    expect(() => createTracker({ store: new MemoryJobStore(), types: { mail: null as never } })).toThrow(
      expect.objectContaining({ code: 'invalid_input', field: 'types.mail' }),
    );
    expect(() => createTracker({ store: new MemoryJobStore(), types: { mail: { rateLimit: { limit: 5 } as never } } })).toThrow(
      expect.objectContaining({ code: 'invalid_input', field: 'types.mail.rateLimit.intervalMs' }),
    );
  });

  it('a store without flow control: commands fail with StoreError, declared limits are refused at creation', async () => {
    const store = storeWithoutFlowControl();
    const tracker = createTracker({ store });
    await expect(tracker.setTypeLimits('mail', { maxRunning: 1 })).rejects.toMatchObject({ code: 'store_error' });
    await expect(tracker.pauseType('mail')).rejects.toMatchObject({ code: 'store_error' });
    await expect(tracker.listTypes()).rejects.toMatchObject({ code: 'store_error' });
    // Jobs still work, and nothing waits on limits that do not exist.
    const job = await tracker.enqueue('mail', {});
    expect((await tracker.get(job.id))?.waitingFor).toBeUndefined();
    await tracker.limitsReady();
    expect(() => createTracker({ store, types: { mail: { maxRunning: 2 } } })).toThrow(
      expect.objectContaining({ code: 'invalid_input', field: 'types.mail' }),
    );
  });

  it('refuses a store with only some of the flow-control methods', () => {
    const partial = Object.assign(Object.create(new MemoryJobStore()) as JobStore, { countStarts: undefined, listTypeControls: undefined });
    expect(() => guardStore(partial)).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'store' }));
  });

  it('limitsReady reports a failed write and tries again on the next call', async () => {
    const store = new MemoryJobStore();
    let failures = 1;
    const flaky = Object.create(store) as MemoryJobStore;
    flaky.putTypeControl = (control, expected) => {
      if (failures-- > 0) return Promise.reject(new Error('connection reset'));
      return store.putTypeControl(control, expected);
    };
    const errors: unknown[] = [];
    const tracker = createTracker({ store: flaky, types: { mail: { maxRunning: 2 } } });
    tracker.on('error', (error) => errors.push(error));
    await expect(tracker.limitsReady()).rejects.toMatchObject({ code: 'store_error' });
    expect(errors).toEqual([expect.objectContaining({ code: 'store_error' })]);
    await tracker.limitsReady();
    expect(await store.getTypeControl('mail')).toMatchObject({ maxRunning: 2, paused: false });
  });

  it('refuses a type no job can have', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    for (const type of ['', '   ', 'x'.repeat(256), 'a\u0000b', 42]) {
      await expect(tracker.setTypeLimits(type as string, { maxRunning: 1 })).rejects.toMatchObject({ code: 'invalid_input', field: 'type' });
      await expect(tracker.pauseType(type as string)).rejects.toMatchObject({ code: 'invalid_input', field: 'type' });
    }
  });

  it('listTypes names types with jobs and types with only limits, in order', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    await tracker.enqueue('b.jobs', {});
    await tracker.setTypeLimits('a.limited', { maxRunning: 1 });
    await tracker.pauseType('c.paused');
    const types = await tracker.listTypes();
    expect(types.map((info) => [info.type, info.paused, info.limits.maxRunning, info.counts.total])).toEqual([
      ['a.limited', false, 1, 0],
      ['b.jobs', false, null, 1],
      ['c.paused', true, null, 0],
    ]);
    // Setting what is stored already writes nothing.
    const before = await tracker.getType('a.limited');
    await tracker.setTypeLimits('a.limited', { maxRunning: 1 });
    expect((await tracker.getType('a.limited')).updatedAt).toEqual(before.updatedAt);
  });

  it('refuses declared limits for a type no job can have, at creation (a worker would wait on them forever)', () => {
    for (const type of ['', ' ', 'a\u0000b', 'x'.repeat(256)]) {
      expect(() => createTracker({ store: new MemoryJobStore(), types: { [type]: { maxRunning: 2 } } })).toThrow(
        expect.objectContaining({ code: 'invalid_input', field: 'types' }),
      );
    }
  });

  it('a declared limit set to undefined counts as not given: the stored limits stay', async () => {
    const store = new MemoryJobStore();
    await createTracker({ store }).setTypeLimits('mail', { maxRunning: 2, rateLimit: { limit: 5, intervalMs: 1000 } });
    const fromEnv: string | undefined = undefined;
    const deployed = createTracker({ store, types: { mail: { maxAttempts: 5, maxRunning: fromEnv === undefined ? undefined : Number(fromEnv) } } });
    await deployed.limitsReady();
    expect((await deployed.getType('mail')).limits).toEqual({ maxRunning: 2, maxRunningPerGroup: null, rateLimit: { limit: 5, intervalMs: 1000, perGroup: false } });
  });

  it('never takes a limit from Object.prototype', async () => {
    const tracker = createTracker({ store: new MemoryJobStore() });
    const proto = Object.prototype as Record<string, unknown>;
    proto['maxRunning'] = 1;
    proto['rateLimit'] = { limit: 1, intervalMs: 86_400_000 };
    try {
      expect((await tracker.setTypeLimits('mail', {})).limits).toEqual({ maxRunning: null, maxRunningPerGroup: null, rateLimit: null });
      expect((await tracker.setTypeLimits('mail', { rateLimit: { limit: 3, intervalMs: 1000 } })).limits.rateLimit).toEqual({ limit: 3, intervalMs: 1000, perGroup: false });
    } finally {
      delete proto['maxRunning'];
      delete proto['rateLimit'];
    }
  });

  it('many writers of one type at once all land (each round lost waits a little)', async () => {
    const store = new MemoryJobStore();
    const trackers = Array.from({ length: 40 }, () => createTracker({ store }));
    await Promise.all(trackers.map((tracker, i) => tracker.setTypeLimits('mail', { maxRunning: i + 1 })));
    // Every write landed once: the version counts them (a new record's, then one per update).
    const control = await store.getTypeControl('mail');
    const first = control!.version - 39;
    expect(first).toBeGreaterThan(Date.now() - 60_000);
    expect(first).toBeLessThanOrEqual(Date.now());
  });
});
