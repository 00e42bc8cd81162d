import type { JobErrorJson, JobJson } from '@jobtrail/core/client';

export type AttemptOutcome = 'completed' | 'failed' | 'retrying' | 'skipped' | 'cancelled' | 'released' | 'lease_expired' | 'running' | 'pending';

export interface AttemptView {
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  outcome: AttemptOutcome;
  error: JobErrorJson | null;
  /** A manual retry came after this attempt, at this time. */
  retriedAt: string | null;
}

/**
 * Every attempt of a job, oldest first: ended attempts from `history`, the latest one from the job
 * itself when it is not in the history yet, errors filled in from `errors`/`error` when the
 * history entry has none (an older store, or history trimmed by `maxHistory`).
 */
export function attemptsOf(job: JobJson): AttemptView[] {
  const errorsByAttempt = new Map<number, JobErrorJson>();
  for (const error of [...job.errors, ...(job.error ? [job.error] : [])]) errorsByAttempt.set(error.attempt, error);

  const attempts: AttemptView[] = [];
  for (const entry of job.history) {
    if (entry.kind === 'retry') {
      const previous = [...attempts].reverse().find((item) => item.attempt === entry.afterAttempt);
      if (previous) previous.retriedAt = entry.at;
      continue;
    }
    attempts.push({
      attempt: entry.attempt,
      startedAt: entry.startedAt,
      finishedAt: entry.finishedAt,
      outcome: entry.outcome,
      error: entry.error ?? errorsByAttempt.get(entry.attempt) ?? null,
      retriedAt: null,
    });
  }

  const last = attempts.at(-1);
  const latestRecorded = last !== undefined && last.attempt === job.attempt && last.startedAt === job.startedAt;
  // Only a started attempt is one: a job queued again by a manual retry keeps its attempt number
  // until the next start, and that attempt is already in the history.
  if (!latestRecorded && job.startedAt) {
    attempts.push({
      attempt: job.attempt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      outcome: currentOutcome(job),
      error: job.status === 'failed' || job.status === 'retrying' ? (job.error ?? errorsByAttempt.get(job.attempt) ?? null) : null,
      retriedAt: null,
    });
  }

  // Attempts only known from their error (history trimmed or not kept by the store).
  for (const [attempt, error] of errorsByAttempt) {
    if (!attempts.some((item) => item.attempt === attempt)) {
      attempts.push({ attempt, startedAt: null, finishedAt: error.at, outcome: error.retryable ? 'retrying' : 'failed', error, retriedAt: null });
    }
  }
  return attempts.sort((a, b) => a.attempt - b.attempt || (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
}

function currentOutcome(job: JobJson): AttemptOutcome {
  switch (job.status) {
    case 'running':
      return 'running';
    case 'queued':
      return 'pending';
    default:
      return job.status;
  }
}
