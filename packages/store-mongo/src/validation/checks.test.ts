import { JobValidationError } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { filterValue, filterValues } from './checks.js';

// What every store must refuse (types, Dates, counts) is core's `guardStore`, tested there; this
// is MongoDB's own guard against values a filter would read as operators.
describe('filterValue', () => {
  it('lets scalars, null and Dates through', () => {
    const date = new Date();
    for (const value of ['w', '', 0, 1.5, null, undefined, true, date]) expect(filterValue('f', value)).toBe(value);
    expect(filterValues('ids', ['a', 'b'])).toEqual(['a', 'b']);
  });

  it('refuses objects and arrays, naming the field', () => {
    for (const value of [{ $ne: null }, { $gt: 0 }, [], ['a'], {}]) {
      expect(() => filterValue('owner', value), JSON.stringify(value)).toThrow(JobValidationError);
    }
    let caught: unknown;
    try {
      filterValues('ids', ['a', { $ne: null }]);
    } catch (error) {
      caught = error;
    }
    expect((caught as JobValidationError).field).toBe('ids[1]');
  });
});
