import { describe, expect, it } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { FatalJobError, RetryableJobError } from '../errors/job-errors.js';
import { codeOf, setup, T0 } from './tracker.test-support.js';

describe('lifecycle by id', () => {
  it('runs start → progress → complete', async () => {
    const { tracker } = setup();
    const job = await tracker.create('x');
    const started = await tracker.start(job.id);
    expect(started).toMatchObject({ status: 'running', attempt: 1 });
    expect(started.startedAt?.getTime()).toBe(T0);
    tracker.progress(job.id, 0.4, 'Uploading');
    await tracker.flush(job.id);
    expect(await tracker.get(job.id)).toMatchObject({ progress: 0.4, stage: 'Uploading' });
    const done = await tracker.complete(job.id, { result: { rows: 3 }, note: 'completed with 3 row errors' });
    expect(done).toMatchObject({ status: 'completed', progress: 1, result: { rows: 3 }, note: 'completed with 3 row errors' });
    expect(done.finishedAt?.getTime()).toBe(T0);
  });

  it('clamps progress and rejects what is not a number', async () => {
    const { tracker } = setup();
    const job = await tracker.create('x');
    await tracker.start(job.id);
    tracker.progress(job.id, 7);
    await tracker.flush(job.id);
    expect((await tracker.get(job.id))?.progress).toBe(1);
    tracker.progress(job.id, -2);
    await tracker.flush(job.id);
    expect((await tracker.get(job.id))?.progress).toBe(0);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '0.5', null]) {
      expect(() => tracker.progress(job.id, bad as number)).toThrow(expect.objectContaining({ code: 'invalid_progress' }));
    }
  });

  it('fails into retrying with the backoff delay while attempts remain, then failed', async () => {
    const { tracker, clock } = setup({ backoff: backoff.steps([1000, 5000]) });
    const job = await tracker.create('x', { maxAttempts: 3 });
    await tracker.start(job.id);
    const first = await tracker.fail(job.id, new Error('socket hang up'));
    expect(first).toMatchObject({ status: 'retrying', error: { message: 'socket hang up', attempt: 1, retryable: true } });
    expect(first.runAt.getTime()).toBe(T0 + 1000);
    await clock.advance(1000);
    await tracker.start(job.id);
    const second = await tracker.fail(job.id, Object.assign(new Error('busy'), { status: 503 }));
    expect(second.runAt.getTime()).toBe(T0 + 1000 + 5000);
    expect(second.errors.map((e) => e.message)).toEqual(['socket hang up']);
    await tracker.start(job.id);
    const last = await tracker.fail(job.id, new Error('still down'));
    expect(last).toMatchObject({ status: 'failed', attempt: 3 });
    expect(last.finishedAt).not.toBeNull();
  });

  it('fails at once on a fatal error and honours retryAfterMs', async () => {
    const { tracker } = setup();
    const a = await tracker.create('x');
    await tracker.start(a.id);
    expect((await tracker.fail(a.id, new FatalJobError('bad row'))).status).toBe('failed');
    const b = await tracker.create('x');
    await tracker.start(b.id);
    const retried = await tracker.fail(b.id, new RetryableJobError('rate limited', { retryAfterMs: 42_000 }));
    expect(retried.runAt.getTime()).toBe(T0 + 42_000);
    const c = await tracker.create('x');
    await tracker.start(c.id);
    expect((await tracker.fail(c.id, Object.assign(new Error('nope'), { status: 404 }))).status).toBe('failed');
  });

  it('skips, cancels and manually retries', async () => {
    const { tracker } = setup();
    const a = await tracker.create('x');
    await tracker.start(a.id);
    expect(await tracker.skip(a.id, { note: 'no leads to score' })).toMatchObject({ status: 'skipped', note: 'no leads to score' });
    const b = await tracker.create('x');
    expect((await tracker.cancel(b.id)).status).toBe('cancelled');
    const again = await tracker.retry(b.id);
    expect(again).toMatchObject({ status: 'queued', attempt: 0, finishedAt: null });
    expect(await codeOf(() => tracker.retry(a.id))).toBe('invalid_transition');
  });

  it('refuses a manual retry while another unfinished job holds its key', async () => {
    const { tracker } = setup();
    const first = await tracker.enqueue('sync', null, { key: 'acct-1' });
    await tracker.cancel(first.id);
    const second = await tracker.enqueue('sync', null, { key: 'acct-1' });
    await expect(tracker.retry(first.id)).rejects.toThrow(new RegExp(second.id));
    await tracker.cancel(second.id);
    expect((await tracker.retry(first.id)).status).toBe('queued');
  });

  it('refuses illegal transitions and missing jobs with typed errors', async () => {
    const { tracker } = setup();
    const job = await tracker.create('x');
    expect(await codeOf(() => tracker.complete(job.id))).toBe('invalid_transition');
    await tracker.start(job.id);
    await tracker.complete(job.id);
    expect(await codeOf(() => tracker.complete(job.id))).toBe('invalid_transition');
    expect(await codeOf(() => tracker.cancel(job.id))).toBe('invalid_transition');
    expect(await codeOf(() => tracker.start('0190a0b0-0000-7000-8000-000000000000'))).toBe('job_not_found');
    expect(await codeOf(() => tracker.start('not-an-id'))).toBe('job_not_found');
    expect(await tracker.get('not-an-id')).toBeNull();
  });

  it('refuses to retry a job that has not finished, and leaves its record as it was', async () => {
    const { tracker } = setup();
    const queued = await tracker.create('x');
    expect(await codeOf(() => tracker.retry(queued.id))).toBe('invalid_transition');
    const running = await tracker.start((await tracker.create('x')).id);
    expect(await codeOf(() => tracker.retry(running.id))).toBe('invalid_transition');
    expect(await tracker.get(running.id)).toEqual(running);
    expect(await tracker.get(queued.id)).toEqual(queued);
    await tracker.close();
  });

  it('hides jobs outside the scope', async () => {
    const { tracker } = setup();
    const job = await tracker.create('x', { tenantId: 'a' });
    expect(await tracker.get(job.id, { tenantId: 'b' })).toBeNull();
    expect(await codeOf(() => tracker.cancel(job.id, { tenantId: 'b' }))).toBe('job_not_found');
    expect((await tracker.get(job.id, { tenantId: 'a' }))?.id).toBe(job.id);
  });
});
