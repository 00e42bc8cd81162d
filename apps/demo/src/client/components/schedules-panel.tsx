import { useState } from 'react';
import { useJobsClient, useSchedules, type ScheduleJson } from '@jobtrail/react';
import { setSchedulePaused } from '../demo-api.js';
import { clock, dueIn, relative, scheduleTiming, shortId, typeLabel } from '../format.js';
import { useNow } from '../use-now.js';

interface SchedulesPanelProps {
  /** Whether the server's store keeps schedules; undefined until the server said. */
  supported: boolean | undefined;
  onSelect: (jobId: string) => void;
}

/**
 * The tenant's recurring schedules (`useSchedules()`): when each runs next, when it last ran (and
 * the job that tick made), and whether it is paused — with Pause / Resume.
 */
export function SchedulesPanel({ supported, onSelect }: SchedulesPanelProps) {
  const { schedules, error, isLoading } = useSchedules({ enabled: supported === true, intervalMs: 2_000 });
  const client = useJobsClient();
  const now = useNow();
  const [pending, setPending] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const toggle = async (schedule: ScheduleJson) => {
    setPending(schedule.name);
    setActionError(null);
    try {
      await setSchedulePaused(schedule.name, !schedule.paused);
      // Show the change now rather than at the next poll.
      await client.refresh('/schedules');
    } catch (cause) {
      setActionError((cause as Error).message);
    } finally {
      setPending(null);
    }
  };

  return (
    <section className="card" data-testid="schedules">
      <div className="card-head">
        <h2>Schedules</h2>
        <span className="muted">declared by the server with tracker.schedule(), fired by the worker</span>
      </div>
      {error ? <p className="error-text">{error.message}</p> : null}
      {actionError ? <p className="error-text">{actionError}</p> : null}
      {supported === false ? (
        <p className="empty">This store keeps no schedules.</p>
      ) : schedules.length === 0 ? (
        <p className="empty">{isLoading || supported === undefined ? 'Loading…' : 'No schedules for this tenant.'}</p>
      ) : (
        <div className="table-wrap">
          <table className="jobs-table schedules-table">
            <thead>
              <tr>
                <th>Schedule</th>
                <th>Runs</th>
                <th>Next run</th>
                <th>Last run</th>
                <th>State</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {schedules.map((schedule) => {
                const state = !schedule.enabled ? 'disabled' : schedule.paused ? 'paused' : 'active';
                const description = (schedule.metadata as { description?: unknown } | undefined)?.description;
                return (
                  <tr
                    key={schedule.name}
                    data-testid="schedule-row"
                    data-name={schedule.name}
                    data-paused={String(schedule.paused)}
                    data-next-run-at={schedule.nextRunAt ?? ''}
                  >
                    <td>
                      <div className="cell-type">{schedule.name}</div>
                      <div className="muted">{typeof description === 'string' ? description : typeLabel(schedule.type)}</div>
                    </td>
                    <td className="mono" data-testid="schedule-timing">
                      {scheduleTiming(schedule)}
                    </td>
                    <td data-testid="schedule-next-run">
                      {state === 'active' && schedule.nextRunAt ? (
                        <>
                          <span className="mono">{clock(schedule.nextRunAt)}</span> <span className="muted">{dueIn(schedule.nextRunAt, now)}</span>
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td data-testid="schedule-last-run">
                      {schedule.lastRunAt ? (
                        <>
                          <span className="mono">{clock(schedule.lastRunAt)}</span> <span className="muted">{relative(schedule.lastRunAt, now)}</span>
                          {schedule.lastJobId ? (
                            <button
                              type="button"
                              className="link"
                              data-testid="schedule-last-job"
                              onClick={() => onSelect(schedule.lastJobId!)}
                            >
                              job {shortId(schedule.lastJobId)}
                            </button>
                          ) : null}
                        </>
                      ) : (
                        <span className="muted">not yet</span>
                      )}
                    </td>
                    <td>
                      <span className={`badge badge-schedule-${state}`} data-testid="schedule-state">
                        {state}
                      </span>
                    </td>
                    <td className="num">
                      <button
                        type="button"
                        className="small"
                        data-testid={schedule.paused ? 'schedule-resume' : 'schedule-pause'}
                        disabled={pending === schedule.name}
                        onClick={() => void toggle(schedule)}
                      >
                        {schedule.paused ? 'Resume' : 'Pause'}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
