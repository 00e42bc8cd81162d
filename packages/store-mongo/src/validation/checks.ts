import { JobValidationError } from '@jobtrail/core';
import { isDate } from '@jobtrail/core/store';

/**
 * MongoDB's own guard. Every argument reaches this store through core's `guardStore`, which has
 * already refused values of the wrong type; what MongoDB adds is that a caller's value placed in a
 * filter is read by the server as a query operator when it is an object (`{ leaseOwner: { $ne:
 * null } }` matches every leased job). The filter builders pass each such value through
 * {@link filterValue}, so no object other than a Date (of any realm: core's `isDate`) ever reaches a filter, whoever calls them.
 * (Names never reach a filter or an update path unescaped: metric names are escaped, see
 * `metric-names.ts`, and every other field name is the store's own.)
 */

/** `value`, refused with `JobValidationError` when it is an object or array a filter would read as an operator. */
export function filterValue<T>(field: string, value: T): T {
  if (typeof value === 'object' && value !== null && !isDate(value)) {
    throw new JobValidationError(field, 'must be a plain value, not an object: MongoDB would read it as a query operator.');
  }
  return value;
}

/** Each value of a list placed in a filter (`$in`), through {@link filterValue}. */
export function filterValues<T>(field: string, values: readonly T[]): T[] {
  for (let index = 0; index < values.length; index++) filterValue(`${field}[${index}]`, values[index]);
  return [...values];
}
