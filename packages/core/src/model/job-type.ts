import { JobValidationError } from '../errors/jobtrail-error.js';

/**
 * The longest job type, in UTF-16 code units (`string.length`): what `enqueue()` / `create()`
 * accept, what the HTTP `type` filter accepts, and what every store holds.
 */
export const MAX_JOB_TYPE_LENGTH = 255;

/**
 * One `type` query parameter value from a list of types: each `\` becomes `\\` and each `,`
 * becomes `\,`, then the types are joined with `,`. Nothing is trimmed, so a type with a comma,
 * a backslash or surrounding spaces comes back unchanged from {@link splitTypeList}.
 *
 * @example joinTypeList(['csv,export', 'a']) // 'csv\\,export,a'
 */
export function joinTypeList(types: readonly string[]): string {
  return types.map((type) => type.replace(/[\\,]/g, (char) => `\\${char}`)).join(',');
}

/**
 * The types in one `type` query parameter value (see {@link joinTypeList}): split at unescaped
 * commas, `\,` and `\\` read as a literal comma / backslash. Values are not trimmed.
 *
 * @throws {JobValidationError} (`invalid_input`, field `type`) for an empty value, a backslash
 * followed by anything but `,` or `\`, or a trailing lone backslash.
 */
export function splitTypeList(text: string): string[] {
  const types: string[] = [];
  let current = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === ',') {
      types.push(current);
      current = '';
    } else if (char === '\\') {
      const next = text[index + 1];
      if (next !== ',' && next !== '\\') {
        throw new JobValidationError(
          'type',
          `a backslash must be followed by "," or "\\" (write \\, for a comma and \\\\ for a backslash in a type); at index ${index}.`,
        );
      }
      current += next;
      index++;
    } else {
      current += char;
    }
  }
  types.push(current);
  if (types.some((type) => type === '')) {
    throw new JobValidationError('type', 'empty value; give one or more comma-separated types.');
  }
  return types;
}
