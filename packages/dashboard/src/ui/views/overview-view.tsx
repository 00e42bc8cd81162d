import { useJobStats } from '@jobtrail/react';
import { useState } from 'react';
import { type ActivityResponse, dashboardApi, isActivityUnavailable } from '../api/dashboard-api.js';
import { EmptyState, ErrorAlert, SkeletonRows, Unavailable } from '../components/notices.js';
import { type ChartSeries, TimeChart } from '../components/time-chart.js';
import { formatCount, formatDuration } from '../lib/format.js';
import { useDashboard } from '../lib/dashboard-context.js';
import { jobsHref } from '../lib/router.js';
import { STATUSES } from '../lib/statuses.js';
import { usePolled } from '../lib/use-polled.js';

const WINDOWS = [
  { id: '1h', label: '1 h', spanMs: 3_600_000, bucketMs: 60_000 },
  { id: '24h', label: '24 h', spanMs: 86_400_000, bucketMs: 900_000 },
  { id: '7d', label: '7 d', spanMs: 7 * 86_400_000, bucketMs: 3_600_000 },
] as const;

type WindowId = (typeof WINDOWS)[number]['id'];

export function OverviewView() {
  return (
    <div className="view" data-testid="overview">
      <h1 className="page-title">Overview</h1>
      <StatusCounts />
      <Activity />
      <TypeCounts />
    </div>
  );
}

function StatusCounts() {
  const { stats, error } = useJobStats();
  return (
    <section className="card" aria-labelledby="counts-title">
      <div className="card-head">
        <h2 id="counts-title">Jobs by status</h2>
        <span className="muted num">{stats ? `${formatCount(stats.total)} total` : '\u00a0'}</span>
      </div>
      {error ? <ErrorAlert title="Could not read the counts:" error={error} /> : null}
      <ul className="stat-grid">
        {STATUSES.map((status) => (
          <li key={status}>
            <a className={`stat stat-${status}`} href={jobsHref({ status })}>
              <span className="stat-value num" data-testid={`count-${status}`}>
                {stats ? formatCount(stats.byStatus[status] ?? 0) : '\u00a0'}
              </span>
              <span className="stat-label">{status}</span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Activity() {
  const { info } = useDashboard();
  const [windowId, setWindowId] = useState<WindowId>('24h');
  const selected = WINDOWS.find((item) => item.id === windowId) ?? WINDOWS[1];
  const activity = usePolled<ActivityResponse>(
    `activity:${selected.id}`,
    (signal) => dashboardApi.activity({ since: new Date(Date.now() - selected.spanMs).toISOString(), bucketMs: selected.bucketMs }, signal),
    { intervalMs: 15_000, enabled: info.features.activity },
  );
  const unavailable = !info.features.activity || isActivityUnavailable(activity.error);

  return (
    <section className="card" aria-labelledby="activity-title">
      <div className="card-head">
        <h2 id="activity-title">Activity</h2>
        {unavailable ? null : (
          <fieldset className="segmented">
            <legend className="visually-hidden">Time window</legend>
            {WINDOWS.map((item) => (
              <button key={item.id} type="button" className="segment" aria-pressed={item.id === windowId} onClick={() => setWindowId(item.id)}>
                {item.label}
              </button>
            ))}
          </fieldset>
        )}
      </div>
      {unavailable ? (
        <Unavailable>Activity charts are not available: this server does not offer job activity over time (it needs a newer @jobtrail/core and a store that can answer it).</Unavailable>
      ) : (
        <>
          {activity.error ? <ErrorAlert title="Could not read the activity:" error={activity.error} /> : null}
          <ActivityCharts data={activity.data} spanMs={selected.spanMs} />
        </>
      )}
    </section>
  );
}

function ActivityCharts({ data, spanMs }: { data: ActivityResponse | null; spanMs: number }) {
  const buckets = data?.buckets ?? [];
  const times = buckets.map((bucket) => Date.parse(bucket.start));
  const sum = (pick: (bucket: (typeof buckets)[number]) => number) => buckets.reduce((total, bucket) => total + pick(bucket), 0);
  const completed = sum((bucket) => bucket.completed);
  const failed = sum((bucket) => bucket.failed);
  const waits = buckets.map((bucket) => bucket.waitMsMax).filter((value): value is number => value != null);
  const count = (value: number) => formatCount(value);
  const throughput: ChartSeries[] = [{ label: 'Completed', colorVar: '--completed', kind: 'bars', values: buckets.map((bucket) => bucket.completed), format: count }];
  const failures: ChartSeries[] = [{ label: 'Failed', colorVar: '--failed', kind: 'bars', values: buckets.map((bucket) => bucket.failed), format: count }];
  const wait: ChartSeries[] = [
    { label: 'Average wait', colorVar: '--running', kind: 'line', values: buckets.map((bucket) => bucket.waitMsAvg), format: formatDuration },
    { label: 'Longest wait', colorVar: '--retrying', kind: 'line', values: buckets.map((bucket) => bucket.waitMsMax), format: formatDuration },
  ];
  return (
    <div className="chart-grid">
      <div className="chart-card" data-testid="chart-throughput">
        <h3>
          Throughput <span className="chart-total num">{data ? `${count(completed)} completed` : '\u00a0'}</span>
        </h3>
        <TimeChart times={times} series={throughput} spanMs={spanMs} integer summary={`${completed} jobs completed in this window.`} />
      </div>
      <div className="chart-card" data-testid="chart-failures">
        <h3>
          Failures <span className="chart-total num">{data ? `${count(failed)} failed` : '\u00a0'}</span>
        </h3>
        <TimeChart times={times} series={failures} spanMs={spanMs} integer summary={`${failed} jobs failed in this window.`} />
      </div>
      <div className="chart-card" data-testid="chart-wait">
        <h3>
          Wait time{' '}
          <span className="chart-total num">{data ? (waits.length > 0 ? `longest ${formatDuration(Math.max(...waits))}` : 'no starts') : '\u00a0'}</span>
        </h3>
        <TimeChart times={times} series={wait} spanMs={spanMs} summary="Time from due to start, average and longest per bucket." />
      </div>
    </div>
  );
}

function TypeCounts() {
  const { stats, error, isLoading } = useJobStats();
  const types = stats ? Object.entries(stats.byType).sort(([a], [b]) => a.localeCompare(b)) : [];
  return (
    <section className="card" aria-labelledby="types-count-title">
      <div className="card-head">
        <h2 id="types-count-title">Jobs by type</h2>
      </div>
      {error ? <ErrorAlert title="Could not read the counts:" error={error} /> : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col" className="num">
                Total
              </th>
              {STATUSES.map((status) => (
                <th key={status} scope="col" className="num">
                  {status}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {isLoading && !stats ? <SkeletonRows rows={3} columns={STATUSES.length + 2} /> : null}
            {types.map(([type, counts]) => (
              <tr key={type}>
                <th scope="row" className="cell-type" title={type}>
                  <a href={jobsHref({ type })}>{type}</a>
                </th>
                <td className="num">{formatCount(counts.total)}</td>
                {STATUSES.map((status) => (
                  <td key={status} className={`num ${counts.byStatus[status] ? '' : 'zero'}`}>
                    {formatCount(counts.byStatus[status] ?? 0)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {stats && types.length === 0 ? <EmptyState>No jobs yet.</EmptyState> : null}
    </section>
  );
}
