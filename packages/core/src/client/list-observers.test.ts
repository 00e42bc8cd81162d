import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startClientFixture, type ClientFixture } from '../../test/client-fixture.js';
import { JobActionsObserver } from './job-actions-observer.js';
import { JobObserver } from './job-observer.js';
import { ActiveJobsObserver, JobsObserver, JobStatsObserver, LIST_POLL_INTERVALS } from './list-observers.js';

let f: ClientFixture;
beforeEach(async () => {
  f = await startClientFixture();
});
afterEach(() => f.close());

describe('collection observers', () => {
  it('watch a page of jobs, the active jobs and the stats, each on its own shared poller', async () => {
    const a = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(a.id);
    await f.tracker.create('places.deepScan', { tenantId: 'tenant-b' });

    const jobs = new JobsObserver(f.client, { type: 'imports.upload', limit: 10 });
    const sameJobs = new JobsObserver(f.client, { limit: 10, type: ['imports.upload'] });
    const active = new ActiveJobsObserver(f.client);
    const stats = new JobStatsObserver(f.client);
    const offs = [jobs, sameJobs, active, stats].map((observer) => observer.subscribe(() => {}));
    await vi.waitFor(() => {
      expect(jobs.getSnapshot().jobs).toHaveLength(1);
      expect(active.getSnapshot()).toMatchObject({ activeCount: 1, runningCount: 1 });
      expect(stats.getSnapshot().stats).toMatchObject({ total: 1, byStatus: { running: 1 } });
    });
    expect(sameJobs.getSnapshot().jobs).toBe(jobs.getSnapshot().jobs);
    expect(f.hits('/api/jobs?limit=10&type=imports.upload')).toBe(1);

    await f.tracker.complete(a.id);
    await f.clock.advance(LIST_POLL_INTERVALS.activeBusy);
    await vi.waitFor(() => expect(active.getSnapshot()).toMatchObject({ activeCount: 0, runningCount: 0 }));
    expect(active.getSnapshot().jobs).toHaveLength(1);
    await f.clock.advance(LIST_POLL_INTERVALS.stats);
    await vi.waitFor(() => expect(stats.getSnapshot().stats?.byStatus.completed).toBe(1));
    for (const off of offs) off();
  });
});

describe('JobActionsObserver', () => {
  it('tracks pending actions, refreshes watched jobs, and keeps errors in its result', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const watched = new JobObserver(f.client, job.id);
    const off = watched.subscribe(() => {});
    await vi.waitFor(() => expect(watched.getSnapshot().status).toBe('queued'));

    const actions = new JobActionsObserver(f.client);
    const seen: boolean[] = [];
    actions.subscribe(() => seen.push(actions.getSnapshot().isPending));
    const pending = actions.cancel(job.id);
    expect(actions.getSnapshot()).toMatchObject({ isPending: true, pendingIds: [job.id] });
    expect(await pending).toMatchObject({ status: 'cancelled' });
    expect(actions.getSnapshot()).toMatchObject({ isPending: false, pendingIds: [], error: null });
    expect(seen).toEqual([true, false]);
    // Without waiting for the next tick (queued: 3 s), the watched job shows the change.
    await vi.waitFor(() => expect(watched.getSnapshot().status).toBe('cancelled'));

    expect(await actions.cancel(job.id)).toBeUndefined();
    expect(actions.getSnapshot().error).toMatchObject({ status: 409, code: 'invalid_transition' });
    expect(actions.getServerSnapshot()).toMatchObject({ isPending: false });
    off();
  });
});
