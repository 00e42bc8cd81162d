import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { LIST_POLL_INTERVALS } from '@jobtrail/core/client';
import { createFakeClock } from '@jobtrail/core/testing';
import { startFixture, type Fixture } from '../test/fixture.js';
import { JobtrailProvider } from './jobtrail-provider.js';
import { useJobs, useSchedules, type UseSchedulesOptions } from './use-jobs.js';

const T0 = Date.UTC(2026, 5, 1, 12);

let f: Fixture | undefined;
afterEach(async () => {
  cleanup();
  await f?.close();
  f = undefined;
});

const text = (id: string) => screen.getByTestId(id).textContent;

function Schedules(props: UseSchedulesOptions) {
  const { schedules, nextCursor, error, isLoading } = useSchedules(props);
  if (isLoading) return <p data-testid="schedules">loading</p>;
  if (error) return <p data-testid="schedules">{(error as { code?: string }).code}</p>;
  return (
    <p data-testid="schedules">
      {schedules
        .map((s) => `${s.name} next:${s.nextRunAt ?? '-'} last:${s.lastRunAt ?? '-'}${s.paused ? ' paused' : ''}`)
        .join(' | ')}
      {` next-page:${nextCursor ?? 'none'}`}
    </p>
  );
}

function ScheduledJobs() {
  const { jobs } = useJobs();
  return <p data-testid="jobs">{jobs.map((job) => `${job.type} from ${job.scheduleName ?? '-'} for ${job.scheduledFor ?? '-'}`).join(' | ')}</p>;
}

describe('useSchedules', () => {
  it("shows the caller's schedules with their next and last run and paused state, live", async () => {
    const trackerClock = createFakeClock(T0);
    f = await startFixture({ trackerClock });
    const fixture = f;
    const heartbeat = await fixture.tracker.schedule('acme.heartbeat', { type: 'demo.heartbeat', every: '30s', tenantId: 'tenant-a' });
    await fixture.tracker.schedule('acme.report', { type: 'reports.daily', cron: '0 6 * * *', timezone: 'Europe/Berlin', tenantId: 'tenant-a' });
    await fixture.tracker.schedule('globex.heartbeat', { type: 'demo.heartbeat', every: '30s', tenantId: 'tenant-b' });
    const report = (await fixture.tracker.getSchedule('acme.report'))!;
    render(
      <JobtrailProvider client={fixture.client}>
        <Schedules />
        <ScheduledJobs />
      </JobtrailProvider>,
    );
    expect(text('schedules')).toBe('loading');
    const tick = heartbeat.nextRunAt!;
    await waitFor(() =>
      expect(text('schedules')).toBe(
        `acme.heartbeat next:${tick.toISOString()} last:- | acme.report next:${report.nextRunAt!.toISOString()} last:- next-page:none`,
      ),
    );

    // The tick falls due and fires; the next poll shows it, and the job it made names it.
    await trackerClock.advance(tick.getTime() - T0);
    await fixture.tracker.fireDueSchedules();
    await fixture.tracker.pauseSchedule('acme.report');
    const fired = (await fixture.tracker.getSchedule('acme.heartbeat'))!;
    await act(() => fixture.clock.advance(LIST_POLL_INTERVALS.schedules));
    await waitFor(() =>
      expect(text('schedules')).toBe(
        `acme.heartbeat next:${fired.nextRunAt!.toISOString()} last:${tick.toISOString()} | acme.report next:- last:- paused next-page:none`,
      ),
    );
    await act(() => fixture.clock.advance(LIST_POLL_INTERVALS.jobs));
    await waitFor(() => expect(text('jobs')).toBe(`demo.heartbeat from acme.heartbeat for ${tick.toISOString()}`));
  });

  it('pages with after and limit, answers errors in its result, and fetches nothing while disabled', async () => {
    f = await startFixture();
    const fixture = f;
    for (const name of ['a.1', 'a.2', 'a.3']) await fixture.tracker.schedule(name, { type: 'x.y', every: '1h', tenantId: 'tenant-a' });
    const names = () => (text('schedules') ?? '').split(' | ').map((part) => part.split(' ')[0]);
    const view = render(
      <JobtrailProvider client={fixture.client}>
        <Schedules limit={2} />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('schedules')).toMatch(/next-page:a\.2$/));
    expect(names()).toEqual(['a.1', 'a.2']);
    view.rerender(
      <JobtrailProvider client={fixture.client}>
        <Schedules limit={2} after="a.2" />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('schedules')).toMatch(/^a\.3 .* next-page:none$/));

    view.rerender(
      <JobtrailProvider client={fixture.client}>
        <Schedules limit={0} />
      </JobtrailProvider>,
    );
    await waitFor(() => expect(text('schedules')).toBe('invalid_input'));

    const before = fixture.requests.length;
    view.rerender(
      <JobtrailProvider client={fixture.client}>
        <Schedules limit={5} enabled={false} />
      </JobtrailProvider>,
    );
    expect(text('schedules')).toBe(' next-page:none');
    await act(() => fixture.clock.advance(LIST_POLL_INTERVALS.schedules * 2));
    expect(fixture.requests.slice(before).filter((request) => request.includes('limit=5'))).toEqual([]);
  });
});
