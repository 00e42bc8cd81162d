import { JobValidationError } from '../errors/jobtrail-error.js';
import { show, storableText } from '../tracker/validate-input.js';
import type { MetadataFilter, MetadataValue } from './metadata-filter.js';

/** Fields one filter may name: enough for any real lookup, few enough to keep queries cheap. */
export const MAX_METADATA_FILTER_FIELDS = 20;

/**
 * Checks a metadata filter; answers a plain copy (own enumerable fields only).
 *
 * Field names must be non-empty, at most 200 characters, without `.` and not starting with `$`:
 * MongoDB reads those as paths and operators, and one filter must mean the same on every store.
 *
 * @throws JobValidationError (`invalid_input`, field `metadata` or `metadata.<name>`) for anything else.
 */
export function checkMetadataFilter(value: unknown): Record<string, MetadataValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JobValidationError('metadata', `must be an object of field: value; got ${show(value)}.`);
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new JobValidationError('metadata', 'must be a plain object.');
  const names = Object.keys(value);
  if (names.length === 0) throw new JobValidationError('metadata', 'must name at least one field.');
  if (names.length > MAX_METADATA_FILTER_FIELDS) {
    throw new JobValidationError('metadata', `names at most ${MAX_METADATA_FILTER_FIELDS} fields; got ${names.length}.`);
  }
  const out: Record<string, MetadataValue> = Object.create(null);
  for (const name of names) {
    if (name === '' || name.length > 200 || name.includes('.') || name.startsWith('$') || storableText(name) !== name) {
      throw new JobValidationError('metadata', `field names must be 1..200 characters, without "." and not starting with "$"; got ${show(name)}.`);
    }
    const field = (value as Record<string, unknown>)[name];
    const ok =
      (typeof field === 'string' && storableText(field) === field) || typeof field === 'boolean' || (typeof field === 'number' && Number.isFinite(field));
    if (!ok) throw new JobValidationError(`metadata.${name}`, `must be a string, a finite number or a boolean; got ${show(field)}.`);
    out[name] = field as MetadataValue;
  }
  return out;
}

/** Whether `metadata` has every field of the filter, each equal to its value. */
export function matchesMetadata(metadata: Readonly<Record<string, unknown>>, filter: MetadataFilter): boolean {
  for (const name of Object.keys(filter)) {
    if (!Object.hasOwn(metadata, name) || metadata[name] !== filter[name]) return false;
  }
  return true;
}
