import { JOB_STATUSES } from '../../shared/statuses.js';
import { useJobStats } from '@jobtrail/react';
import { number, typeLabel } from '../format.js';

/** Counts by status and by type, for the tenant on screen. */
export function StatsPanel() {
  const { stats, error } = useJobStats({ intervalMs: 1_000 });
  const types = Object.entries(stats?.byType ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="card" data-testid="stats">
      <div className="card-head">
        <h2>Stats</h2>
        <span className="muted" data-testid="stats-total">
          {stats ? `${number(stats.total)} ${stats.total === 1 ? 'job' : 'jobs'}` : ''}
        </span>
      </div>
      {error ? <p className="error-text">{error.message}</p> : null}
      <div className="stat-grid">
        {JOB_STATUSES.map((status) => (
          <div key={status} className={`stat stat-${status}`} data-testid={`stat-${status}`}>
            <span className="stat-value">{number(stats?.byStatus[status] ?? 0)}</span>
            <span className="stat-label">{status}</span>
          </div>
        ))}
        <div className="stat stat-total">
          <span className="stat-value">{number(stats?.total ?? 0)}</span>
          <span className="stat-label">total</span>
        </div>
      </div>
      {types.length > 0 ? (
        <table className="type-table">
          <thead>
            <tr>
              <th>Type</th>
              <th className="num">Total</th>
              <th className="num">Done</th>
              <th className="num">Failed</th>
              <th className="num">Active</th>
            </tr>
          </thead>
          <tbody>
            {types.map(([type, counts]) => (
              <tr key={type}>
                <td>{typeLabel(type)}</td>
                <td className="num">{counts.total}</td>
                <td className="num">{counts.byStatus.completed + counts.byStatus.skipped}</td>
                <td className="num">{counts.byStatus.failed + counts.byStatus.cancelled}</td>
                <td className="num">{counts.byStatus.queued + counts.byStatus.running + counts.byStatus.retrying}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
