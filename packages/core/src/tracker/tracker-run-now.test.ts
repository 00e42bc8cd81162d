import { describe, expect, it } from 'vitest';
import { codeOf, setup, T0 } from './tracker.test-support.js';

function claim(store: ReturnType<typeof setup>['store'], type: string, now: number) {
  return store.claim({ owner: 'w', now: new Date(now), leaseExpiresAt: new Date(now + 60_000), limits: { [type]: 10 }, limit: 10 });
}

describe('runNow', () => {
  it('makes a delayed queued job due now, and only that changes', async () => {
    const { tracker, store, clock } = setup();
    const job = await tracker.enqueue('report', { n: 1 }, { delayMs: 3_600_000 });
    await clock.advance(5_000);
    expect(await claim(store, 'report', T0 + 5_000)).toEqual([]);
    const woken: string[] = [];
    const unsubscribe = store.subscribe((event) => event.type !== undefined && woken.push(event.type));
    const ran = await tracker.runNow(job.id);
    expect(ran).toMatchObject({ id: job.id, status: 'queued', attempt: 0, runAt: new Date(T0 + 5_000), payload: { n: 1 } });
    await Promise.resolve();
    expect(woken).toContain('report');
    unsubscribe();
    expect((await claim(store, 'report', T0 + 5_000)).map((claimed) => claimed.id)).toEqual([job.id]);
  });

  it('makes a retrying job due now, keeping its attempts and errors', async () => {
    const { tracker } = setup();
    const job = await tracker.enqueue('sync', {}, { maxAttempts: 3 });
    await tracker.start(job.id);
    const failed = await tracker.fail(job.id, new Error('503 from upstream'));
    expect(failed).toMatchObject({ status: 'retrying', attempt: 1 });
    const ran = await tracker.runNow(job.id);
    expect(ran).toMatchObject({ status: 'retrying', attempt: 1, runAt: new Date(T0), error: { message: '503 from upstream' } });
  });

  it('leaves a job due already as it is (its place in the claim order)', async () => {
    const { tracker, clock } = setup();
    const job = await tracker.enqueue('report', {});
    await clock.advance(10_000);
    const ran = await tracker.runNow(job.id);
    expect(ran.runAt).toEqual(job.runAt);
    expect(ran.updatedAt).toEqual(job.updatedAt);
  });

  it('refuses running and finished jobs, and answers not found outside the scope', async () => {
    const { tracker } = setup();
    const running = await tracker.enqueue('x', {});
    await tracker.start(running.id);
    expect(await codeOf(() => tracker.runNow(running.id))).toBe('invalid_transition');
    await tracker.complete(running.id);
    expect(await codeOf(() => tracker.runNow(running.id))).toBe('invalid_transition');
    const theirs = await tracker.enqueue('x', {}, { tenantId: 'b', delayMs: 60_000 });
    expect(await codeOf(() => tracker.runNow(theirs.id, { tenantId: 'a' }))).toBe('job_not_found');
    expect(await codeOf(() => tracker.runNow('not-an-id'))).toBe('job_not_found');
    expect((await tracker.runNow(theirs.id, { tenantId: 'b' })).runAt).toEqual(new Date(T0));
  });
});
