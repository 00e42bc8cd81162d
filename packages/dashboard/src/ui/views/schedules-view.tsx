import type { ScheduleJson } from '@jobtrail/core/client';
import { useJobsClient, useSchedules } from '@jobtrail/react';
import { useState } from 'react';
import { dashboardApi } from '../api/dashboard-api.js';
import { EmptyState, ErrorAlert, SkeletonRows, Unavailable } from '../components/notices.js';
import { RelativeTime } from '../components/relative-time.js';
import { StateBadge } from '../components/status-badge.js';
import { useDashboard } from '../lib/dashboard-context.js';
import { formatEvery } from '../lib/format.js';
import { jobHref, jobsHref } from '../lib/router.js';
import { useToggleAction } from '../lib/use-toggle-action.js';

const PAGE_SIZE = 50;

export function SchedulesView() {
  const { info } = useDashboard();
  return (
    <div className="view" data-testid="schedules-view">
      <h1 className="page-title">Schedules</h1>
      {info.features.schedules ? <SchedulesTable /> : <Unavailable>This server does not keep recurring schedules.</Unavailable>}
    </div>
  );
}

function SchedulesTable() {
  const { canAct } = useDashboard();
  const client = useJobsClient();
  const [afters, setAfters] = useState<Array<string | null>>([null]);
  const after = afters[afters.length - 1] ?? null;
  const { schedules, nextCursor, error, isLoading } = useSchedules({ after, limit: PAGE_SIZE });
  const toggle = useToggleAction(() => void client.refresh('/schedules'));
  const showActions = canAct && toggle.blocked === null;
  const loading = isLoading && schedules.length === 0 && !error;
  const columns = showActions ? 7 : 6;

  return (
    <section className="card card-flush" aria-label="Schedules list">
      {error ? <ErrorAlert title="Could not read the schedules:" error={error} /> : null}
      {toggle.blocked === 'unavailable' ? <Unavailable>Pausing schedules is not available on this server (it needs a newer @jobtrail/core).</Unavailable> : null}
      {toggle.error && toggle.blocked !== 'unavailable' ? (
        <ErrorAlert error={toggle.blocked === 'forbidden' ? `You may not pause or resume schedules. (${toggle.error.message})` : toggle.error} />
      ) : null}
      <div className="table-wrap">
        <table className="table table-stack">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">When</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              <th scope="col">State</th>
              {showActions ? (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {loading ? <SkeletonRows rows={4} columns={columns} /> : null}
            {schedules.map((schedule) => (
              <tr
                key={schedule.name}
                data-testid="schedule-row"
                data-schedule-name={schedule.name}
                data-paused={schedule.paused}
                data-next-run-at={schedule.paused || !schedule.enabled ? '' : (schedule.nextRunAt ?? '')}
                data-last-job-id={schedule.lastJobId ?? ''}
              >
                <th scope="row" className="cell-type" title={schedule.name}>
                  <a href={jobsHref({ scheduleName: schedule.name })} title="Jobs of this schedule">
                    {schedule.name}
                  </a>
                  {schedule.tenantId ? <div className="muted small">tenant {schedule.tenantId}</div> : null}
                </th>
                <td className="mono" data-label="Type">{schedule.type}</td>
                <td className="nowrap" data-label="When" data-testid="schedule-timing">{timing(schedule)}</td>
                <td className="nowrap" data-label="Next run" data-testid="schedule-next-run">{schedule.paused || !schedule.enabled ? <span className="muted">—</span> : <RelativeTime iso={schedule.nextRunAt} empty="none" tense="any" />}</td>
                <td className="nowrap" data-label="Last run" data-testid="schedule-last-run">
                  {schedule.lastRunAt ? (
                    schedule.lastJobId ? (
                      <a href={jobHref(schedule.lastJobId)} title="The job of the last run">
                        <RelativeTime iso={schedule.lastRunAt} />
                      </a>
                    ) : (
                      <RelativeTime iso={schedule.lastRunAt} />
                    )
                  ) : (
                    <span className="muted">never</span>
                  )}
                </td>
                <td data-label="State" data-testid="schedule-state">
                  <StateBadge state={!schedule.enabled ? 'disabled' : schedule.paused ? 'paused' : 'active'} />
                </td>
                {showActions ? (
                  <td className="cell-actions">
                    <button
                      type="button"
                      className="button button-small"
                      disabled={toggle.pending === schedule.name}
                      onClick={() =>
                        void toggle.run(schedule.name, () =>
                          schedule.paused ? dashboardApi.resumeSchedule(schedule.name) : dashboardApi.pauseSchedule(schedule.name),
                        )
                      }
                    >
                      {schedule.paused ? 'Resume' : 'Pause'}
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!loading && !error && schedules.length === 0 ? <EmptyState>No schedules.</EmptyState> : null}
      {afters.length > 1 || nextCursor ? (
        <nav className="pager" aria-label="Schedule pages">
          <button type="button" className="button" disabled={afters.length === 1} onClick={() => setAfters((list) => list.slice(0, -1))}>
            Previous page
          </button>
          <button type="button" className="button" disabled={!nextCursor} onClick={() => nextCursor && setAfters((list) => [...list, nextCursor])}>
            Next page
          </button>
        </nav>
      ) : null}
    </section>
  );
}

function timing(schedule: ScheduleJson): string {
  if (schedule.every !== null) return formatEvery(schedule.every);
  return `${schedule.cron ?? '?'}${schedule.timezone ? ` (${schedule.timezone})` : ''}`;
}
