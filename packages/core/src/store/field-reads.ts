import { utf8Length } from '../tracker/json-check.js';
import { asInputError } from '../util/read-input.js';
import { JobValidationError } from '../errors/jobtrail-error.js';
import type { Job, JobScope, LargeJobField, UnreadFields } from '../model/job.js';
import type { FieldReads, ReadOptions } from './job-store.js';

export const LARGE_JOB_FIELDS: readonly LargeJobField[] = ['payload', 'result', 'metadata'];

/** The largest `maxBytes`: 1 GiB, the most a PostgreSQL text value can hold. */
export const MAX_FIELD_CAP_BYTES = 2 ** 30;

/** Per large field: `'full'`, `'omit'`, or the cap in bytes. */
export type ReadPlan = Readonly<Record<LargeJobField, 'full' | 'omit' | number>>;

export const FULL_READ: ReadPlan = Object.freeze({ payload: 'full', result: 'full', metadata: 'full' });

/** `ReadOptions` checked and normalised, for store implementations. */
export interface CheckedRead {
  /** Only the scope fields that narrow (each a string or null). */
  scope: JobScope;
  plan: ReadPlan;
}

const show = (value: unknown): string => {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  } catch {
    return String(value);
  }
};

/**
 * Validates `FieldReads` and turns them into a plan. `undefined` reads everything.
 * @throws JobValidationError (`invalid_input`) naming the field (`read.payload`, ...) for an
 *   unknown field name or a value other than 'full', 'omit' or `{ maxBytes: 0..2^30 integer }`.
 */
export function toReadPlan(read: FieldReads | undefined, name = 'read'): ReadPlan {
  if (read === undefined) return FULL_READ;
  if (read === null || typeof read !== 'object' || isArrayOrUnreadable(read, name)) {
    throw new JobValidationError(name, `must be an object like { payload: 'omit' }; got ${show(read)}.`);
  }
  const plan: Record<LargeJobField, 'full' | 'omit' | number> = { ...FULL_READ };
  let entries: Array<[string, unknown]>;
  try {
    entries = Object.entries(read);
  } catch (error) {
    throw asInputError(error, name);
  }
  for (const [field, value] of entries) {
    if (!(LARGE_JOB_FIELDS as readonly string[]).includes(field)) {
      throw new JobValidationError(`${name}.${field}`, `is not a large field; use ${LARGE_JOB_FIELDS.join(', ')}.`);
    }
    plan[field as LargeJobField] = toFieldPlan(value, `${name}.${field}`);
  }
  return plan;
}

function toFieldPlan(value: unknown, name: string): 'full' | 'omit' | number {
  if (value === undefined || value === 'full') return 'full';
  if (value === 'omit') return 'omit';
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const cap = (value as { maxBytes?: unknown }).maxBytes;
    if (keys.length === 1 && keys[0] === 'maxBytes' && typeof cap === 'number' && Number.isInteger(cap) && cap >= 0 && cap <= MAX_FIELD_CAP_BYTES) {
      return cap;
    }
  }
  throw new JobValidationError(name, `must be 'full', 'omit' or { maxBytes: integer 0..${MAX_FIELD_CAP_BYTES} }; got ${show(value)}.`);
}

/** `Array.isArray`, which throws for a revoked proxy: such input is unreadable (`invalid_input`). */
function isArrayOrUnreadable(value: object, name: string): boolean {
  try {
    return Array.isArray(value);
  } catch (error) {
    throw asInputError(error, name);
  }
}

/**
 * Validates a scope: only `tenantId` / `ownerId`, each a string, null or undefined. A scope whose
 * reading throws is refused too (`invalid_input`, field `scope`).
 */
export function checkReadScope(scope: JobScope | undefined, name = 'scope'): JobScope {
  if (scope === undefined) return {};
  if (scope === null || typeof scope !== 'object' || isArrayOrUnreadable(scope, name)) {
    throw new JobValidationError(name, `must be an object like { tenantId }; got ${show(scope)}.`);
  }
  const out: JobScope = {};
  for (const field of ['tenantId', 'ownerId'] as const) {
    let value: unknown;
    try {
      value = scope[field];
    } catch (error) {
      throw asInputError(error, name);
    }
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') {
      throw new JobValidationError(`${name}.${field}`, `must be a string or null; got ${show(value)}.`);
    }
    out[field] = value;
  }
  return out;
}

/** For stores: `ReadOptions` validated (see `toReadPlan`, `checkReadScope`). */
export function checkReadOptions(options: ReadOptions | undefined): CheckedRead {
  if (options === undefined) return { scope: {}, plan: FULL_READ };
  if (options === null || typeof options !== 'object') {
    throw new JobValidationError('options', `must be an object like { scope, read }; got ${show(options)}.`);
  }
  let scope: JobScope | undefined;
  let read: FieldReads | undefined;
  try {
    scope = options.scope;
    read = options.read;
  } catch (error) {
    throw asInputError(error, 'options');
  }
  return { scope: checkReadScope(scope), plan: toReadPlan(read) };
}

export function isFullRead(plan: ReadPlan): boolean {
  return plan.payload === 'full' && plan.result === 'full' && plan.metadata === 'full';
}

/**
 * For stores: finishes a job read under `plan`. `sizes` holds the store-measured size of each
 * capped field (null/undefined: the field was SQL NULL or missing, read as is). Omitted and
 * oversized fields become `undefined` and are listed in `job.unread`; a job read under a plan
 * that is not all 'full' always carries `unread` (possibly `{}`), so a reader can tell a job
 * read this way from a whole one.
 */
export function markUnread(job: Job, plan: ReadPlan, sizes: Partial<Record<LargeJobField, number | null | undefined>> = {}): Job {
  if (isFullRead(plan)) return job;
  const unread: UnreadFields = {};
  const fields = job as unknown as Record<LargeJobField, unknown>;
  for (const field of LARGE_JOB_FIELDS) {
    const how = plan[field];
    if (how === 'full') continue;
    if (how === 'omit') {
      fields[field] = undefined;
      unread[field] = { reason: 'omitted' };
      continue;
    }
    const bytes = sizes[field];
    if (typeof bytes === 'number' && bytes > how) {
      fields[field] = undefined;
      unread[field] = { reason: 'too_large', bytes };
    }
  }
  job.unread = unread;
  return job;
}

/** Size of a value as UTF-8 JSON, in bytes (`undefined` counts as `null`). */
export function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value) ?? 'null');
}

/** Whether a job of these tenant / owner ids lies inside `scope` (undefined fields: any). */
export function inReadScope(job: { tenantId: string | null; ownerId: string | null }, scope: JobScope): boolean {
  if (scope.tenantId !== undefined && job.tenantId !== scope.tenantId) return false;
  if (scope.ownerId !== undefined && job.ownerId !== scope.ownerId) return false;
  return true;
}
