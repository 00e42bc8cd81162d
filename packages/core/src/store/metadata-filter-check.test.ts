import { describe, expect, it } from 'vitest';
import { checkMetadataFilter, matchesMetadata, MAX_METADATA_FILTER_FIELDS } from './metadata-filter-check.js';

describe('checkMetadataFilter', () => {
  it('answers a plain copy of strings, finite numbers and booleans', () => {
    const given = { customer: 'acme', tier: 2, vip: false };
    const checked = checkMetadataFilter(given);
    expect(checked).toEqual(given);
    expect(checked).not.toBe(given);
  });

  it('refuses what could mean something else on some store, naming the field', () => {
    const refused = (value: unknown) => {
      try {
        checkMetadataFilter(value);
      } catch (error) {
        return (error as { code: string; field: string }).field;
      }
      return 'accepted';
    };
    expect(refused(null)).toBe('metadata');
    expect(refused({})).toBe('metadata');
    expect(refused(new Map())).toBe('metadata');
    expect(refused(Object.fromEntries(Array.from({ length: MAX_METADATA_FILTER_FIELDS + 1 }, (_, n) => [`f${n}`, n])))).toBe('metadata');
    expect(refused({ ['x'.repeat(201)]: 1 })).toBe('metadata');
    expect(refused({ 'a.b': 1 })).toBe('metadata');
    expect(refused({ $ne: 1 })).toBe('metadata');
    expect(refused({ bad: '\ud800' })).toBe('metadata.bad');
    expect(refused({ n: Number.POSITIVE_INFINITY })).toBe('metadata.n');
    expect(refused({ n: null })).toBe('metadata.n');
    expect(refused({ n: ['a'] })).toBe('metadata.n');
    expect(refused({ n: 1n })).toBe('metadata.n');
  });
});

describe('matchesMetadata', () => {
  it('compares own fields by whole value', () => {
    expect(matchesMetadata({ a: 'x', n: 1 }, { a: 'x', n: 1 })).toBe(true);
    expect(matchesMetadata({ a: ['x'] }, { a: 'x' })).toBe(false);
    expect(matchesMetadata({ n: '1' }, { n: 1 })).toBe(false);
    expect(matchesMetadata(Object.create({ a: 'x' }), { a: 'x' })).toBe(false);
  });
});
