import { describe, expect, it, vi } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { makeJob } from '../testing/make-job.js';
import { createTracker } from '../tracker/tracker.js';
import { guardStore } from './guarded-store.js';
import { isCoreBatch, newJobBatch, type NewJobBatch } from './new-job-batch.js';

function columns(count: number, createdAt = Date.UTC(2030, 0, 1)) {
  const jobs = Array.from({ length: count }, () => makeJob({ type: 'batch.test' }));
  return {
    createdAt,
    ids: jobs.map((job) => job.id),
    types: jobs.map((job) => job.type),
    payloads: jobs.map((_, n) => (n === 0 ? null : { n })),
    metadata: null,
    runAt: jobs.map(() => createdAt),
    maxAttempts: jobs.map(() => 3),
    priorities: jobs.map(() => 0),
    parentIds: null,
    tenantIds: jobs.map((_, n) => (n === 1 ? 'tenant' : null)),
    ownerIds: null,
    groups: null,
  };
}

/** A batch-shaped object this copy of core did not make (another copy's, a caller's). */
function foreignBatch(count: number, job: NewJobBatch['job']): NewJobBatch {
  const made = newJobBatch(columns(count));
  return { ...made, length: count, job };
}

describe('NewJobBatch', () => {
  it('stands for the jobs core would draft: fresh records, defaults, one creation time', () => {
    const batch = newJobBatch(columns(2));
    expect(isCoreBatch(batch)).toBe(true);
    const first = batch.job(0);
    expect(first).toMatchObject({ status: 'queued', attempt: 0, key: null, payload: null, metadata: {}, tenantId: null, history: [], trace: null });
    expect(batch.job(1)).toMatchObject({ payload: { n: 1 }, tenantId: 'tenant' });
    expect(first.createdAt.getTime()).toBe(Date.UTC(2030, 0, 1));
    expect(batch.job(0)).not.toBe(first);
    expect(batch.job(0).metadata).not.toBe(first.metadata);
  });

  it("the guard passes core's own batch to insertNewJobs unchecked", async () => {
    const store = new MemoryJobStore();
    const spy = vi.spyOn(store, 'insertNewJobs');
    const batch = newJobBatch(columns(3));
    const answer = await guardStore(store).insertNewJobs!(batch);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![0]).toBe(batch);
    expect(answer.results.map((result) => result.job.id)).toEqual(batch.ids);
    expect(await store.get(batch.ids[2]!)).toEqual(batch.job(2));
    expect(await guardStore(store).insertNewJobs!(newJobBatch(columns(0)))).toEqual({ results: [] });
  });

  it('the guard checks any other batch as the jobs it stands for, and inserts those through insertMany', async () => {
    const store = new MemoryJobStore();
    const own = vi.spyOn(store, 'insertNewJobs');
    const many = vi.spyOn(store, 'insertMany');
    const good = newJobBatch(columns(2));
    const answer = await guardStore(store).insertNewJobs!(foreignBatch(2, (index) => good.job(index)));
    expect(own).not.toHaveBeenCalled();
    expect(many).toHaveBeenCalledTimes(1);
    expect(answer.results.map((result) => result.created)).toEqual([true, true]);
    await expect(guardStore(store).insertNewJobs!(foreignBatch(2, (index) => ({ ...good.job(index), attempt: -1 })))).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'jobs[0].attempt',
    });
    await expect(guardStore(store).insertNewJobs!({ length: 'two' } as never)).rejects.toMatchObject({ code: 'invalid_input', field: 'batch' });
    await expect(guardStore(store).insertNewJobs!(null as never)).rejects.toMatchObject({ code: 'invalid_input', field: 'batch' });
    await expect(
      guardStore(store).insertNewJobs!(
        foreignBatch(1, () => {
          throw new Error('unreadable');
        }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_input', field: 'batch' });
    expect(own).not.toHaveBeenCalled();
  });

  it('a closed store is refused before the batch reaches it', async () => {
    const store = new MemoryJobStore();
    await store.close();
    await expect(guardStore(store).insertNewJobs!(newJobBatch(columns(1)))).rejects.toMatchObject({ code: 'store_error' });
  });

  it('enqueueMany sends keyless chunks as batches, keyed ones and those a telemetry hook sees as drafts', async () => {
    const store = new MemoryJobStore();
    const batches = vi.spyOn(store, 'insertNewJobs');
    const drafts = vi.spyOn(store, 'insertMany');
    const tracker = createTracker({ store, recoverIntervalMs: false });
    await tracker.enqueueMany([...Array.from({ length: 1_000 }, () => ({ type: 'batch.a' })), { type: 'batch.a', key: 'k' }]);
    // Chunk 1 (no key) as a batch; chunk 2 (one key) as drafts; the batch's own insertMany call.
    expect(batches).toHaveBeenCalledTimes(1);
    expect(drafts).toHaveBeenCalledTimes(2);
    const traced = createTracker({ store, recoverIntervalMs: false, telemetry: { onCreate: () => undefined } as never });
    await traced.enqueueMany([{ type: 'batch.b' }]);
    expect(batches).toHaveBeenCalledTimes(1);
    await tracker.close();
    await traced.close();
  });
});
