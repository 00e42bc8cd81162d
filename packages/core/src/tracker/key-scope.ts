import { JobValidationError, StoreError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';

type Scoped = Pick<Job, 'tenantId' | 'ownerId'>;

/**
 * Whether two jobs share the scope a dedupe key is unique in: the same tenant and the same owner,
 * where `null` ("no tenant", "no owner") is a value of its own.
 */
export function sameKeyScope(a: Scoped, b: Scoped): boolean {
  return (a.tenantId ?? null) === (b.tenantId ?? null) && (a.ownerId ?? null) === (b.ownerId ?? null);
}

/**
 * The slot a job's dedupe key holds: one string per (type, key, tenant, owner), or null for a job
 * without a key. Jobs with equal slots are deduped against each other.
 */
export function keySlot(job: Pick<Job, 'type' | 'key' | 'tenantId' | 'ownerId'>): string | null {
  return job.key === null ? null : JSON.stringify([job.type, job.key, job.tenantId ?? null, job.ownerId ?? null]);
}

/**
 * A store answered a job of another tenant or owner for a dedupe key: it still enforces keys
 * globally (an unmigrated schema or index, or a store that breaks the contract). Nothing of that
 * job may reach the caller, so the error names none of it.
 */
function foreignHolderError(operation: string): StoreError {
  return new StoreError(
    `${operation}: the store answered a dedupe key holder of another tenant or owner. Keys are unique per type, tenant and owner; ` +
      "migrate the store's schema or indexes to this version (store.migrate() / ensureIndexes()).",
  );
}

/**
 * What an insert answered, checked: a deduped answer (`created: false`) must be a job of the
 * requested job's own tenant and owner.
 *
 * @throws {StoreError} when the store answered another scope's job.
 */
export function checkedInsertAnswer(requested: Job, answered: Job, created: boolean): Job {
  if (!created && !sameKeyScope(requested, answered)) throw foreignHolderError(`create ${requested.type}`);
  return answered;
}

/**
 * The refusal of `action` on `job` because the unfinished `holder` has its key (a manual retry
 * or an inline `track` meeting a running job). It names the holder's id only when the holder is
 * in `job`'s own tenant and owner — always, with a store that keeps the contract.
 *
 * @returns `JobValidationError` (`invalid_input`, field `key`), or `StoreError` for a holder
 *   outside the scope.
 */
export function keyHeldError(action: string, job: Job, holder: Job): JobValidationError | StoreError {
  if (!sameKeyScope(job, holder)) return foreignHolderError(`${action} ${job.id}`);
  return new JobValidationError(
    'key',
    `cannot ${action} job ${job.id}: job ${holder.id} of type "${job.type}" with key "${job.key}" in the same tenant and owner is not finished yet.`,
  );
}
