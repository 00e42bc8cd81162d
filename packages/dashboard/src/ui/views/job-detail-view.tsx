import { type JobJson, JobsHttpError, type JobStatus } from '@jobtrail/core/client';
import { useJob, useJobActions, useJobs } from '@jobtrail/react';
import { EmptyState, ErrorAlert } from '../components/notices.js';
import { ProgressBar } from '../components/progress-bar.js';
import { RelativeTime } from '../components/relative-time.js';
import { StatusBadge } from '../components/status-badge.js';
import { useDashboard } from '../lib/dashboard-context.js';
import { formatBytes, formatCount, formatDuration, formatJson, shortId } from '../lib/format.js';
import { jobHref, jobsHref, lastJobsListHref } from '../lib/router.js';
import { CANCELLABLE_STATUSES, RETRYABLE_STATUSES, STATUSES } from '../lib/statuses.js';
import { useNow } from '../lib/time.js';
import { type AttemptView, attemptsOf } from './attempts.js';

export function JobDetailView({ id }: { id: string }) {
  const { job, error, isLoading } = useJob(id);
  // Read with the job and shown together, so the children section never pops in and moves the page.
  const children = useJobs({ parentId: id, limit: 50 });
  const childrenSettled = !children.isLoading || children.error !== null || children.jobs.length > 0;
  return (
    <div
      className="view"
      data-testid="job-detail"
      data-job-id={id}
      data-status={job?.status ?? ''}
      data-attempt={job?.attempt ?? ''}
      data-progress={job ? Math.round(job.progress * 100) : ''}
      data-schedule={job?.scheduleName ?? ''}
    >
      <p className="breadcrumb">
        <a href={lastJobsListHref()}>Jobs</a> <span aria-hidden="true">/</span> <span className="mono">{shortId(id)}</span>
      </p>
      {job && childrenSettled ? (
        <JobDetail job={job as JobJson} childJobs={children} />
      ) : error ? (
        <ErrorAlert title="Could not read this job:" error={error} />
      ) : isLoading || job ? (
        <section className="card detail-skeleton" aria-busy="true">
          <span className="skeleton skeleton-title" />
          <span className="skeleton" />
        </section>
      ) : (
        <EmptyState>This job does not exist, or you may not see it.</EmptyState>
      )}
    </div>
  );
}

type ChildJobs = ReturnType<typeof useJobs>;

function JobDetail({ job, childJobs }: { job: JobJson; childJobs: ChildJobs }) {
  const attempts = attemptsOf(job);
  return (
    <>
      <section className="card">
        <div className="detail-head">
          <div className="detail-title">
            <h1 className="page-title">{job.type}</h1>
            <div className="mono muted detail-id">{job.id}</div>
          </div>
          <StatusBadge status={job.status} />
        </div>
        <JobActionsBar job={job} />
        <ProgressBar progress={job.progress} status={job.status} stage={job.stage} current={job.current} total={job.total} />
        {job.status === 'retrying' ? <RetryCallout job={job} /> : null}
        {job.status === 'running' && job.lease ? <LapsedLeaseCallout expiresAt={job.lease.expiresAt} /> : null}
        {job.waitingFor ? <p className="callout">Waiting: {waitingText(job.waitingFor)}</p> : null}
        {job.note ? <p className="callout">{job.note}</p> : null}
        <Facts job={job} />
      </section>

      <section className="card" aria-labelledby="attempts-title" data-testid="attempts">
        <h2 id="attempts-title">Attempts</h2>
        {attempts.length === 0 ? (
          <EmptyState>No attempt yet: the job is due <RelativeTime iso={job.runAt} tense="any" />.</EmptyState>
        ) : (
          <ol className="attempts">
            {attempts.map((attempt) => (
              <Attempt key={`${attempt.attempt}:${attempt.startedAt ?? attempt.finishedAt}`} attempt={attempt} maxAttempts={job.maxAttempts} />
            ))}
          </ol>
        )}
      </section>

      {Object.keys(job.metrics).length > 0 ? (
        <section className="card" aria-labelledby="metrics-title" data-testid="metrics">
          <h2 id="metrics-title">Metrics</h2>
          <dl className="metric-grid">
            {Object.entries(job.metrics).map(([name, value]) => (
              <div key={name} className="metric">
                <dt className="metric-name">{name}</dt>
                <dd className="metric-value num">{formatCount(value)}</dd>
              </div>
            ))}
          </dl>
        </section>
      ) : null}

      <Children childJobs={childJobs} />

      <section className="card" aria-labelledby="data-title">
        <h2 id="data-title">Data</h2>
        <JsonField job={job} field="payload" label="Payload" />
        <JsonField job={job} field="result" label="Result" />
        <JsonField job={job} field="metadata" label="Metadata" />
      </section>
    </>
  );
}

function RetryCallout({ job }: { job: JobJson }) {
  const now = useNow();
  const overdue = Date.parse(job.runAt) <= now;
  return (
    <p className="callout callout-warn" data-testid="retry-due">
      Attempt {job.attempt} of {job.maxAttempts} failed; the next one {overdue ? 'was due' : 'is due'} <RelativeTime iso={job.runAt} tense="any" />
      {overdue ? ' and waits for a worker.' : '.'}
    </p>
  );
}

function waitingText(reason: NonNullable<JobJson['waitingFor']>): string {
  const texts: Record<string, string> = {
    paused: 'its type is paused.',
    maxRunning: 'its type runs as many jobs as it may at once.',
    group: 'its group runs as many jobs as it may at once.',
    rateLimit: "its type's rate limit is reached for now.",
  };
  return texts[String(reason)] ?? String(reason);
}

function JobActionsBar({ job }: { job: JobJson }) {
  const { canAct } = useDashboard();
  const actions = useJobActions();
  const now = useNow();
  if (!canAct) return null;
  const forbidden = actions.error instanceof JobsHttpError && actions.error.status === 403;
  const busy = actions.isPendingFor(job.id);
  const canRetry = RETRYABLE_STATUSES.includes(job.status);
  const canCancel = CANCELLABLE_STATUSES.includes(job.status);
  // \`now\` ticks every 10 s: a job made due just now has runAt = updatedAt, which counts as due too.
  const canRunNow = (job.status === 'queued' || job.status === 'retrying') && Date.parse(job.runAt) > Math.max(now, Date.parse(job.updatedAt));
  return (
    <div className="detail-actions">
      {forbidden ? null : (
        <>
          {canRetry ? (
            <button type="button" className="button" disabled={busy} onClick={() => void actions.retry(job.id)}>
              Retry
            </button>
          ) : null}
          {canRunNow ? (
            <button type="button" className="button" disabled={busy} onClick={() => void actions.runNow(job.id)}>
              Run now
            </button>
          ) : null}
          {canCancel ? (
            <button type="button" className="button button-danger" disabled={busy} onClick={() => void actions.cancel(job.id)}>
              Cancel
            </button>
          ) : null}
        </>
      )}
      {actions.error ? (
        <ErrorAlert error={forbidden ? `You may not act on this job. (${actions.error.message})` : actions.error} />
      ) : null}
    </div>
  );
}

/**
 * A running job whose lease ran out: its worker stopped renewing it (crashed, killed, or stalled).
 * The record still says running until a recovery pass retries or fails it; say so, rather than
 * show it as running well.
 */
function LapsedLeaseCallout({ expiresAt }: { expiresAt: string }) {
  useNow(1_000);
  if (Date.parse(expiresAt) > Date.now()) return null;
  return (
    <p className="callout callout-warn" role="status" data-testid="lease-lapsed">
      Its worker has not renewed its lease since <RelativeTime iso={expiresAt} />: the worker may have stopped. The next recovery pass retries
      this attempt, or fails the job if it has no attempts left.
    </p>
  );
}

function Facts({ job }: { job: JobJson }) {
  // A running job's duration counts up by the second; finished ones never change.
  const now = useNow(job.status === 'running' ? 1_000 : undefined);
  const ended = job.finishedAt ? Date.parse(job.finishedAt) : job.status === 'running' ? now : null;
  const took = job.startedAt && ended !== null ? ended - Date.parse(job.startedAt) : null;
  return (
    <dl className="facts">
      <Fact label="Attempt">
        <span className="num" data-testid="detail-attempt">
          {job.attempt} of {job.maxAttempts}
        </span>
      </Fact>
      <Fact label="Created">
        <RelativeTime iso={job.createdAt} />
      </Fact>
      {job.status === 'queued' || job.status === 'retrying' ? (
        <Fact label="Due">
          <RelativeTime iso={job.runAt} tense="any" />
        </Fact>
      ) : null}
      <Fact label="Started">
        <RelativeTime iso={job.startedAt} />
      </Fact>
      {job.finishedAt ? (
        <Fact label="Finished">
          <RelativeTime iso={job.finishedAt} />
        </Fact>
      ) : null}
      {took !== null ? (
        <Fact label={job.finishedAt ? 'Took' : 'Running for'}>
          <span className="num">{formatDuration(took)}</span>
        </Fact>
      ) : null}
      <Fact label="Updated">
        <RelativeTime iso={job.updatedAt} />
      </Fact>
      <Fact label="Priority">
        <span className="num">{job.priority}</span>
      </Fact>
      <Fact label="Tenant">{job.tenantId ?? '—'}</Fact>
      {job.ownerId ? <Fact label="Owner">{job.ownerId}</Fact> : null}
      {job.group ? (
        <Fact label="Group">
          <a href={jobsHref({ group: job.group })}>{job.group}</a>
        </Fact>
      ) : null}
      {job.key ? (
        <Fact label="Key">
          <a href={jobsHref({ key: job.key })} className="mono">
            {job.key}
          </a>
        </Fact>
      ) : null}
      {job.parentId ? (
        <Fact label="Parent">
          <a href={jobHref(job.parentId)} className="mono">
            {shortId(job.parentId)}
          </a>
        </Fact>
      ) : null}
      {job.scheduleName ? (
        <Fact label="Schedule">
          <a href={jobsHref({ scheduleName: job.scheduleName })}>{job.scheduleName}</a>
          {job.scheduledFor ? (
            <span className="muted">
              {' '}
              · tick <RelativeTime iso={job.scheduledFor} />
            </span>
          ) : null}
        </Fact>
      ) : null}
      {job.trace ? (
        <Fact label="Trace">
          <span className="mono break">{job.trace}</span>
        </Fact>
      ) : null}
    </dl>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

const OUTCOME_TONE: Record<AttemptView['outcome'], string> = {
  completed: 'ok',
  failed: 'danger',
  retrying: 'warn',
  skipped: 'neutral',
  cancelled: 'neutral',
  released: 'neutral',
  lease_expired: 'warn',
  running: 'info',
  pending: 'neutral',
};

const OUTCOME_TEXT: Record<AttemptView['outcome'], string> = {
  completed: 'completed',
  failed: 'failed',
  retrying: 'failed, retried',
  skipped: 'skipped',
  cancelled: 'cancelled',
  released: 'released',
  lease_expired: 'lease expired',
  running: 'running',
  pending: 'waiting',
};

function Attempt({ attempt, maxAttempts }: { attempt: AttemptView; maxAttempts: number }) {
  const took = attempt.startedAt && attempt.finishedAt ? Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt) : null;
  return (
    <li className={`attempt attempt-${OUTCOME_TONE[attempt.outcome]}`} data-testid="attempt" data-attempt={attempt.attempt} data-outcome={attempt.outcome}>
      <div className="attempt-head">
        <strong>
          Attempt {attempt.attempt}
          <span className="muted"> of {maxAttempts}</span>
        </strong>
        <span className={`tag tag-${OUTCOME_TONE[attempt.outcome]}`}>{OUTCOME_TEXT[attempt.outcome]}</span>
      </div>
      <div className="attempt-times">
        <span>
          Started <RelativeTime iso={attempt.startedAt} />
        </span>
        <span>
          Ended <RelativeTime iso={attempt.finishedAt} empty={attempt.outcome === 'running' ? 'not yet' : '—'} />
        </span>
        {took !== null ? <span className="num">took {formatDuration(took)}</span> : null}
      </div>
      {attempt.error ? (
        <div className="attempt-error" data-testid="attempt-error" data-code={attempt.error.code ?? ''} data-retryable={attempt.error.retryable}>
          {attempt.error.code ? <span className="mono error-code">{attempt.error.code}</span> : null}
          <span>{attempt.error.message}</span>
          <span className={`tag ${attempt.error.retryable ? 'tag-warn' : 'tag-danger'}`}>{attempt.error.retryable ? 'retryable' : 'fatal'}</span>
        </div>
      ) : null}
      {attempt.retriedAt ? (
        <div className="muted attempt-retried">
          Retried by hand <RelativeTime iso={attempt.retriedAt} />
        </div>
      ) : null}
    </li>
  );
}

function Children({ childJobs }: { childJobs: ChildJobs }) {
  const { jobs, nextCursor, error } = childJobs;
  if (!error && jobs.length === 0) return null;
  const counts = new Map<JobStatus, number>();
  for (const child of jobs) counts.set(child.status, (counts.get(child.status) ?? 0) + 1);
  return (
    <section className="card" aria-labelledby="children-title" data-testid="children">
      <h2 id="children-title">Children</h2>
      {error ? <ErrorAlert title="Could not read the children:" error={error} /> : null}
      {jobs.length > 0 ? (
        <p className="rollup">
          <span className="num">
            {formatCount(jobs.length)}
            {nextCursor ? '+' : ''} children:
          </span>
          {STATUSES.filter((status) => counts.get(status)).map((status) => (
            <span key={status} className="rollup-item">
              <StatusBadge status={status} /> <span className="num">{formatCount(counts.get(status) ?? 0)}</span>
            </span>
          ))}
        </p>
      ) : null}
      <ul className="children">
        {jobs.map((child) => (
          <li key={child.id}>
            <a href={jobHref(child.id)} className="child" data-testid="child" data-job-id={child.id} data-status={child.status}>
              <StatusBadge status={child.status} />
              <span className="cell-type" title={child.type}>{child.type}</span>
              <span className="mono muted">{shortId(child.id)}</span>
              <span className="child-time muted">
                <RelativeTime iso={child.updatedAt} />
              </span>
            </a>
          </li>
        ))}
      </ul>
      {nextCursor ? (
        <p className="muted">Showing the newest 50 children; the rollup counts those.</p>
      ) : null}
    </section>
  );
}

function JsonField({ job, field, label }: { job: JobJson; field: 'payload' | 'result' | 'metadata'; label: string }) {
  const tooLarge = job.tooLarge?.[field];
  const present = field in job && job[field] !== undefined;
  let body: React.ReactNode;
  if (present) {
    const value = job[field];
    body =
      field === 'result' && value === null ? (
        <p className="muted">{job.status === 'completed' ? 'No result (null).' : 'No result yet.'}</p>
      ) : field === 'metadata' && value !== null && typeof value === 'object' && Object.keys(value).length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <pre className="json">{formatJson(value)}</pre>
      );
  } else if (tooLarge !== undefined) {
    body = <p className="note">Too large to show ({formatBytes(tooLarge)}; the server sends at most its maxExposedBytes).</p>;
  } else {
    body = <p className="note">Not exposed: the server does not send this job's {field} to you.</p>;
  }
  return (
    <div className="json-field" data-testid={field}>
      <h3>{label}</h3>
      {body}
    </div>
  );
}
