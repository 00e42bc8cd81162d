import { JobValidationError, isJobStatus, isUuid, type JobAttemptEntry, type JobError, type JobHistoryEntry, type JobRetryEntry, type JobStatus } from '@jobtrail/core';

/**
 * Input checks that run before any SQL, so bad input surfaces as `JobValidationError`
 * (`invalid_input`) naming the field, never as a PostgreSQL error to decode.
 */

const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;
/**
 * Indexed text (type, key, tenant, owner, lease owner) is bounded: a btree entry holds at most
 * ~2.7 kB. The dedupe index holds type, key, tenant and owner together, so a keyed job near all
 * four limits can still exceed it: PostgreSQL then refuses it (54000, mapped to `invalid_input`).
 */
export const MAX_INDEXED_TEXT_BYTES = 1000;
/**
 * Dates travel inside JSON as ISO strings, and PostgreSQL does not read the ISO forms of years
 * before 1 or after 9999 (`+275760-…`, `-000001-…`), so those are refused up front.
 */
const MIN_TIME = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}

export function requireDate(field: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new JobValidationError(field, `must be a valid Date; got ${show(value)}.`);
  }
  if (value.getTime() < MIN_TIME || value.getTime() > MAX_TIME) {
    throw new JobValidationError(field, `must be between the years 1 and 9999; got ${show(value)}.`);
  }
  return value;
}

export function optionalDate(field: string, value: unknown): Date | null {
  return value == null ? null : requireDate(field, value);
}

export function requireInt(field: string, value: unknown, min = INT4_MIN, max = INT4_MAX): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new JobValidationError(field, `must be an integer from ${min} to ${max}; got ${show(value)}.`);
  }
  return value;
}

export function requireFinite(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new JobValidationError(field, `must be a finite number; got ${show(value)}.`);
  }
  return value;
}

export function optionalFinite(field: string, value: unknown): number | null {
  return value == null ? null : requireFinite(field, value);
}

export function requireText(field: string, value: unknown, maxBytes?: number): string {
  if (typeof value !== 'string' || value === '') throw new JobValidationError(field, `must be a non-empty string; got ${show(value)}.`);
  checkBytes(field, value, maxBytes);
  return value;
}

export function optionalText(field: string, value: unknown, maxBytes?: number): string | null {
  if (value == null) return null;
  if (typeof value !== 'string') throw new JobValidationError(field, `must be a string or null; got ${show(value)}.`);
  checkBytes(field, value, maxBytes);
  return value;
}

function checkBytes(field: string, value: string, maxBytes: number | undefined): void {
  if (maxBytes !== undefined && value.length * 3 > maxBytes && Buffer.byteLength(value) > maxBytes) {
    throw new JobValidationError(field, `must be at most ${maxBytes} bytes (it is indexed); got ${Buffer.byteLength(value)}.`);
  }
}

export function optionalUuid(field: string, value: unknown): string | null {
  if (value == null) return null;
  if (!isUuid(value)) throw new JobValidationError(field, `must be a job id (a lowercase UUID); got ${show(value)}.`);
  return value;
}

export function requireStatus(field: string, value: unknown): JobStatus {
  if (!isJobStatus(value)) throw new JobValidationError(field, `must be a canonical status; got ${show(value)}.`);
  return value;
}

export function requireStatusList(field: string, value: unknown): JobStatus[] {
  if (!Array.isArray(value)) throw new JobValidationError(field, 'must be a list of statuses.');
  return value.map((status, index) => requireStatus(`${field}[${index}]`, status));
}

export function requireTextList(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new JobValidationError(field, 'must be a list of strings.');
  for (const [index, item] of value.entries()) {
    if (typeof item !== 'string') throw new JobValidationError(`${field}[${index}]`, `must be a string; got ${show(item)}.`);
  }
  return value as string[];
}

export function requirePlainObject(field: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new JobValidationError(field, `must be an object; got ${show(value)}.`);
  }
  return value as Record<string, unknown>;
}

export function requireMetrics(field: string, value: unknown): Record<string, number> {
  const metrics = requirePlainObject(field, value);
  for (const [name, number] of Object.entries(metrics)) requireFinite(`${field}.${name}`, number);
  return metrics as Record<string, number>;
}

export function requireJobError(field: string, value: unknown): JobError {
  const error = requirePlainObject(field, value) as Partial<JobError>;
  if (typeof error.message !== 'string') throw new JobValidationError(`${field}.message`, 'must be a string.');
  optionalText(`${field}.code`, error.code);
  optionalText(`${field}.name`, error.name);
  if (typeof error.retryable !== 'boolean') throw new JobValidationError(`${field}.retryable`, 'must be a boolean.');
  requireInt(`${field}.attempt`, error.attempt, 0);
  requireDate(`${field}.at`, error.at);
  optionalText(`${field}.stack`, error.stack);
  return error as JobError;
}

export function optionalJobError(field: string, value: unknown): JobError | null {
  return value == null ? null : requireJobError(field, value);
}

export function requireJobErrors(field: string, value: unknown): JobError[] {
  if (!Array.isArray(value)) throw new JobValidationError(field, 'must be a list of errors.');
  return value.map((error, index) => requireJobError(`${field}[${index}]`, error));
}

/**
 * One history entry, checked and copied with exactly the fields of its kind (nullable fields left
 * `undefined` become null), so what is stored reads back equal to what core wrote.
 */
export function requireHistoryEntry(field: string, value: unknown): JobHistoryEntry {
  const entry = requirePlainObject(field, value);
  if (entry['kind'] === 'retry') {
    const retry: JobRetryEntry = {
      kind: 'retry',
      at: requireDate(`${field}.at`, entry['at']),
      afterAttempt: requireInt(`${field}.afterAttempt`, entry['afterAttempt'], 0),
    };
    return retry;
  }
  if (entry['kind'] !== 'attempt') {
    throw new JobValidationError(`${field}.kind`, `must be 'attempt' or 'retry'; got ${show(entry['kind'])}.`);
  }
  const attempt: JobAttemptEntry = {
    kind: 'attempt',
    attempt: requireInt(`${field}.attempt`, entry['attempt'], 0),
    owner: optionalText(`${field}.owner`, entry['owner']),
    startedAt: optionalDate(`${field}.startedAt`, entry['startedAt']),
    finishedAt: requireDate(`${field}.finishedAt`, entry['finishedAt']),
    outcome: requireText(`${field}.outcome`, entry['outcome']) as JobAttemptEntry['outcome'],
    error: optionalJobError(`${field}.error`, entry['error']),
    progress: requireFinite(`${field}.progress`, entry['progress']),
    stage: optionalText(`${field}.stage`, entry['stage']),
    metrics: requireMetrics(`${field}.metrics`, entry['metrics']),
  };
  return attempt;
}

export function requireHistory(field: string, value: unknown): JobHistoryEntry[] {
  if (!Array.isArray(value)) throw new JobValidationError(field, 'must be a list of history entries.');
  return value.map((entry, index) => requireHistoryEntry(`${field}[${index}]`, entry));
}
