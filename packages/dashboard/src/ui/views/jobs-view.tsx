import type { JobJson, JobStatus } from '@jobtrail/core/client';
import { useJobStats, useJobs } from '@jobtrail/react';
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { EmptyState, ErrorAlert, SkeletonRows } from '../components/notices.js';
import { ProgressBar } from '../components/progress-bar.js';
import { RelativeTime } from '../components/relative-time.js';
import { StatusBadge } from '../components/status-badge.js';
import { useDashboard } from '../lib/dashboard-context.js';
import { shortId } from '../lib/format.js';
import { jobHref, jobsHref, navigate, rememberJobsHref } from '../lib/router.js';
import { STATUSES } from '../lib/statuses.js';
import { BulkActionDialog } from './bulk-action-dialog.js';
import { FILTER_FIELDS, type FilterKey, filterKeyOf, filtersFromQuery, hasFilter, type JobFilters } from './job-filters.js';

const PAGE_SIZE = 25;
const COLUMNS = 8;

export function JobsView({ query }: { query: URLSearchParams }) {
  const filters = filtersFromQuery(query);
  const filterKey = filterKeyOf(filters);
  rememberJobsHref(jobsHref(filters));
  const { canAct, info } = useDashboard();
  const [bulk, setBulk] = useState<'retry' | 'cancel' | null>(null);
  const [bulkForbidden, setBulkForbidden] = useState(false);
  const bulkAllowed = canAct && info.features.bulkActions && !bulkForbidden;

  return (
    <div className="view" data-testid="jobs-view">
      <div className="page-head">
        <h1 className="page-title">Jobs</h1>
        {bulkAllowed ? (
          <div className="toolbar">
            <button type="button" className="button" disabled={!hasFilter(filters)} onClick={() => setBulk('retry')}>
              Retry matching…
            </button>
            <button type="button" className="button button-danger" disabled={!hasFilter(filters)} onClick={() => setBulk('cancel')}>
              Cancel matching…
            </button>
          </div>
        ) : null}
      </div>
      {bulkAllowed && !hasFilter(filters) ? <p className="hint">Set a filter to retry or cancel the jobs it matches.</p> : null}
      <FilterBar filters={filters} />
      <JobsList key={filterKey} filters={filters} />
      {bulk ? <BulkActionDialog action={bulk} filters={filters} onClose={() => setBulk(null)} onForbidden={() => setBulkForbidden(true)} /> : null}
    </div>
  );
}

function FilterBar({ filters }: { filters: JobFilters }) {
  const { stats } = useJobStats();
  const typeOptions = stats ? Object.keys(stats.byType).sort() : [];
  const typeListId = useId();
  const idPrefix = useId();
  const [draft, setDraft] = useState<JobFilters>(filters);
  const applied = filterKeyOf(filters);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // A link or Back changed the hash: show its filters.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the applied filters' text
  useEffect(() => setDraft(filters), [applied]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const apply = (next: JobFilters, replace: boolean) => {
    clearTimeout(timer.current);
    if (filterKeyOf(next) !== applied) navigate(jobsHref(next), { replace });
  };
  const change = (key: FilterKey, value: string) => {
    const next = { ...draft, [key]: value.trim() || undefined };
    setDraft({ ...draft, [key]: value });
    clearTimeout(timer.current);
    // Typing narrows the list as you go without filling the Back history with every letter.
    timer.current = setTimeout(() => apply(next, true), 400);
  };

  return (
    <form
      className="filters card"
      aria-label="Filters"
      onSubmit={(event) => {
        event.preventDefault();
        apply(trimmed(draft), false);
      }}
    >
      <div className="field">
        <label htmlFor={`${idPrefix}-status`}>Status</label>
        <select
          id={`${idPrefix}-status`}
          value={draft.status ?? ''}
          onChange={(event) => apply({ ...trimmed(draft), status: event.target.value || undefined }, false)}
        >
          <option value="">Any status</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </div>
      {FILTER_FIELDS.filter(({ key }) => key !== 'status').map(({ key, label }) => (
        <div key={key} className="field">
          <label htmlFor={`${idPrefix}-${key}`}>{label}</label>
          <input
            id={`${idPrefix}-${key}`}
            type="text"
            value={draft[key] ?? ''}
            placeholder="Any"
            autoComplete="off"
            spellCheck={false}
            list={key === 'type' ? typeListId : undefined}
            onChange={(event) => change(key, event.target.value)}
          />
        </div>
      ))}
      <datalist id={typeListId}>
        {typeOptions.map((type) => (
          <option key={type} value={type} />
        ))}
      </datalist>
      <div className="filter-actions">
        <button type="submit" className="button">
          Apply
        </button>
        {hasFilter(filters) ? (
          <a className="button button-quiet" href="#/jobs">
            Clear
          </a>
        ) : null}
      </div>
    </form>
  );
}

function trimmed(filters: JobFilters): JobFilters {
  return Object.fromEntries(Object.entries(filters).map(([key, value]) => [key, value?.trim() || undefined]));
}

function JobsList({ filters }: { filters: JobFilters }) {
  // The cursors of the pages walked so far; the last one is shown (null: the first page).
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const params = { ...filters, ...(filters.status ? { status: filters.status as JobStatus } : {}), cursor, limit: PAGE_SIZE };
  const { jobs, nextCursor, error, isLoading } = useJobs(params as Parameters<typeof useJobs>[0]);
  const body = useRef<HTMLTableSectionElement>(null);
  const pageNumber = cursors.length;
  const loading = isLoading && jobs.length === 0 && !error;

  const onRowKeyDown = (event: KeyboardEvent<HTMLTableRowElement>, job: JobJson) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      navigate(jobHref(job.id));
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const rows = [...(body.current?.querySelectorAll<HTMLTableRowElement>('tr[data-job-id]') ?? [])];
      const index = rows.indexOf(event.currentTarget);
      rows[index + (event.key === 'ArrowDown' ? 1 : -1)]?.focus();
    }
  };

  return (
    <section className="card card-flush" aria-label="Jobs list">
      {error ? <ErrorAlert title="Could not read the jobs:" error={error} /> : null}
      <div className="table-wrap jobs-body">
        <table className="table table-jobs">
          <colgroup>
            <col className="col-status" />
            <col className="col-type" />
            <col className="col-id" />
            <col className="col-tenant" />
            <col className="col-progress" />
            <col className="col-error" />
            <col className="col-attempt" />
            <col className="col-updated" />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Type</th>
              <th scope="col">ID</th>
              <th scope="col">Tenant</th>
              <th scope="col">Progress</th>
              <th scope="col">Error</th>
              <th scope="col" className="num">
                Attempt
              </th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody ref={body}>
            {loading ? <SkeletonRows rows={8} columns={COLUMNS} /> : null}
            {jobs.map((job) => (
              <tr
                key={job.id}
                className="row-link"
                tabIndex={0}
                data-testid="job-row"
                data-job-id={job.id}
                data-status={job.status}
                data-type={job.type}
                data-tenant={job.tenantId ?? ''}
                data-progress={Math.round(job.progress * 100)}
                data-attempt={job.attempt}
                data-schedule={job.scheduleName ?? ''}
                aria-label={`${job.type} ${job.status}, job ${job.id}`}
                onClick={() => navigate(jobHref(job.id))}
                onKeyDown={(event) => onRowKeyDown(event, job)}
              >
                <td>
                  <StatusBadge status={job.status} />
                </td>
                <td className="cell-type" title={job.type}>{job.type}</td>
                <td className="cell-id mono muted nowrap" title={job.id}>
                  {shortId(job.id)}
                </td>
                <td className="muted">{job.tenantId ?? '—'}</td>
                <td className="cell-progress">
                  <ProgressBar progress={job.progress} status={job.status} stage={job.stage} current={job.current} total={job.total} compact />
                </td>
                <td className="mono cell-error" title={job.error?.message}>
                  {job.error && (job.status === 'failed' || job.status === 'retrying') ? (job.error.code ?? job.error.name ?? 'error') : ''}
                </td>
                <td className="num">
                  {job.attempt}/{job.maxAttempts}
                </td>
                <td className="nowrap">
                  <RelativeTime iso={job.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && !error && jobs.length === 0 ? <EmptyState>{hasFilter(filters) ? 'No jobs match these filters.' : 'No jobs yet.'}</EmptyState> : null}
      </div>
      <nav className="pager" aria-label="Pages">
        <button type="button" className="button" disabled={pageNumber === 1} onClick={() => setCursors((list) => list.slice(0, -1))}>
          Previous page
        </button>
        <span className="muted num" data-testid="page-number">
          Page {pageNumber}
        </span>
        <button type="button" className="button" disabled={!nextCursor} onClick={() => nextCursor && setCursors((list) => [...list, nextCursor])}>
          Next page
        </button>
      </nav>
    </section>
  );
}
