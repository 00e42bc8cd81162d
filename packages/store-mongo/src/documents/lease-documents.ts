import type { Filter, Sort, UpdateFilter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { filterValue, filterValues } from '../validation/checks.js';

/** The running jobs among `ids` whose lease `owner` still holds. */
export function heldLeasesFilter(owner: string, ids: readonly string[]): Filter<JobDocument> {
  return { _id: { $in: filterValues('ids', ids) }, status: 'running', leaseOwner: filterValue('owner', owner) };
}

/** A renewed lease is not a visible change of the job, so `updatedAt` stays as it is. */
export function renewLeaseUpdate(expiresAt: Date): UpdateFilter<JobDocument> {
  return { $set: { leaseExpiresAt: expiresAt } };
}

/** Running jobs whose lease expired before `now` (a Date leaseExpiresAt implies an owner). */
export function expiredLeasesFilter(now: Date): Filter<JobDocument> {
  return { status: 'running', leaseExpiresAt: { $lt: now } };
}

/** Oldest lease first; ids break ties so the order is total. */
export const EXPIRED_LEASES_SORT = { leaseExpiresAt: 1, _id: 1 } as const satisfies Sort;

/**
 * A progress write lands only on a running job, only for the lease owner when one is named, and
 * only while the job runs `attempt` when one is given (the fence against a stale attempt).
 */
export function progressFilter(id: string, owner: string | null | undefined, attempt?: number | null): Filter<JobDocument> {
  const filter: Filter<JobDocument> = { _id: filterValue('id', id), status: 'running' };
  if (owner != null) filter.leaseOwner = filterValue('owner', owner);
  if (attempt != null) filter.attempt = filterValue('attempt', attempt);
  return filter;
}
