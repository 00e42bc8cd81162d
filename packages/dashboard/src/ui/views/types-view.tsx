import { type TypeJson, dashboardApi } from '../api/dashboard-api.js';
import { EmptyState, ErrorAlert, SkeletonRows, Unavailable } from '../components/notices.js';
import { Dialog } from '../components/dialog.js';
import { RelativeTime } from '../components/relative-time.js';
import { StateBadge } from '../components/status-badge.js';
import { useDashboard } from '../lib/dashboard-context.js';
import { formatCount, formatDuration } from '../lib/format.js';
import { jobsHref } from '../lib/router.js';
import { usePolled } from '../lib/use-polled.js';
import { useToggleAction } from '../lib/use-toggle-action.js';
import { useState } from 'react';

const COUNTED = ['queued', 'running', 'retrying', 'failed'] as const;

export function TypesView() {
  const { info, canAct } = useDashboard();
  const types = usePolled('types', (signal) => dashboardApi.types(signal), { intervalMs: 10_000, enabled: info.features.types });
  const toggle = useToggleAction(types.reload);
  const unavailable = !info.features.types || types.error?.isUnavailable;
  // Type pauses are global: only a caller the server lets pause types (by default an unscoped admin) sees the buttons.
  const showActions = canAct && info.features.typeActions !== false && toggle.blocked === null;
  const list = types.data?.types ?? [];
  // A type's pause holds every tenant's jobs of it: asked once more before it is sent.
  const [confirming, setConfirming] = useState<string | null>(null);
  const pause = (type: string) => {
    setConfirming(null);
    void toggle.run(type, () => dashboardApi.pauseType(type));
  };

  return (
    <div className="view" data-testid="types-view">
      <h1 className="page-title">Types</h1>
      {unavailable ? (
        <Unavailable>Job types are not available: this server does not list types, their limits and pauses (it needs a newer @jobtrail/core).</Unavailable>
      ) : (
        <section className="card card-flush" aria-label="Types list">
          {types.error ? <ErrorAlert title="Could not read the types:" error={types.error} /> : null}
          {toggle.blocked === 'unavailable' ? <Unavailable>Pausing types is not available on this server.</Unavailable> : null}
          {toggle.error && toggle.blocked !== 'unavailable' ? (
            <ErrorAlert error={toggle.blocked === 'forbidden' ? `You may not pause or resume job types. (${toggle.error.message})` : toggle.error} />
          ) : null}
          <div className="table-wrap">
            <table className="table table-stack">
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Limits</th>
                  {COUNTED.map((status) => (
                    <th key={status} scope="col" className="num">
                      {status}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    Total
                  </th>
                  <th scope="col">State</th>
                  {showActions ? (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {types.isLoading && !types.data ? <SkeletonRows rows={4} columns={COUNTED.length + (showActions ? 5 : 4)} /> : null}
                {list.map((item) => (
                  <tr key={item.type} data-testid="type-row" data-type={item.type}>
                    <th scope="row" className="cell-type" title={item.type}>
                      <a href={jobsHref({ type: item.type })}>{item.type}</a>
                    </th>
                    <td className="limits" data-label="Limits">{limitsText(item.limits)}</td>
                    {COUNTED.map((status) => (
                      <td key={status} className={`num ${item.counts.byStatus[status] ? '' : 'zero'}`} data-label={`${status.charAt(0).toUpperCase()}${status.slice(1)}`}>
                        {formatCount(item.counts.byStatus[status] ?? 0)}
                      </td>
                    ))}
                    <td className="num" data-label="Total">{formatCount(item.counts.total)}</td>
                    <td className="nowrap" data-label="State">
                      <StateBadge state={item.paused ? 'paused' : 'active'} />
                      {item.paused && item.updatedAt ? (
                        <span className="muted small">
                          {' '}
                          <RelativeTime iso={item.updatedAt} />
                        </span>
                      ) : null}
                    </td>
                    {showActions ? (
                      <td className="cell-actions">
                        <button
                          type="button"
                          className="button button-small"
                          disabled={toggle.pending === item.type}
                          onClick={() => (item.paused ? void toggle.run(item.type, () => dashboardApi.resumeType(item.type)) : setConfirming(item.type))}
                        >
                          {item.paused ? 'Resume' : 'Pause'}
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {types.data && list.length === 0 ? <EmptyState>No job types yet.</EmptyState> : null}
        </section>
      )}
      {confirming !== null ? (
        <Dialog title={`Pause ${confirming}?`} onClose={() => setConfirming(null)}>
          <p>
            No worker claims jobs of this type until it is resumed, for every tenant. Jobs can still be enqueued, and those already running
            finish.
          </p>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={() => setConfirming(null)}>
              Keep it running
            </button>
            <button type="button" className="button button-primary button-danger-fill" onClick={() => pause(confirming)}>
              Pause type
            </button>
          </div>
        </Dialog>
      ) : null}
    </div>
  );
}

function limitsText(limits: TypeJson['limits']): string {
  const parts: string[] = [];
  if (limits.maxRunning !== null) parts.push(`${formatCount(limits.maxRunning)} at once`);
  if (limits.maxRunningPerGroup !== null) parts.push(`${formatCount(limits.maxRunningPerGroup)} per group`);
  if (limits.rateLimit) parts.push(`${formatCount(limits.rateLimit.limit)} per ${formatDuration(limits.rateLimit.intervalMs)}`);
  return parts.length > 0 ? parts.join(' · ') : 'no limits';
}
