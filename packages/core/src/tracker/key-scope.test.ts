import { describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { Job } from '../model/job.js';
import type { InsertResult, TransitionResult } from '../store/job-store.js';
import { makeJob } from '../testing/make-job.js';
import { createTracker } from './tracker.js';
import { checkedInsertAnswer, keyHeldError, sameKeyScope } from './key-scope.js';

/** A store that still enforces keys globally: it answers `foreign` for every key it is asked about. */
class GlobalKeyStore extends MemoryJobStore {
  constructor(private readonly foreign: Job) {
    super();
  }
  override async insert(job: Job): Promise<InsertResult> {
    if (job.key !== null) return { job: this.foreign, created: false };
    return super.insert(job);
  }
  override async transition(...args: Parameters<MemoryJobStore['transition']>): Promise<TransitionResult> {
    const current = await this.get(args[0]);
    if (current?.key != null && args[2].status === 'queued') return { ok: false, reason: 'duplicate_key', holder: this.foreign };
    return super.transition(...args);
  }
}

/** The JobtrailError `action` rejects with, after checking its code. */
async function rejection(action: () => Promise<unknown>, code: string): Promise<Error> {
  const error = await action().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toMatchObject({ code });
  return error as Error;
}

describe('key scope', () => {
  it('is the same for equal tenants and owners, null included, and differs otherwise', () => {
    expect(sameKeyScope({ tenantId: null, ownerId: null }, { tenantId: null, ownerId: null })).toBe(true);
    expect(sameKeyScope({ tenantId: 'a', ownerId: 'u' }, { tenantId: 'a', ownerId: 'u' })).toBe(true);
    expect(sameKeyScope({ tenantId: null, ownerId: null }, { tenantId: 'x', ownerId: null })).toBe(false);
    expect(sameKeyScope({ tenantId: 'a', ownerId: null }, { tenantId: 'a', ownerId: 'x' })).toBe(false);
    expect(sameKeyScope({ tenantId: 'a', ownerId: 'u' }, { tenantId: 'b', ownerId: 'u' })).toBe(false);
  });

  it('passes a deduped answer of the same scope and a created job through', () => {
    const mine = makeJob({ key: 'k', tenantId: 'a' });
    const holder = makeJob({ key: 'k', tenantId: 'a' });
    expect(checkedInsertAnswer(mine, holder, false)).toBe(holder);
    expect(checkedInsertAnswer(mine, mine, true)).toBe(mine);
  });

  it('names the holder of the same scope in a refused action', () => {
    const job = makeJob({ type: 'reports.build', key: 'weekly-07', tenantId: 'a' });
    const holder = makeJob({ type: 'reports.build', key: 'weekly-07', tenantId: 'a' });
    const error = keyHeldError('retry', job, holder);
    expect(error).toMatchObject({ code: 'invalid_input', field: 'key' });
    expect(error.message).toContain(holder.id);
  });

  it('refuses, naming nothing of it, a holder of another scope', () => {
    const job = makeJob({ type: 'reports.build', key: 'weekly-07', tenantId: 'a' });
    const holder = makeJob({ type: 'reports.build', key: 'weekly-07', tenantId: 'tenant-b', payload: { secret: 's' } });
    const error = keyHeldError('retry', job, holder);
    expect(error.code).toBe('store_error');
    expect(error.message).not.toContain(holder.id);
    expect(error.message).not.toContain('tenant-b');
  });
});

describe('tracker over a store that answers another scope for a key', () => {
  const foreign = makeJob({ type: 'reports.build', key: 'weekly-07', tenantId: 'tenant-a', payload: { secret: 'of-a' } });

  it('never returns the foreign job from enqueue: store_error naming nothing of it', async () => {
    const tracker = createTracker({ store: new GlobalKeyStore(foreign), recoverIntervalMs: false });
    try {
      const created: Job[] = [];
      tracker.on('created', (job) => created.push(job));
      const error = await rejection(
        () => tracker.enqueue('reports.build', { mine: true }, { key: 'weekly-07', tenantId: 'tenant-b' }),
        'store_error',
      );
      expect(error.message).not.toContain(foreign.id);
      expect(error.message).not.toContain('of-a');
      expect(created).toEqual([]);
    } finally {
      await tracker.close();
    }
  });

  it('never names the foreign holder when a retry is refused', async () => {
    const store = new GlobalKeyStore(foreign);
    const tracker = createTracker({ store, recoverIntervalMs: false });
    try {
      const mine = makeJob({ type: 'reports.build', key: 'weekly-07', tenantId: 'tenant-b', status: 'cancelled', finishedAt: new Date() });
      await MemoryJobStore.prototype.insert.call(store, mine);
      const error = await rejection(() => tracker.retry(mine.id, { tenantId: 'tenant-b' }), 'store_error');
      expect(error.message).not.toContain(foreign.id);
      expect(error.message).not.toContain('tenant-a');
    } finally {
      await tracker.close();
    }
  });
});
