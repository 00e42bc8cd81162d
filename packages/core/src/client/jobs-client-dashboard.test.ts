import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClientFixture, type ClientFixture } from '../../test/client-fixture.js';
import { makeJob } from '../testing/make-job.js';
import { toQueryString } from './jobs-client.js';

describe('JobsClient dashboard routes', () => {
  let f: ClientFixture;
  const hour = 3_600_000;
  const since = new Date(Date.UTC(2026, 0, 1));
  beforeAll(async () => {
    f = await startClientFixture({}, { canManageTypes: (scope) => scope.tenantId === 'tenant-a' });
    const started = new Date(since.getTime() + hour + 5_000);
    for (const tenantId of ['tenant-a', 'tenant-b']) {
      await f.tracker.store.insert(
        makeJob({ type: 'mail/send', tenantId, status: 'completed', attempt: 1, runAt: new Date(started.getTime() - 2_000), startedAt: started, finishedAt: new Date(started.getTime() + 1_000) }),
      );
    }
    await f.tracker.schedule('a/nightly', { type: 'reports.nightly', every: '1h', tenantId: 'tenant-a' });
    await f.tracker.schedule('b.nightly', { type: 'reports.nightly', every: '1h', tenantId: 'tenant-b' });
  });
  afterAll(() => f.close());

  it('reads activity over a range, with dates as ISO strings', async () => {
    const activity = await f.client.activity({ since, until: new Date(since.getTime() + 3 * hour), bucketMs: hour, type: 'mail/send' });
    expect(activity).toEqual({
      bucketMs: hour,
      since: since.toISOString(),
      until: new Date(since.getTime() + 3 * hour).toISOString(),
      buckets: [
        { start: since.toISOString(), started: 0, completed: 0, failed: 0, waitMsAvg: null, waitMsMax: null },
        { start: new Date(since.getTime() + hour).toISOString(), started: 1, completed: 1, failed: 0, waitMsAvg: 2_000, waitMsMax: 2_000 },
        { start: new Date(since.getTime() + 2 * hour).toISOString(), started: 0, completed: 0, failed: 0, waitMsAvg: null, waitMsMax: null },
      ],
    });
    await expect(f.client.activity({ since, until: since })).rejects.toMatchObject({ status: 400, code: 'invalid_input' });
    expect(toQueryString({ bucketMs: 60_000, since, tenantId: 't' })).toBe(`?bucketMs=60000&since=${encodeURIComponent(since.toISOString())}&tenantId=t`);
  });

  it('lists types with counts of its own scope, and pauses and resumes a type', async () => {
    const { types } = await f.client.types();
    expect(types).toEqual([expect.objectContaining({ type: 'mail/send', paused: false, counts: expect.objectContaining({ total: 1 }) })]);
    const paused = await f.client.pauseType('mail/send');
    expect(paused.type).toMatchObject({ type: 'mail/send', paused: true, counts: { total: 1 } });
    expect((await f.tracker.getType('mail/send')).paused).toBe(true);
    expect((await f.client.resumeType('mail/send')).type.paused).toBe(false);
  });

  it('pauses and resumes its own schedules; another tenant’s answers 404', async () => {
    expect((await f.client.pauseSchedule('a/nightly')).schedule).toMatchObject({ name: 'a/nightly', paused: true });
    expect((await f.client.resumeSchedule('a/nightly')).schedule.paused).toBe(false);
    await expect(f.client.pauseSchedule('b.nightly')).rejects.toMatchObject({ status: 404, code: 'schedule_not_found' });
    await expect(f.client.pauseSchedule('')).rejects.toThrow(TypeError);
  });

  it('narrows lists and stats with tenantId', async () => {
    expect((await f.client.stats({ tenantId: 'tenant-a' })).total).toBe(1);
    expect((await f.client.stats({ tenantId: 'tenant-b' })).total).toBe(0);
    expect((await f.client.listJobs({ tenantId: 'tenant-b' })).jobs).toEqual([]);
  });
});
