import { isJobStatus, isUuid, JobValidationError, refusePartialJob, type Expectation, type Job, type JobLease, type JobPatch, type JobStatus, type ProgressPatch } from '@jobtrail/core';

/**
 * Input checks. Beyond the port's rules they have one MongoDB-specific job: a value that reaches a
 * filter must be the scalar it claims to be, because an object there (`{ $ne: null }`) would be
 * read as an operator and match what the caller never meant.
 */

export function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

export function requireDate(field: string, value: unknown): Date {
  if (!isValidDate(value)) throw new JobValidationError(field, 'must be a valid Date.');
  return value;
}

export function requireCount(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new JobValidationError(field, `must be a non-negative integer; got ${String(value)}.`);
  }
  return value;
}

export function requireFinite(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new JobValidationError(field, `must be a finite number; got ${String(value)}.`);
  }
  return value;
}

export function requireOwner(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new JobValidationError(field, 'must be a non-empty string.');
  return value;
}

export function requireStatus(field: string, value: unknown): JobStatus {
  if (!isJobStatus(value)) throw new JobValidationError(field, `must be a canonical status; got ${JSON.stringify(value)}.`);
  return value;
}

function optionalString(field: string, value: unknown): void {
  if (value != null && typeof value !== 'string') throw new JobValidationError(field, `must be a string or null; got ${typeof value}.`);
}

function optionalFinite(field: string, value: unknown): void {
  if (value != null) requireFinite(field, value);
}

function optionalDate(field: string, value: unknown): void {
  if (value != null) requireDate(field, value);
}

function requireObject(field: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new JobValidationError(field, 'must be an object.');
  return value as Record<string, unknown>;
}

/** Metrics: an object of finite numbers (a patch's, or one history entry's). */
export function validateMetrics(field: string, metrics: unknown): void {
  const object = requireObject(field, metrics);
  for (const [name, value] of Object.entries(object)) requireFinite(`${field}.${name}`, value);
}

function validateError(field: string, value: unknown): void {
  const error = requireObject(field, value);
  if (typeof error['message'] !== 'string') throw new JobValidationError(`${field}.message`, 'must be a string.');
  optionalString(`${field}.code`, error['code']);
  optionalString(`${field}.name`, error['name']);
  if (typeof error['retryable'] !== 'boolean') throw new JobValidationError(`${field}.retryable`, 'must be a boolean.');
  requireCount(`${field}.attempt`, error['attempt']);
  requireDate(`${field}.at`, error['at']);
  optionalString(`${field}.stack`, error['stack']);
}

/** A history: a list of attempt and retry entries with real Dates and finite numbers. */
export function validateHistory(field: string, history: unknown): void {
  if (!Array.isArray(history)) throw new JobValidationError(field, 'must be a list of history entries.');
  history.forEach((value, index) => {
    const name = `${field}[${index}]`;
    const entry = requireObject(name, value);
    if (entry['kind'] === 'retry') {
      requireDate(`${name}.at`, entry['at']);
      requireCount(`${name}.afterAttempt`, entry['afterAttempt']);
      return;
    }
    if (entry['kind'] !== 'attempt') throw new JobValidationError(`${name}.kind`, `must be 'attempt' or 'retry'; got ${JSON.stringify(entry['kind'])}.`);
    requireCount(`${name}.attempt`, entry['attempt']);
    optionalString(`${name}.owner`, entry['owner']);
    optionalDate(`${name}.startedAt`, entry['startedAt']);
    requireDate(`${name}.finishedAt`, entry['finishedAt']);
    if (typeof entry['outcome'] !== 'string' || entry['outcome'] === '') throw new JobValidationError(`${name}.outcome`, 'must be a non-empty string.');
    if (entry['error'] != null) validateError(`${name}.error`, entry['error']);
    requireFinite(`${name}.progress`, entry['progress']);
    optionalString(`${name}.stage`, entry['stage']);
    validateMetrics(`${name}.metrics`, entry['metrics']);
  });
}

/**
 * The fences of a progress or metrics write: absent or null means no check. Both reach a filter,
 * so anything but the scalar they claim to be (an operator object) is refused.
 */
export function validateFence(owner: unknown, attempt: unknown): void {
  if (owner != null && typeof owner !== 'string') throw new JobValidationError('owner', 'must be a string or null.');
  if (attempt != null) requireCount('attempt', attempt);
}

function optionalLease(lease: JobLease | null | undefined): void {
  if (lease == null) return;
  requireOwner('lease.owner', lease.owner);
  requireDate('lease.expiresAt', lease.expiresAt);
}

/** Guards against records no database should hold, and against keys that would slip past dedupe. */
export function validateJob(job: Job): void {
  if (job === null || typeof job !== 'object') throw new JobValidationError('job', 'must be a job record.');
  if (!isUuid(job.id)) throw new JobValidationError('id', `must be a lowercase UUID (use uuidv7()); got ${String(job.id)}.`);
  refusePartialJob(job);
  if (typeof job.type !== 'string' || job.type === '') throw new JobValidationError('type', 'must be a non-empty string.');
  requireStatus('status', job.status);
  // A non-string key would fall outside the partial unique index ({ key: { $type: 'string' } })
  // and silently skip dedupe.
  optionalString('key', job.key);
  optionalString('parentId', job.parentId);
  optionalString('tenantId', job.tenantId);
  optionalString('ownerId', job.ownerId);
  requireCount('attempt', job.attempt);
  requireCount('maxAttempts', job.maxAttempts);
  requireFinite('priority', job.priority);
  requireFinite('progress', job.progress);
  requireDate('runAt', job.runAt);
  requireDate('createdAt', job.createdAt);
  requireDate('updatedAt', job.updatedAt);
  optionalDate('startedAt', job.startedAt);
  optionalDate('finishedAt', job.finishedAt);
  optionalLease(job.lease);
  if (job.metrics != null) {
    for (const [name, value] of Object.entries(job.metrics)) requireFinite(`metrics.${name}`, value);
  }
  if (job.history != null) validateHistory('history', job.history);
}

export function validatePatch(patch: JobPatch): void {
  if (patch === null || typeof patch !== 'object') throw new JobValidationError('patch', 'must be an object.');
  if (patch.status !== undefined) requireStatus('status', patch.status);
  requireDate('updatedAt', patch.updatedAt);
  if (patch.attempt !== undefined) requireCount('attempt', patch.attempt);
  if (patch.maxAttempts !== undefined) requireCount('maxAttempts', patch.maxAttempts);
  if (patch.runAt !== undefined) requireDate('runAt', patch.runAt);
  optionalLease(patch.lease);
  if (patch.progress !== undefined) requireFinite('progress', patch.progress);
  optionalString('stage', patch.stage);
  optionalString('note', patch.note);
  optionalFinite('current', patch.current);
  optionalFinite('total', patch.total);
  optionalDate('startedAt', patch.startedAt);
  optionalDate('finishedAt', patch.finishedAt);
  if (patch.history !== undefined) validateHistory('history', patch.history);
  if (patch.metrics !== undefined) validateMetrics('metrics', patch.metrics);
}

export function validateExpectation(expected: Expectation): void {
  if (expected === null || typeof expected !== 'object') throw new JobValidationError('expected', 'must be an object.');
  const status = expected.status;
  if (status !== undefined) {
    if (Array.isArray(status)) status.forEach((value, index) => {
        requireStatus(`expected.status[${index}]`, value);
      });
    else requireStatus('expected.status', status);
  }
  if (expected.leaseOwner !== undefined && expected.leaseOwner !== null && typeof expected.leaseOwner !== 'string') {
    throw new JobValidationError('expected.leaseOwner', 'must be a string, or null for "no lease".');
  }
  if (expected.attempt !== undefined) requireCount('expected.attempt', expected.attempt);
  if (expected.leaseExpiresBefore !== undefined) requireDate('expected.leaseExpiresBefore', expected.leaseExpiresBefore);
}

export function validateProgressPatch(patch: ProgressPatch): void {
  if (patch === null || typeof patch !== 'object') throw new JobValidationError('patch', 'must be an object.');
  requireDate('updatedAt', patch.updatedAt);
  if (patch.progress !== undefined) requireFinite('progress', patch.progress);
  optionalString('stage', patch.stage);
  optionalFinite('current', patch.current);
  optionalFinite('total', patch.total);
}

export function validateDeltas(deltas: Readonly<Record<string, number>>): string[] {
  if (deltas === null || typeof deltas !== 'object' || Array.isArray(deltas)) {
    throw new JobValidationError('deltas', 'must be an object of numbers.');
  }
  const names = Object.keys(deltas);
  for (const name of names) requireFinite(`deltas.${name}`, deltas[name]);
  return names;
}

/** Distinct string ids, in first-seen order; anything else is refused. */
export function requireIds(field: string, ids: readonly string[]): string[] {
  if (!Array.isArray(ids)) throw new JobValidationError(field, 'must be an array of job ids.');
  const seen = new Set<string>();
  for (const id of ids) {
    if (typeof id !== 'string') throw new JobValidationError(field, `must hold job ids (strings); got ${typeof id}.`);
    seen.add(id);
  }
  return [...seen];
}
