import type { Job, JobError, JobHistoryEntry } from '../model/job.js';
import type { CallerScope, ExposeOptions, ExposeRule } from './jobs-handler-options.js';
import type { JobErrorJson, JobHistoryEntryJson, JobJson } from './wire-types.js';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

function allowed(rule: ExposeRule | undefined, fallback: boolean, job: Job, scope: CallerScope): boolean {
  if (rule === undefined) return fallback;
  return typeof rule === 'function' ? rule(job, scope) === true : rule === true;
}

function errorJson(error: JobError): JobErrorJson {
  // Listed field by field so a stack (or anything a store adds later) never leaves the server.
  return {
    message: error.message,
    code: error.code,
    name: error.name,
    retryable: error.retryable,
    attempt: error.attempt,
    at: error.at.toISOString(),
  };
}

function historyJson(entry: JobHistoryEntry, errors: boolean): JobHistoryEntryJson {
  if (entry.kind === 'retry') return { kind: 'retry', at: entry.at.toISOString(), afterAttempt: entry.afterAttempt };
  return {
    kind: 'attempt',
    attempt: entry.attempt,
    startedAt: iso(entry.startedAt),
    finishedAt: entry.finishedAt.toISOString(),
    outcome: entry.outcome,
    error: errors && entry.error ? errorJson(entry.error) : null,
    progress: entry.progress,
    stage: entry.stage,
    metrics: entry.metrics,
  };
}

/** The wire form of a job for this caller: ISO dates, no lease owner, no stacks, only exposed data. */
export function toJobJson(job: Job, scope: CallerScope, expose: ExposeOptions = {}): JobJson {
  const errors = allowed(expose.errors, true, job, scope);
  const out: JobJson = {
    id: job.id,
    type: job.type,
    key: job.key,
    parentId: job.parentId,
    tenantId: job.tenantId,
    ownerId: job.ownerId,
    status: job.status,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    runAt: job.runAt.toISOString(),
    lease: job.lease ? { expiresAt: job.lease.expiresAt.toISOString() } : null,
    progress: job.progress,
    stage: job.stage,
    current: job.current,
    total: job.total,
    metrics: job.metrics,
    note: job.note,
    error: errors && job.error ? errorJson(job.error) : null,
    errors: errors ? job.errors.map(errorJson) : [],
    history: (job.history ?? []).map((entry) => historyJson(entry, errors)),
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    updatedAt: job.updatedAt.toISOString(),
    trace: job.trace,
  };
  if (allowed(expose.payload, false, job, scope)) out.payload = job.payload;
  if (allowed(expose.result, false, job, scope)) out.result = job.result;
  if (allowed(expose.metadata, true, job, scope)) out.metadata = job.metadata;
  return out;
}
