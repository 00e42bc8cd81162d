import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { joinTypeList, splitTypeList } from './job-type.js';

describe('joinTypeList / splitTypeList', () => {
  it('escapes commas and backslashes, and keeps spaces', () => {
    expect(joinTypeList(['csv,export', 'a'])).toBe('csv\\,export,a');
    expect(joinTypeList(['back\\slash', ' padded '])).toBe('back\\\\slash, padded ');
    expect(splitTypeList('csv\\,export,a')).toEqual(['csv,export', 'a']);
    expect(splitTypeList('back\\\\slash, padded ')).toEqual(['back\\slash', ' padded ']);
    expect(splitTypeList('trailing\\\\')).toEqual(['trailing\\']);
    expect(splitTypeList('\\,')).toEqual([',']);
  });

  it('round-trips any list of non-empty types', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, unit: fc.constantFrom('a', ',', '\\', ' ', 'é', '🚀', 'n') }), { minLength: 1 }), (types) => {
        expect(splitTypeList(joinTypeList(types))).toEqual(types);
      }),
    );
  });

  it('refuses empty values and stray backslashes with invalid_input', () => {
    for (const text of ['', ',', 'a,', ',a', 'a,,b', 'a\\', 'a\\b', '\\n', '\\']) {
      expect(() => splitTypeList(text), text).toThrow(JobValidationError);
    }
  });
});
