import { JOB_STATUSES } from '../../shared/statuses.js';
import { JOB_TYPES } from '../../shared/workflows.js';
import { useState } from 'react';
import { useJobs, type JobStatus } from '@jobtrail/react';
import { clock, duration, percent, shortId, typeLabel } from '../format.js';
import { StatusBadge } from './status-badge.js';

const PAGE_SIZE = 8;

/** Every job of the tenant, newest first, filterable by status and type, a page at a time. */
export function JobsTable({ selectedId, onSelect }: { selectedId: string | null; onSelect: (id: string) => void }) {
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  // Cursors of the pages before the current one: "Previous" pops, "Next" pushes.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const { jobs, nextCursor, error, isLoading } = useJobs(
    { ...(status ? { status: status as JobStatus } : {}), ...(type ? { type } : {}), cursor: cursor ?? null, limit: PAGE_SIZE },
    { intervalMs: 1_000 },
  );

  const resetPaging = () => setCursors([]);

  return (
    <section className="card">
      <div className="card-head">
        <h2>Jobs</h2>
        <div className="filters">
          <FilterSelect
            label="Status"
            testId="filter-status"
            value={status}
            options={JOB_STATUSES.map((value) => ({ value, text: value }))}
            onChange={(value) => {
              setStatus(value);
              resetPaging();
            }}
          />
          <FilterSelect
            label="Type"
            testId="filter-type"
            value={type}
            options={Object.values(JOB_TYPES).map((value) => ({ value, text: typeLabel(value) }))}
            onChange={(value) => {
              setType(value);
              resetPaging();
            }}
          />
        </div>
      </div>
      {error ? <p className="error-text">{error.message}</p> : null}
      <div className="table-wrap">
        <table className="jobs-table" data-testid="jobs-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Stage</th>
              <th className="num">Attempt</th>
              <th>Created</th>
              <th className="num">Took</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr
                key={job.id}
                className={job.id === selectedId ? 'selected' : ''}
                data-testid="job-row"
                data-job-id={job.id}
                data-status={job.status}
                data-progress={Math.round(job.progress * 100)}
                data-type={job.type}
                data-tenant={job.tenantId ?? ''}
                data-schedule={job.scheduleName ?? ''}
                onClick={() => onSelect(job.id)}
              >
                <td>
                  <div className="cell-type">{typeLabel(job.type)}</div>
                  <div className="cell-id mono">
                    {shortId(job.id)}
                    {job.scheduleName ? (
                      <span className="cell-schedule" data-testid="job-schedule" title={job.scheduledFor ? `tick ${job.scheduledFor}` : undefined}>
                        {' · from '}
                        {job.scheduleName}
                      </span>
                    ) : null}
                  </div>
                </td>
                <td>
                  <StatusBadge status={job.status} />
                </td>
                <td>
                  <div className="mini-progress">
                    <div className={`mini-track progress-${job.status}`}>
                      <div className="progress-fill" style={{ width: percent(job.progress) }} />
                    </div>
                    <span className="mono">{percent(job.progress)}</span>
                  </div>
                </td>
                <td className="cell-stage">{job.note ?? job.stage ?? ''}</td>
                <td className="num">
                  {job.attempt}/{job.maxAttempts}
                </td>
                <td className="mono">{clock(job.createdAt)}</td>
                <td className="num mono">
                  {job.startedAt && job.finishedAt ? duration(Date.parse(job.finishedAt) - Date.parse(job.createdAt)) : ''}
                </td>
              </tr>
            ))}
            {jobs.length === 0 && !isLoading ? (
              <tr>
                <td colSpan={7} className="empty">
                  No jobs {status || type ? 'match these filters' : 'yet for this tenant'}.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <span className="muted" data-testid="page-number">
          Page {cursors.length + 1}
        </span>
        <button type="button" data-testid="page-previous" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Previous
        </button>
        <button type="button" data-testid="page-next" disabled={!nextCursor} onClick={() => nextCursor && setCursors([...cursors, nextCursor])}>
          Next →
        </button>
      </div>
    </section>
  );
}

/** A filter of the table: "all" (the empty value) or one of `options`. */
function FilterSelect({
  label,
  testId,
  value,
  options,
  onChange,
}: {
  label: string;
  testId: string;
  value: string;
  options: ReadonlyArray<{ value: string; text: string }>;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <select data-testid={testId} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">all</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.text}
          </option>
        ))}
      </select>
    </label>
  );
}
