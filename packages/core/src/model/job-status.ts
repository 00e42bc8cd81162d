/** Every status a stored job can have. Nothing else is ever written to a store. */
export const JOB_STATUSES = [
  'queued',
  'running',
  'retrying',
  'completed',
  'failed',
  'skipped',
  'cancelled',
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses after which a job never changes again, apart from a manual retry or pruning. */
export const TERMINAL_STATUSES = ['completed', 'failed', 'skipped', 'cancelled'] as const;

export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** Statuses a job has while it still has work ahead of it. */
export const ACTIVE_STATUSES = ['queued', 'running', 'retrying'] as const;

export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];

const terminal = new Set<string>(TERMINAL_STATUSES);
const known = new Set<string>(JOB_STATUSES);

export function isTerminal(status: JobStatus): status is TerminalStatus {
  return terminal.has(status);
}

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && known.has(value);
}
