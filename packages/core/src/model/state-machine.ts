import type { JobStatus } from './job-status.js';

/**
 * Every legal transition. Recovery of an expired lease is running → retrying | failed, and a
 * graceful shutdown hands a job back as running → queued without consuming an attempt.
 */
const TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['running', 'cancelled'],
  running: ['retrying', 'completed', 'failed', 'skipped', 'cancelled', 'queued'],
  retrying: ['running', 'cancelled'],
  completed: [],
  failed: ['queued'],
  skipped: [],
  cancelled: ['queued'],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return Object.hasOwn(TRANSITIONS, from) && TRANSITIONS[from].includes(to);
}

export function allowedTransitions(from: JobStatus): readonly JobStatus[] {
  return Object.hasOwn(TRANSITIONS, from) ? TRANSITIONS[from] : [];
}

/** Statuses from which a job may move to `to`. */
export function sourcesOf(to: JobStatus): JobStatus[] {
  return (Object.keys(TRANSITIONS) as JobStatus[]).filter((from) => TRANSITIONS[from].includes(to));
}
