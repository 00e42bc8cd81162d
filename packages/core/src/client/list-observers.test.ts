import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startClientFixture, type ClientFixture } from '../../test/client-fixture.js';
import { JobActionsObserver } from './job-actions-observer.js';
import { JobObserver } from './job-observer.js';
import { ActiveJobsObserver, JobsObserver, JobStatsObserver, LIST_POLL_INTERVALS, SchedulesObserver } from './list-observers.js';

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

describe('SchedulesObserver', () => {
  it("watches a page of the caller's schedules on one shared poller, live, and revalidates with the ETag", async () => {
    await f.tracker.schedule('a.digest', { type: 'reports.digest', every: '1h', tenantId: 'tenant-a' });
    await f.tracker.schedule('a.sync', { type: 'orders.sync', cron: '*/5 * * * *', timezone: 'Europe/Berlin', tenantId: 'tenant-a' });
    await f.tracker.schedule('b.secret', { type: 'reports.secret', every: '1h', tenantId: 'tenant-b' });

    const observer = new SchedulesObserver(f.client, { limit: 10 });
    const same = new SchedulesObserver(f.client, { limit: 10, after: null });
    expect(observer.getSnapshot()).toEqual({ schedules: [], nextCursor: null, error: null, isLoading: true });
    expect(observer.getServerSnapshot().isLoading).toBe(true);
    const renders: unknown[] = [];
    const offs = [observer, same].map((o) => o.subscribe(() => renders.push(o.getSnapshot())));
    await vi.waitFor(() => expect(observer.getSnapshot().isLoading).toBe(false));
    const first = observer.getSnapshot();
    expect(first.schedules.map((schedule) => schedule.name)).toEqual(['a.digest', 'a.sync']);
    expect(first.schedules[1]).toMatchObject({ cron: '*/5 * * * *', timezone: 'Europe/Berlin', paused: false, nextRunAt: expect.any(String) });
    expect(first.nextCursor).toBeNull();
    expect(same.getSnapshot().schedules).toBe(first.schedules);
    expect(f.hits('/api/schedules?limit=10')).toBe(1);

    // Unchanged: a 304, and the very same snapshot.
    await f.clock.advance(LIST_POLL_INTERVALS.schedules);
    await vi.waitFor(() => expect(f.hits('/api/schedules?limit=10')).toBe(2));
    expect(observer.getSnapshot()).toBe(first);

    await f.tracker.pauseSchedule('a.sync');
    await f.clock.advance(LIST_POLL_INTERVALS.schedules);
    await vi.waitFor(() => expect(observer.getSnapshot().schedules[1]?.paused).toBe(true));
    expect(f.hits('/api/schedules?limit=10')).toBe(3);
    for (const off of offs) off();
  });

  it('pages with after and limit, and does nothing while disabled', async () => {
    for (const name of ['a.1', 'a.2', 'a.3']) await f.tracker.schedule(name, { type: 'x.y', every: '1h', tenantId: 'tenant-a' });
    const firstPage = new SchedulesObserver(f.client, { limit: 2 });
    const offFirst = firstPage.subscribe(() => {});
    await vi.waitFor(() => expect(firstPage.getSnapshot().nextCursor).toBe('a.2'));
    const secondPage = new SchedulesObserver(f.client, { limit: 2, after: firstPage.getSnapshot().nextCursor });
    const offSecond = secondPage.subscribe(() => {});
    await vi.waitFor(() => expect(secondPage.getSnapshot().schedules.map((schedule) => schedule.name)).toEqual(['a.3']));
    expect(secondPage.getSnapshot().nextCursor).toBeNull();
    expect(f.hits('/api/schedules?after=a.2&limit=2')).toBe(1);

    const disabled = new SchedulesObserver(f.client, {}, { enabled: false });
    disabled.subscribe(() => {})();
    expect(disabled.getSnapshot()).toEqual({ schedules: [], nextCursor: null, error: null, isLoading: false });
    expect(f.hits('/api/schedules')).toBe(0);
    offFirst();
    offSecond();
  });

  it('keeps the error of a refused page in its result', async () => {
    const observer = new SchedulesObserver(f.client, { limit: 5000 });
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().error).toMatchObject({ status: 400, code: 'invalid_input' }));
    expect(observer.getSnapshot()).toMatchObject({ schedules: [], isLoading: false });
    off();
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
