import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UnknownStatusError } from '../errors/jobtrail-error.js';
import { JOB_STATUSES } from '../model/job-status.js';
import { normalizeStatus, STATUS_ALIASES } from './normalize-status.js';

describe('normalizeStatus properties', () => {
  const aliasWords = Object.keys(STATUS_ALIASES);
  const separator = fc.constantFrom(' ', '  ', '_', '-', '__', ' - ', '\t');

  it('is insensitive to case and separators for every built-in alias', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...aliasWords),
        separator,
        fc.boolean(),
        fc.constantFrom('', ' ', '  ', '_'),
        (word, sep, upper, pad) => {
          const variant = pad + word.split(' ').join(sep) + pad;
          const input = upper ? variant.toUpperCase() : variant;
          expect(normalizeStatus(input)).toBe(STATUS_ALIASES[word]);
        },
      ),
    );
  });

  it('only ever returns a canonical status or throws one of the two typed errors', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        try {
          expect(JOB_STATUSES).toContain(normalizeStatus(input));
        } catch (error) {
          expect(error).toBeInstanceOf(UnknownStatusError);
        }
      }),
    );
  });

  it('is idempotent: normalising a normalised status changes nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...aliasWords), (word) => {
        const once = normalizeStatus(word);
        expect(normalizeStatus(once)).toBe(once);
      }),
    );
  });
});
