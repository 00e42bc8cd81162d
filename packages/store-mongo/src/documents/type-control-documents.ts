import type { TypeControl } from '@jobtrail/core/store';
import type { Filter, Sort, UpdateFilter } from 'mongodb';
import { toTypeControlDocument, type TypeControlDocument } from '../mapping/type-control-document.js';
import { filterValue, filterValues } from '../validation/checks.js';

/**
 * The filter, sort and update documents of the type-controls collection. `_id` is the job type
 * (see `TypeControlDocument`). Every caller value placed in a filter goes through `filterValue`.
 */

/** Type order for `listTypeControls`: MongoDB's binary string order, which is code point order. */
export const TYPE_CONTROL_SORT = { _id: 1 } as const satisfies Sort;

export function typeControlFilter(type: string): Filter<TypeControlDocument> {
  return { _id: filterValue('type', type) };
}

/** The records of the types a claim asks for (read before the claim decides how to take them). */
export function typeControlsFilter(types: readonly string[]): Filter<TypeControlDocument> {
  return { _id: { $in: filterValues('types', types) } };
}

/**
 * The filter of `putTypeControl`'s compare-and-set on an existing record: the type, at the
 * expected version. `findOneAndUpdate` with it writes only while the version is still that one.
 */
export function typeControlVersionFilter(type: string, expectedVersion: number): Filter<TypeControlDocument> {
  return { _id: filterValue('type', type), version: filterValue('expectedVersion', expectedVersion) };
}

/**
 * The update of `putTypeControl` on an existing record: `$set` of every field of the record (it is
 * written whole; `rateLimit` replaced, never merged). `claims` is left alone, so a claim's
 * transaction that wrote it meanwhile is not undone, and the write always changes `version`, which
 * is how the wake pipeline tells it from a claim's increment.
 */
export function typeControlUpdate(control: TypeControl): UpdateFilter<TypeControlDocument> & { $set: Omit<TypeControlDocument, '_id' | 'claims'> } {
  const { _id: _type, ...fields } = toTypeControlDocument(control);
  return { $set: fields };
}

/**
 * The first write of a claim's transaction on a controlled type. An `$inc` always changes the
 * document (a `$set` to the value already there would not be a write, and would not conflict):
 * MongoDB lets at most one transaction that wrote it commit, and makes any other that started
 * before that commit fail with a write conflict, so the claims of one type are serialised.
 */
export const CLAIM_MARK = { $inc: { claims: 1 } } as const satisfies UpdateFilter<TypeControlDocument>;
