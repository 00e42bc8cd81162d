import type { JobAttemptEntry, JobAttemptOutcome, Job, JobError, JobHistoryEntry } from '../model/job.js';
import type { JobPatch } from '../store/job-store.js';

/** Default bound of `job.history`. */
export const DEFAULT_MAX_HISTORY = 50;

/**
 * The record of an attempt that just ended, from the attempt's own snapshot of the job (which
 * carries the attempt's latest progress, stage and metrics).
 */
export function attemptEntry(job: Readonly<Job>, outcome: JobAttemptOutcome, finishedAt: Date, error: JobError | null): JobAttemptEntry {
  return {
    kind: 'attempt',
    attempt: job.attempt,
    owner: job.lease?.owner ?? null,
    startedAt: job.startedAt,
    finishedAt,
    outcome,
    error,
    progress: job.progress,
    stage: job.stage,
    metrics: { ...job.metrics },
  };
}

/** Keeps the newest `max` entries. */
export function appendHistory(history: readonly JobHistoryEntry[] | undefined, entry: JobHistoryEntry, max: number): JobHistoryEntry[] {
  const next = [...(history ?? []), entry];
  return next.length > max ? next.slice(next.length - max) : next;
}

/**
 * What a job that will run again starts from: no progress, no stage, no counts and no metrics
 * (metrics are per attempt, so that a retried attempt never counts the same work twice; each
 * earlier attempt's counts stay in its history entry).
 */
export function freshAttemptFields(): Pick<JobPatch, 'progress' | 'stage' | 'current' | 'total' | 'metrics'> {
  return { progress: 0, stage: null, current: null, total: null, metrics: {} };
}

/**
 * How many attempts the job's current run was given: its `maxAttempts`, less the attempts of runs
 * before the last manual retry and the releases (shutdowns) that were granted back since. A
 * manual retry gives the job the same number again, so a job created with `maxAttempts: 1` stays
 * a one-attempt job however often it is retried.
 */
export function runBudget(job: Pick<Job, 'maxAttempts' | 'history'>): number {
  let before = 0;
  let released = 0;
  const history = job.history ?? [];
  for (let i = history.length - 1; i >= 0; i--) {
    const entry = history[i]!;
    if (entry.kind === 'retry') {
      before = entry.afterAttempt;
      break;
    }
    if (entry.outcome === 'released') released++;
  }
  return Math.max(1, job.maxAttempts - before - released);
}
