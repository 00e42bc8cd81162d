import { describe, expect, it } from 'vitest';
import { BulkActionError, StoreError } from '../errors/jobtrail-error.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import type { JobStore } from '../store/job-store.js';
import { makeJob } from '../testing/make-job.js';
import { startJobsServer } from '../testing/http-harness.js';
import { createTracker } from './tracker.js';

/** A store whose transitions fail from the `failFrom`-th on, as a database that went away. */
function failingAfter(store: MemoryJobStore, failFrom: number): JobStore {
  let calls = 0;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'transition') {
        return async (...args: Parameters<JobStore['transition']>) => {
          calls++;
          if (calls >= failFrom) throw new StoreError('connection terminated unexpectedly');
          return (value as JobStore['transition']).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function seedFailed(store: MemoryJobStore, count: number): Promise<void> {
  const at = new Date(Date.now() - 60_000);
  for (let n = 0; n < count; n++) {
    await store.insert(makeJob({ type: 'sync.pull', tenantId: 't', status: 'failed', attempt: 1, maxAttempts: 1, startedAt: at, finishedAt: at }));
  }
}

describe('retryMany / cancelMany interrupted by a store failure', () => {
  it('throws BulkActionError with what was done; the jobs changed stay changed and a second run finishes', async () => {
    const memory = new MemoryJobStore();
    await seedFailed(memory, 25);
    const broken = createTracker({ store: failingAfter(memory, 16), recoverIntervalMs: false });
    const error = await broken.retryMany({ type: 'sync.pull' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BulkActionError);
    const interrupted = error as BulkActionError;
    expect(interrupted).toMatchObject({ code: 'bulk_action_interrupted', action: 'retry', matched: 20, changed: 15 });
    expect(interrupted.cause).toBeInstanceOf(StoreError);
    expect(interrupted.message).toMatch(/changing 15 of 20 matched jobs \(run it again to finish\): connection terminated/);
    const queued = (await memory.query({ type: ['sync.pull'], status: ['queued'], limit: 100 })).jobs;
    expect(queued).toHaveLength(15);

    const healthy = createTracker({ store: memory, recoverIntervalMs: false });
    expect(await healthy.retryMany({ type: 'sync.pull', status: 'failed' })).toEqual({ matched: 10, changed: 10 });
    await broken.close();
    await healthy.close();
  });

  it('over HTTP answers 500 bulk_action_interrupted with the counts, and reports the cause to onError', async () => {
    const memory = new MemoryJobStore();
    await seedFailed(memory, 12);
    const reported: unknown[] = [];
    const server = await startJobsServer(failingAfter(memory, 6), { canActOnMany: () => true, onError: (error) => reported.push(error) });
    try {
      const answer = await server.request('/jobs/retry', {
        scope: { tenantId: 't' },
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'failed' }),
      });
      expect(answer.status).toBe(500);
      expect(answer.body.error).toEqual({ code: 'bulk_action_interrupted', message: expect.stringMatching(/after 5 of 10 matched jobs were changed/) });
      expect(answer.text).not.toMatch(/connection terminated/);
      expect(reported).toHaveLength(1);
      expect(reported[0]).toBeInstanceOf(BulkActionError);
    } finally {
      await server.close();
    }
  });
});

describe('small refusals say what to do', () => {
  it('runNow of a finished job names the transition and points to retry', async () => {
    const memory = new MemoryJobStore();
    const tracker = createTracker({ store: memory, recoverIntervalMs: false });
    const job = makeJob({ type: 'sync.pull', status: 'failed', attempt: 1, maxAttempts: 1, finishedAt: new Date(), startedAt: new Date() });
    await memory.insert(job);
    await expect(tracker.runNow(job.id)).rejects.toMatchObject({ code: 'invalid_transition', from: 'failed', to: 'queued', message: expect.stringMatching(/retry\(id\)/) });
    await tracker.close();
  });

  it("enqueueMany's unknown-option error does not offer transaction inside an item", async () => {
    const tracker = createTracker({ store: new MemoryJobStore(), recoverIntervalMs: false });
    const error = await tracker.enqueueMany([{ type: 'a', colour: 'red' } as never]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_input', field: 'jobs[0].colour' });
    expect((error as Error).message).not.toMatch(/transaction/);
    await tracker.close();
  });
});
