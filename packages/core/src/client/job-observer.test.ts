import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startClientFixture, type ClientFixture } from '../../test/client-fixture.js';
import { JobObserver, JOB_POLL_INTERVALS } from './job-observer.js';
import type { JobResult } from './job-observer.js';

let f: ClientFixture;
beforeEach(async () => {
  f = await startClientFixture();
});
afterEach(() => f.close());

const path = (id: string) => `/api/jobs/${id}`;

/** Waits until the poller has answered and scheduled its next poll. */
async function nextPollScheduled(): Promise<void> {
  await vi.waitFor(() => expect(f.clock.pendingTimers()).toBe(1));
}

/** Waits for `n` finished responses for `url`. */
async function served(url: string, n: number): Promise<void> {
  await vi.waitFor(() => expect(f.server.requests.filter((r) => r.url === url && r.status !== undefined)).toHaveLength(n));
}

describe('JobObserver', () => {
  it('loads the job, revalidates with If-None-Match, and keeps the snapshot while nothing changed', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    const observer = new JobObserver(f.client, job.id);
    expect(observer.getSnapshot()).toMatchObject({ isLoading: true, job: undefined, progress: 0 });
    expect(observer.getServerSnapshot()).toBe(observer.getServerSnapshot());
    const onChange = vi.fn();
    const unsubscribe = observer.subscribe(onChange);
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    const first = observer.getSnapshot();
    expect(first).toMatchObject({ isLoading: false, progress: 0, isTerminal: false, error: null });
    expect(observer.getSnapshot()).toBe(first);
    await nextPollScheduled();

    await f.clock.advance(JOB_POLL_INTERVALS.running);
    await served(path(job.id), 2);
    const second = f.server.requests[1]!;
    expect(second.ifNoneMatch).toMatch(/^"/);
    expect(second.status).toBe(304);
    await nextPollScheduled();
    expect(observer.getSnapshot()).toBe(first);
    expect(onChange).toHaveBeenCalledTimes(1);

    f.tracker.progress(job.id, 0.5, 'Uploading');
    await f.tracker.flush(job.id);
    await f.clock.advance(JOB_POLL_INTERVALS.running);
    await vi.waitFor(() => expect(observer.getSnapshot().progress).toBe(0.5));
    expect(observer.getSnapshot()).not.toBe(first);
    expect(observer.getSnapshot().stage).toBe('Uploading');
    unsubscribe();
  });

  it('polls slower while queued, faster while running, and stops at a terminal status', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const onComplete = vi.fn();
    const observer = new JobObserver(f.client, job.id, { onComplete });
    const unsubscribe = observer.subscribe(() => {});
    await served(path(job.id), 1);
    await nextPollScheduled();

    await f.clock.advance(JOB_POLL_INTERVALS.running);
    expect(f.hits(path(job.id))).toBe(1); // queued: not due yet
    await f.clock.advance(JOB_POLL_INTERVALS.queued - JOB_POLL_INTERVALS.running);
    await served(path(job.id), 2);
    await nextPollScheduled();

    await f.tracker.start(job.id);
    await f.clock.advance(JOB_POLL_INTERVALS.queued);
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    await nextPollScheduled();
    await f.clock.advance(JOB_POLL_INTERVALS.running);
    await served(path(job.id), 4);
    await nextPollScheduled();

    await f.tracker.complete(job.id, { result: { ok: true } });
    await f.clock.advance(JOB_POLL_INTERVALS.running);
    await vi.waitFor(() => expect(observer.getSnapshot()).toMatchObject({ status: 'completed', isTerminal: true, progress: 1 }));
    expect(onComplete).toHaveBeenCalledOnce();
    expect(onComplete.mock.calls[0]![0]).toMatchObject({ id: job.id, status: 'completed' });
    // Terminal: no timer left, and no more requests however long we wait.
    await vi.waitFor(() => expect(f.clock.pendingTimers()).toBe(0));
    const before = f.hits(path(job.id));
    await f.clock.advance(10 * 60_000);
    expect(f.hits(path(job.id))).toBe(before);
    expect(onComplete).toHaveBeenCalledOnce();
    unsubscribe();
  });

  it('shares one poller between observers of the same job: one request per tick', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    const a = new JobObserver(f.client, job.id);
    const b = new JobObserver(f.client, job.id);
    const offA = a.subscribe(() => {});
    const offB = b.subscribe(() => {});
    await served(path(job.id), 1);
    await nextPollScheduled();
    for (let tick = 2; tick <= 4; tick++) {
      await f.clock.advance(JOB_POLL_INTERVALS.running);
      await served(path(job.id), tick);
      await nextPollScheduled();
    }
    expect(f.hits(path(job.id))).toBe(4);
    expect(a.getSnapshot().job).toBe(b.getSnapshot().job); // one shared response object

    offA();
    await f.clock.advance(JOB_POLL_INTERVALS.running);
    await served(path(job.id), 5);
    await nextPollScheduled();
    offB(); // the last one: the poller stops; only its collection (gcTimeMs, 5 min) is pending
    expect(f.clock.pendingTimers()).toBe(1);
    await f.clock.advance(60_000);
    expect(f.hits(path(job.id))).toBe(5);
    await f.clock.advance(4 * 60_000);
    expect(f.clock.pendingTimers()).toBe(0);
    expect(f.hits(path(job.id))).toBe(5);
  });

  it('uses the fastest interval any subscriber asks for', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const slow = new JobObserver(f.client, job.id, { intervalMs: 60_000 });
    const fast = new JobObserver(f.client, job.id, { intervalMs: 100 });
    const offSlow = slow.subscribe(() => {});
    const offFast = fast.subscribe(() => {});
    await served(path(job.id), 1);
    await nextPollScheduled();
    await f.clock.advance(100);
    await served(path(job.id), 2);
    offFast();
    offSlow();
  });

  it('pauses while the page is hidden and catches up when it shows again', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    const observer = new JobObserver(f.client, job.id);
    const off = observer.subscribe(() => {});
    await served(path(job.id), 1);
    await nextPollScheduled();

    f.visibility.set(true);
    expect(f.clock.pendingTimers()).toBe(0);
    await f.clock.advance(5 * 60_000);
    expect(f.hits(path(job.id))).toBe(1);

    f.tracker.progress(job.id, 0.7);
    await f.tracker.flush(job.id);
    f.visibility.set(false);
    await served(path(job.id), 2);
    await vi.waitFor(() => expect(observer.getSnapshot().progress).toBe(0.7));
    off();
  });

  it('does not fetch while hidden from the first subscribe', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    f.visibility.set(true);
    const off = new JobObserver(f.client, job.id).subscribe(() => {});
    await f.clock.advance(10_000);
    expect(f.hits(path(job.id))).toBe(0);
    f.visibility.set(false);
    await served(path(job.id), 1);
    off();
  });

  it('backs off exponentially, capped, on errors, keeps the last job, and recovers', async () => {
    const client = f.client;
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    const observer = new JobObserver(client, job.id);
    const snapshots: JobResult[] = [];
    const off = observer.subscribe(() => snapshots.push(observer.getSnapshot()));
    await served(path(job.id), 1);
    await nextPollScheduled();

    f.failWith.status = 503;
    const delays = [1000, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]; // first: the running interval
    let count = 1;
    for (const delay of delays) {
      await f.clock.advance(delay - 1);
      expect(f.hits(path(job.id)), `not before ${delay} ms`).toBe(count);
      await f.clock.advance(1);
      count++;
      await served(path(job.id), count);
      await nextPollScheduled();
    }
    const failed = observer.getSnapshot();
    expect(failed.error).toMatchObject({ status: 503, code: 'unavailable' });
    expect(failed.job?.id).toBe(job.id);
    // One re-render for the outage, not one per failed poll.
    expect(snapshots.filter((s) => s.error !== null)).toHaveLength(1);

    f.failWith.status = null;
    await f.clock.advance(30_000);
    await vi.waitFor(() => expect(observer.getSnapshot().error).toBeNull());
    await nextPollScheduled();
    // Back to the normal interval.
    await f.clock.advance(JOB_POLL_INTERVALS.running);
    await served(path(job.id), count + 2);
    off();
  });

  it('fires onComplete once per terminal transition, again after a retry', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a', maxAttempts: 1 });
    await f.tracker.start(job.id);
    const onComplete = vi.fn();
    const observer = new JobObserver(f.client, job.id, { onComplete });
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    await f.tracker.cancel(job.id);
    await f.clock.advance(JOB_POLL_INTERVALS.running);
    await vi.waitFor(() => expect(onComplete).toHaveBeenCalledTimes(1));

    // A retry through the client refreshes live observers at once and restarts polling.
    await f.client.retry(job.id);
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('queued'));
    await f.tracker.start(job.id);
    await f.tracker.fail(job.id, new Error('boom'));
    await f.clock.advance(JOB_POLL_INTERVALS.queued);
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('failed'));
    expect(onComplete).toHaveBeenCalledTimes(2);
    expect(onComplete.mock.calls[1]![0]).toMatchObject({ status: 'failed', error: { message: 'boom' } });
    off();
  });

  it('does not fire onComplete for a job that was already finished when first seen', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.cancel(job.id);
    const onComplete = vi.fn();
    const observer = new JobObserver(f.client, job.id, { onComplete });
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().isTerminal).toBe(true));
    expect(onComplete).not.toHaveBeenCalled();
    expect(f.clock.pendingTimers()).toBe(0);
    off();
  });

  it('reports a job outside the caller scope as not found and does nothing when disabled', async () => {
    const foreign = await f.tracker.create('imports.upload', { tenantId: 'tenant-b' });
    const observer = new JobObserver(f.client, foreign.id);
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().error).toMatchObject({ status: 404, code: 'job_not_found' }));
    expect(observer.getSnapshot()).toMatchObject({ job: undefined, isLoading: false });
    off();

    const disabled = new JobObserver(f.client, foreign.id, { enabled: false });
    const offDisabled = disabled.subscribe(() => {});
    expect(disabled.getSnapshot()).toMatchObject({ isLoading: false, job: undefined });
    const none = new JobObserver(f.client, null);
    none.subscribe(() => {})();
    expect(none.getSnapshot().isLoading).toBe(false);
    offDisabled();
    expect(f.hits(`/api/jobs/${foreign.id}`)).toBe(1);
  });
});
