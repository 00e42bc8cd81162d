/**
 * PostgreSQL array literals (`{a,b,NULL}`) for array parameters, written here rather than by
 * node-postgres, which quotes and escapes every element through two regular expressions: for
 * values that never need quoting that is most of an insert's client-side cost.
 */

/**
 * Element `index` of the array: a string or number that never holds a quote, backslash, comma,
 * brace or space when unquoted (uuids, finite numbers, ISO times), or null for NULL.
 */
export type ElementOf = (index: number) => string | number | null | undefined;

/** `{a,b,NULL}` of `count` elements that need no quoting (see `ElementOf`). */
export function plainArrayLiteral(count: number, elementOf: ElementOf): string {
  // Joined, not appended: `+=` per element builds a tree of string halves (two nodes per
  // element) that node-postgres must flatten again before sending; `join` writes one string.
  // Braces inside the first and last parts: `{` + join + `}` would be a rope that node-postgres
  // flattens (a copy of the whole literal) to measure it.
  if (count === 0) return '{}';
  const parts = new Array<string | number>(count);
  for (let index = 0; index < count; index++) {
    const value = elementOf(index);
    parts[index] = value == null ? 'NULL' : value;
  }
  parts[0] = `{${parts[0]}`;
  parts[count - 1] = `${parts[count - 1]}}`;
  return parts.join(',');
}

const NEEDS_ESCAPE = /[\\"]/;
const ESCAPED = /[\\"]/g;

/** `{"a","b",NULL}` of any texts: every element quoted (so `NULL`, `""` and `a,b` stay text). */
export function quotedArrayLiteral(count: number, elementOf: (index: number) => string | null | undefined): string {
  const parts = new Array<string>(count);
  let plain = true;
  for (let index = 0; index < count; index++) {
    const value = elementOf(index);
    if (value == null || NEEDS_ESCAPE.test(value)) plain = false;
    parts[index] = value as string;
  }
  // The common case (no NULL, nothing to escape: ids, types): the quotes are the separator.
  if (plain) {
    if (count === 0) return '{}';
    parts[0] = `{"${parts[0]}`;
    parts[count - 1] = `${parts[count - 1]}"}`;
    return parts.join('","');
  }
  for (let index = 0; index < count; index++) {
    const value = parts[index];
    parts[index] = value == null ? 'NULL' : NEEDS_ESCAPE.test(value) ? `"${value.replace(ESCAPED, '\\$&')}"` : `"${value}"`;
  }
  parts[0] = `{${parts[0]}`;
  parts[count - 1] = `${parts[count - 1]}}`;
  return parts.join(',');
}

/**
 * `Date.toISOString` remembering its last answer: the times of one batch are mostly the same
 * millisecond (jobs drafted together), and formatting is the costliest part of encoding them.
 * Takes Dates of any realm (read through `Date.prototype.getTime`, not `instanceof`).
 */
export function isoTimes(): (value: unknown) => string | null {
  let lastMs = Number.NaN;
  let lastIso = '';
  return (value) => {
    if (value == null) return null;
    if (typeof value === 'string') return value;
    const ms = getTime.call(value as Date);
    if (ms !== lastMs) {
      lastIso = new Date(ms).toISOString();
      lastMs = ms;
    }
    return lastIso;
  };
}

const getTime = Date.prototype.getTime;
