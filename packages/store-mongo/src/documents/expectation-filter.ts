import type { Expectation } from '@jobtrail/core/store';
import type { Filter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { filterValue, filterValues } from '../validation/checks.js';

/**
 * The filter of a compare-and-set transition: the job's id plus everything the caller expects of
 * it. `findOneAndUpdate` with this filter writes only if every expectation still holds at the
 * moment of the write — the whole compare-and-set is one atomic document update.
 */
export function expectationFilter(id: string, expected: Expectation): Filter<JobDocument> {
  const filter: Filter<JobDocument> = { _id: filterValue('id', id) };
  const status = expected.status;
  if (status !== undefined) filter.status = typeof status === 'string' ? status : { $in: filterValues('expected.status', status) };
  // null matches "no lease": the mapper stores leaseOwner as null, never leaves it out.
  if (expected.leaseOwner !== undefined) filter.leaseOwner = filterValue('expected.leaseOwner', expected.leaseOwner);
  if (expected.attempt !== undefined) filter.attempt = filterValue('expected.attempt', expected.attempt);
  // leaseExpiresAt is a Date only while a lease is held, and `$lt: Date` never matches null, so
  // this also demands that a lease is held.
  if (expected.leaseExpiresBefore !== undefined) filter.leaseExpiresAt = { $lt: filterValue('expected.leaseExpiresBefore', expected.leaseExpiresBefore) };
  return filter;
}
