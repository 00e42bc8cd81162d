import { useActiveJobs, type JobJson, type JobStatus } from '@jobtrail/react';
import { dueIn, typeLabel } from '../format.js';
import { useNow } from '../use-now.js';
import { ProgressBar } from './progress-bar.js';
import { StatusBadge } from './status-badge.js';

const MAX_SHOWN = 6;
// In flight first, then what just finished (each group stays newest first: the sort is stable).
const ORDER: Record<JobStatus, number> = { running: 0, retrying: 1, queued: 2, failed: 3, cancelled: 3, completed: 3, skipped: 3 };

/** The "2 running jobs" widget: everything in flight plus what finished in the last minute. */
export function ActiveJobs({ selectedId, onSelect }: { selectedId: string | null; onSelect: (id: string) => void }) {
  const { jobs, runningCount: running, error } = useActiveJobs({ withinMs: 60_000, intervalMs: 700 });
  const now = useNow();
  const shown = [...jobs].sort((a, b) => ORDER[a.status] - ORDER[b.status]).slice(0, MAX_SHOWN);
  const waiting = jobs.filter((job) => job.status === 'queued' || job.status === 'retrying').length;

  return (
    <section className="card" data-testid="active-jobs">
      <div className="card-head">
        <h2 data-testid="active-count">
          {running} running {running === 1 ? 'job' : 'jobs'}
        </h2>
        <span className="muted">
          {waiting > 0 ? `${waiting} waiting · ` : ''}finished in the last minute stay here
        </span>
      </div>
      {error ? <p className="error-text">{error.message}</p> : null}
      {jobs.length === 0 ? (
        <p className="empty">Nothing running. Start a workflow above.</p>
      ) : (
        <ul className="active-list">
          {shown.map((job: JobJson) => (
            <li key={job.id}>
              <button
                type="button"
                className={`active-item ${job.id === selectedId ? 'selected' : ''}`}
                data-testid="active-job"
                data-job-id={job.id}
                data-status={job.status}
                data-progress={Math.round(job.progress * 100)}
                onClick={() => onSelect(job.id)}
              >
                <div className="active-item-head">
                  <span className="active-type">{typeLabel(job.type)}</span>
                  <span className="active-meta">
                    {job.status === 'retrying' ? (
                      <span className="muted">next attempt {dueIn(job.runAt, now)}</span>
                    ) : null}
                    <StatusBadge status={job.status} />
                  </span>
                </div>
                <ProgressBar progress={job.progress} status={job.status} stage={job.stage} current={job.current} total={job.total} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
