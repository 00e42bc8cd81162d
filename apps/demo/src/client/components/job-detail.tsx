import { isTerminal, type JobErrorJson } from '@jobtrail/core/client';
import { useJob, useJobActions, useJobs, type JobJson } from '@jobtrail/react';
import { JOB_TYPES } from '../../shared/workflows.js';
import { clock, dueIn, duration, number, shortId, traceIdOf, typeLabel } from '../format.js';
import { useNow } from '../use-now.js';
import { ProgressBar } from './progress-bar.js';
import { StatusBadge } from './status-badge.js';

const RETRYABLE = new Set(['failed', 'cancelled']);

/** Everything about one job: live progress, timeline, attempts, errors, metrics, result. */
export function JobDetail({ jobId, onSelect }: { jobId: string | null; onSelect: (id: string) => void }) {
  const { job, error, isLoading } = useJob(jobId, { intervalMs: 500 });
  const actions = useJobActions();
  const now = useNow();

  if (!jobId || !job) {
    return (
      <section className="card detail" data-testid="job-detail" data-status="">
        <div className="card-head">
          <h2>Job detail</h2>
        </div>
        <p className={error ? 'error-text' : 'empty'}>
          {!jobId
            ? 'Start a workflow or pick a job to see its timeline, attempts and result.'
            : error
              ? error.message
              : isLoading
                ? 'Loading…'
                : 'Not found.'}
        </p>
      </section>
    );
  }

  const busy = actions.isPendingFor(job.id);
  return (
    <section className="card detail" data-testid="job-detail" data-job-id={job.id} data-status={job.status}>
      <div className="detail-head">
        <div>
          <h2>{typeLabel(job.type)}</h2>
          <div className="mono muted" title={job.id}>
            {job.type} · {shortId(job.id)}
          </div>
        </div>
        <StatusBadge status={job.status} />
      </div>

      <ProgressBar progress={job.progress} status={job.status} stage={job.stage} current={job.current} total={job.total} />

      {job.status === 'retrying' ? (
        <p className="callout callout-warn" data-testid="retry-due">
          Attempt {job.attempt} of {job.maxAttempts} failed. Next attempt {dueIn(job.runAt, now)} ({clock(job.runAt)}).
        </p>
      ) : null}
      {job.note ? <p className="callout">{job.note}</p> : null}

      <div className="detail-actions">
        <button type="button" data-testid="retry-job" disabled={!RETRYABLE.has(job.status) || busy} onClick={() => void actions.retry(job.id)}>
          Retry
        </button>
        <button
          type="button"
          className="danger"
          data-testid="cancel-job"
          disabled={isTerminal(job.status) || busy}
          onClick={() => void actions.cancel(job.id)}
        >
          Cancel
        </button>
        {actions.error ? <span className="error-text">{actions.error.message}</span> : null}
      </div>

      <dl className="facts">
        <dt>Tenant</dt>
        <dd>{job.tenantId ?? '—'}</dd>
        <dt>Attempt</dt>
        <dd data-testid="detail-attempt">
          {job.attempt} of {job.maxAttempts}
        </dd>
        {job.scheduleName ? (
          <>
            <dt>Schedule</dt>
            <dd data-testid="detail-schedule">
              {job.scheduleName}
              {job.scheduledFor ? <span className="muted"> · tick {clock(job.scheduledFor)}</span> : null}
            </dd>
          </>
        ) : null}
        <dt>Created</dt>
        <dd>{clock(job.createdAt)}</dd>
        <dt>{job.finishedAt ? 'Took' : 'Elapsed'}</dt>
        <dd data-testid="detail-took" title="This attempt, from its start">
          {job.startedAt ? duration((job.finishedAt ? Date.parse(job.finishedAt) : now) - Date.parse(job.startedAt)) : '—'}
        </dd>
        {job.trace ? (
          <>
            <dt>Trace</dt>
            <dd className="mono" title={job.trace}>
              {traceIdOf(job.trace)?.slice(0, 16).concat('…') ?? 'not W3C'}
            </dd>
          </>
        ) : null}
      </dl>

      <h3>Timeline</h3>
      <ol className="timeline" data-testid="timeline">
        {timeline(job).map((event, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the timeline is derived from the job on every render and only grows at its end; entries have no identity of their own
          <li key={index} className={`timeline-${event.tone}`}>
            <span className="timeline-time mono">{clock(event.at)}</span>
            <span className="timeline-text">{event.text}</span>
          </li>
        ))}
      </ol>

      {attemptErrors(job).length > 0 ? (
        <>
          <h3>Errors</h3>
          <ul className="errors" data-testid="errors">
            {attemptErrors(job).map((item) => (
              <li key={`${item.attempt}:${item.at}`}>
                <span className="error-attempt">Attempt {item.attempt}</span>
                <span className="mono">{item.code ?? item.name ?? 'error'}</span>
                <span>{item.message}</span>
                <span className={`tag ${item.retryable ? 'tag-warn' : 'tag-danger'}`}>{item.retryable ? 'retryable' : 'fatal'}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {Object.keys(job.metrics).length > 0 ? (
        <>
          <h3>Metrics</h3>
          <div className="metric-grid" data-testid="metrics">
            {Object.entries(job.metrics).map(([name, value]) => (
              <div key={name} className="metric">
                <span className="metric-value">{number(value)}</span>
                <span className="metric-name">{name}</span>
              </div>
            ))}
          </div>
        </>
      ) : null}

      {job.type === JOB_TYPES.leadScoringRun ? <Children parentId={job.id} onSelect={onSelect} /> : null}

      {job.result != null ? (
        <>
          <h3>Result</h3>
          <pre className="json" data-testid="result">
            {JSON.stringify(job.result, null, 2)}
          </pre>
        </>
      ) : null}
      {job.metadata && Object.keys(job.metadata).length > 0 ? (
        <>
          <h3>Metadata</h3>
          <pre className="json">{JSON.stringify(job.metadata, null, 2)}</pre>
        </>
      ) : null}
    </section>
  );
}

function Children({ parentId, onSelect }: { parentId: string; onSelect: (id: string) => void }) {
  const { jobs } = useJobs({ parentId, limit: 50 }, { intervalMs: 1_000 });
  return (
    <>
      <h3>Children</h3>
      <ul className="children" data-testid="children">
        {jobs.map((child) => (
          <li key={child.id}>
            <button type="button" onClick={() => onSelect(child.id)}>
              <span>{String((child.metadata as { client?: unknown } | undefined)?.client ?? shortId(child.id))}</span>
              <span className="mono muted">{child.metrics['leadsProcessed'] ?? 0} leads</span>
              <StatusBadge status={child.status} />
            </button>
          </li>
        ))}
        {jobs.length === 0 ? <li className="empty">No children yet.</li> : null}
      </ul>
    </>
  );
}

interface TimelineEvent {
  at: string;
  text: string;
  tone: 'neutral' | 'ok' | 'warn' | 'danger';
}

/** Errors of every attempt, oldest first (the last attempt's error is also in `error`). */
function attemptErrors(job: JobJson): JobErrorJson[] {
  const all = [...job.errors, ...(job.error ? [job.error] : [])];
  const seen = new Set<string>();
  return all.filter((item) => {
    const key = `${item.attempt}:${item.at}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function timeline(job: JobJson): TimelineEvent[] {
  const events: TimelineEvent[] = [{ at: job.createdAt, text: 'Queued', tone: 'neutral' }];
  // Earlier attempts and manual retries come from the history; the latest attempt is the job itself.
  for (const entry of job.history) {
    if (entry.kind === 'retry') {
      events.push({ at: entry.at, text: `Retried by hand after attempt ${entry.afterAttempt}`, tone: 'neutral' });
      continue;
    }
    if (entry.startedAt) events.push({ at: entry.startedAt, text: `Attempt ${entry.attempt} started`, tone: 'neutral' });
    events.push({ at: entry.finishedAt, text: `Attempt ${entry.attempt} ${attemptEnd(entry)}`, tone: entry.outcome === 'cancelled' || entry.outcome === 'released' ? 'warn' : entry.error?.retryable === false ? 'danger' : 'warn' });
  }
  const last = job.history.at(-1);
  const latestInHistory = last?.kind === 'attempt' && last.attempt === job.attempt;
  if (job.startedAt && !latestInHistory) events.push({ at: job.startedAt, text: `Attempt ${job.attempt} started`, tone: 'neutral' });
  if (job.status === 'retrying') events.push({ at: job.runAt, text: `Attempt ${job.attempt + 1} due`, tone: 'warn' });
  if (job.finishedAt && !latestInHistory) {
    const tone = job.status === 'completed' || job.status === 'skipped' ? 'ok' : job.status === 'cancelled' ? 'warn' : 'danger';
    const why = job.status === 'failed' && job.error ? `: ${job.error.code === 'lease_expired' ? 'lost its worker (lease expired)' : job.error.message}` : '';
    events.push({ at: job.finishedAt, text: `Finished: ${job.status}${why}`, tone });
  }
  return events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

function attemptEnd(entry: Extract<JobJson['history'][number], { kind: 'attempt' }>): string {
  const took = entry.startedAt ? ` after ${duration(Date.parse(entry.finishedAt) - Date.parse(entry.startedAt))}` : '';
  switch (entry.outcome) {
    case 'lease_expired':
      return `lost its worker (lease expired)${took}`;
    case 'released':
      return `handed back at shutdown${took}`;
    case 'cancelled':
      return `cancelled${took}`;
    default:
      return `failed${took}: ${entry.error?.message ?? 'unknown error'}${entry.outcome === 'retrying' ? ' — will retry' : ''}`;
  }
}
