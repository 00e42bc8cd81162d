import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { catchError } from '../../test/catch-error.js';
import {
  DATE_MAX,
  DATE_MIN,
  assertJobType,
  assertJson,
  assertStorableDate,
  assertStorableText,
  storableText,
  validateCreateInput,
} from './validate-input.js';

/** The validation error `fn` throws; fails the test when it throws nothing or something else. */
function validationError(fn: () => unknown): JobValidationError {
  const error = catchError(fn);
  expect(error).toBeInstanceOf(JobValidationError);
  expect((error as JobValidationError).code).toBe('invalid_input');
  return error as JobValidationError;
}

/** An independent oracle: the built-in toWellFormed (Node 20+) plus NUL replacement. */
function oracle(text: string): string {
  return (text as unknown as { toWellFormed(): string }).toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/** Any sequence of UTF-16 code units, biased towards NUL and surrogates. */
const codeUnits = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.constantFrom(0, 0x61, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0xde00, 0xfffd),
    ),
    { maxLength: 40 },
  )
  .map((units) => String.fromCharCode(...units));

const HIGH = '\uD83D'; // first half of 😀
const LOW = '\uDE00'; // second half of 😀

describe('assertStorableText', () => {
  it.each([
    ['plain ASCII', 'imports.upload'],
    ['an empty string', ''],
    ['accents and CJK', 'Café 東京'],
    ['a surrogate pair (emoji)', 'ok 😀 done'],
    ['a lone pair at the very end', `x${HIGH}${LOW}`],
    ['U+FFFD itself', 'bad \uFFFD byte'],
    ['other control characters', 'tab\tnew\nline\u0001\u001f'],
  ])('accepts %s', (_label, text) => {
    expect(() => assertStorableText(text, 'note')).not.toThrow();
  });

  it.each([
    ['NUL at the start', '\u0000abc', 0, 'a NUL character (\\u0000)'],
    ['NUL inside', 'a\u0000b', 1, 'a NUL character (\\u0000)'],
    ['a lone high surrogate at the end', `ab${HIGH}`, 2, 'an unpaired UTF-16 surrogate (\\uD83D)'],
    ['a lone high surrogate before text', `${HIGH}x`, 0, 'an unpaired UTF-16 surrogate (\\uD83D)'],
    ['a lone low surrogate', `x${LOW}`, 1, 'an unpaired UTF-16 surrogate (\\uDE00)'],
    ['a reversed pair', `${LOW}${HIGH}`, 0, 'an unpaired UTF-16 surrogate (\\uDE00)'],
    ['two highs then a low', `${HIGH}${HIGH}${LOW}`, 0, 'an unpaired UTF-16 surrogate (\\uD83D)'],
    ['a NUL after a valid pair', `😀\u0000`, 2, 'a NUL character (\\u0000)'],
  ])('rejects %s, naming the field and index', (_label, text, index, what) => {
    const error = validationError(() => assertStorableText(text, 'note'));
    expect(error.field).toBe('note');
    expect(error.message).toContain(`note: contains ${what} at index ${index};`);
    expect(error.message).toContain('PostgreSQL cannot store it');
  });

  it('reports the first offending character', () => {
    const error = validationError(() => assertStorableText(`ab${LOW}c\u0000`, 'stage'));
    expect(error.message).toContain('at index 2');
  });

  it('writes an error message that is itself storable', () => {
    const error = validationError(() => assertStorableText(`a\u0000${HIGH}`, 'note'));
    expect(() => assertStorableText(error.message, 'message')).not.toThrow();
  });

  it('lets values that are not strings through (type checks are the caller’s)', () => {
    expect(() => assertStorableText(undefined as never, 'note')).not.toThrow();
    expect(() => assertStorableText(5 as never, 'note')).not.toThrow();
  });

  it('agrees with toWellFormed on arbitrary code units, and names the first bad index (property)', () => {
    fc.assert(
      fc.property(codeUnits, (text) => {
        const fixed = oracle(text);
        if (fixed === text) {
          expect(() => assertStorableText(text, 'f')).not.toThrow();
          return;
        }
        let first = 0;
        while (fixed[first] === text[first]) first++;
        const error = validationError(() => assertStorableText(text, 'f'));
        expect(error.message).toContain(`at index ${first};`);
      }),
    );
  });
});

describe('storableText', () => {
  it('returns clean text unchanged (the same string)', () => {
    const text = 'plain text 😀';
    expect(storableText(text)).toBe(text);
  });

  it.each([
    ['a\u0000b', 'a\uFFFDb'],
    ['\u0000\u0000', '\uFFFD\uFFFD'],
    [`x${HIGH}`, 'x\uFFFD'],
    [`${LOW}x`, '\uFFFDx'],
    [`${HIGH}${HIGH}${LOW}`, '\uFFFD😀'],
    [`${LOW}${HIGH}`, '\uFFFD\uFFFD'],
    [`ok 😀 \u0000`, 'ok 😀 \uFFFD'],
  ])('replaces NUL and lone surrogates in %j with U+FFFD', (input, expected) => {
    expect(storableText(input)).toBe(expected);
  });

  it('matches toWellFormed + NUL replacement, keeps the length, and always passes the check (property)', () => {
    fc.assert(
      fc.property(codeUnits, (text) => {
        const result = storableText(text);
        expect(result).toBe(oracle(text));
        expect(result).toHaveLength(text.length);
        expect(() => assertStorableText(result, 'f')).not.toThrow();
      }),
    );
  });

  it('is not confused by repeated calls (no regex state leaks between strings)', () => {
    for (let i = 0; i < 3; i++) {
      expect(storableText('a\u0000')).toBe('a\uFFFD');
      expect(storableText('\u0000b')).toBe('\uFFFDb');
    }
  });
});

describe('assertStorableDate and the date range', () => {
  it('spans years 0001 to 9999 UTC', () => {
    expect(DATE_MIN).toBe(Date.parse('0001-01-01T00:00:00.000Z'));
    expect(DATE_MAX).toBe(Date.parse('9999-12-31T23:59:59.999Z'));
  });

  it('accepts both ends of the range', () => {
    expect(() => assertStorableDate(new Date(DATE_MIN), 'runAt')).not.toThrow();
    expect(() => assertStorableDate(new Date(DATE_MAX), 'runAt')).not.toThrow();
    expect(() => assertStorableDate(new Date(), 'runAt')).not.toThrow();
  });

  it.each([
    ['one ms after 9999', new Date(DATE_MAX + 1), '+010000-01-01T00:00:00.000Z'],
    ['one ms before 0001', new Date(DATE_MIN - 1), '0000-12-31T23:59:59.999Z'],
    ['the largest JS date', new Date(8.64e15), '+275760-09-13T00:00:00.000Z'],
    ['the smallest JS date', new Date(-8.64e15), '-271821-04-20T00:00:00.000Z'],
  ])('rejects %s, naming the field', (_label, date, iso) => {
    const error = validationError(() => assertStorableDate(date, 'runAt'));
    expect(error.field).toBe('runAt');
    expect(error.message).toContain(iso);
    expect(error.message).toContain('0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z');
  });

  it.each([new Date('nope'), '2026-01-01', 0, null])('rejects %j, which is not a valid Date', (value) => {
    expect(validationError(() => assertStorableDate(value, 'runAt')).message).toContain('must be a valid Date');
  });
});

describe('assertJson', () => {
  it('names the exact path and index of a NUL in a nested string', () => {
    const payload = { rows: [{ name: 'ok' }, { name: 'ok' }, { name: 'ok' }, { name: 'a\u0000b' }] };
    const error = validationError(() => assertJson(payload, 'payload'));
    expect(error.field).toBe('payload.rows[3].name');
    expect(error.message).toBe(
      'payload.rows[3].name: contains a NUL character (\\u0000) at index 1; PostgreSQL cannot store it; remove it or replace it (e.g. with U+FFFD).',
    );
  });

  it('rejects a lone surrogate in an array item', () => {
    const error = validationError(() => assertJson({ tags: ['ok', `cut ${HIGH}`] }, 'result'));
    expect(error.field).toBe('result.tags[1]');
    expect(error.message).toContain('unpaired UTF-16 surrogate (\\uD83D) at index 4');
  });

  it('rejects a top-level string', () => {
    expect(validationError(() => assertJson('\u0000', 'payload')).field).toBe('payload');
  });

  it('rejects a NUL in an object key, naming the key printably', () => {
    const error = validationError(() => assertJson({ outer: { 'a\u0000b': 1 } }, 'metadata'));
    expect(error.field).toBe('metadata.outer["a\\u0000b"]');
    expect(error.message).toContain('is a key that contains a NUL character (\\u0000) at index 1');
    expect(() => assertStorableText(error.message, 'message')).not.toThrow();
  });

  it('rejects a lone surrogate in a key inside an array', () => {
    const error = validationError(() => assertJson({ list: [{}, { [`k${LOW}`]: true }] }, 'payload'));
    expect(error.field).toBe('payload.list[1]["k\\ude00"]');
    expect(error.message).toContain('at index 1');
    expect(() => assertStorableText(error.field, 'field')).not.toThrow();
  });

  it('checks a key even when its value is fine, and before its value', () => {
    expect(validationError(() => assertJson({ '\u0000': null }, 'payload')).field).toBe('payload["\\u0000"]');
    expect(validationError(() => assertJson({ '\u0000': 'x\u0000' }, 'payload')).message).toContain('is a key');
  });

  it('writes non-identifier keys in brackets and identifier keys with a dot', () => {
    expect(validationError(() => assertJson({ 'a b': { c: 1n } }, 'payload')).field).toBe('payload["a b"].c');
    expect(validationError(() => assertJson({ $x_1: [1n] }, 'payload')).field).toBe('payload.$x_1[0]');
  });

  it('accepts well-formed text everywhere, including emoji keys and values', () => {
    expect(() => assertJson({ '😀': ['😀', { 'é': 'ü', n: 1, d: new Date(DATE_MAX) }] }, 'payload')).not.toThrow();
  });

  it.each([
    ['after 9999', new Date(DATE_MAX + 1)],
    ['before 0001', new Date(DATE_MIN - 1)],
  ])('rejects a Date %s inside a value, naming its path', (_label, date) => {
    const error = validationError(() => assertJson({ window: { from: new Date(0), to: date } }, 'payload'));
    expect(error.field).toBe('payload.window.to');
    expect(error.message).toContain('0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z');
  });

  it('accepts Dates at both ends of the range', () => {
    expect(() => assertJson([new Date(DATE_MIN), new Date(DATE_MAX)], 'result')).not.toThrow();
  });

  it('still rejects what it rejected before (invalid Date, cycles)', () => {
    expect(validationError(() => assertJson({ d: new Date(Number.NaN) }, 'payload')).message).toContain('invalid Date');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(validationError(() => assertJson(cyclic, 'payload')).message).toContain('cycle');
  });
});

describe('assertJobType', () => {
  it.each([
    ['a NUL', 'imports\u0000upload', 'NUL character (\\u0000) at index 7'],
    ['a lone surrogate', `imports.${HIGH}`, 'unpaired UTF-16 surrogate (\\uD83D) at index 8'],
  ])('rejects a type with %s', (_label, type, detail) => {
    const error = validationError(() => assertJobType(type));
    expect(error.field).toBe('type');
    expect(error.message).toContain(detail);
  });

  it('accepts a type with an emoji', () => {
    expect(() => assertJobType('imports.😀')).not.toThrow();
  });
});

describe('validateCreateInput', () => {
  it.each(['key', 'tenantId', 'ownerId'])('rejects a NUL or lone surrogate in %s', (field) => {
    const nul = validationError(() => validateCreateInput({ [field]: 'ab\u0000' }));
    expect(nul.field).toBe(field);
    expect(nul.message).toContain('at index 2');
    const lone = validationError(() => validateCreateInput({ [field]: `${LOW}` }));
    expect(lone.field).toBe(field);
    expect(lone.message).toContain('unpaired UTF-16 surrogate (\\uDE00) at index 0');
  });

  it('accepts emoji in key, tenantId and ownerId', () => {
    expect(() => validateCreateInput({ key: '😀', tenantId: 't😀', ownerId: '😀o' })).not.toThrow();
  });

  it('names the payload and metadata paths', () => {
    expect(validationError(() => validateCreateInput({ payload: { a: ['x\u0000'] } })).field).toBe('payload.a[0]');
    expect(validationError(() => validateCreateInput({ metadata: { [`p${HIGH}`]: 1 } })).field).toBe(
      'metadata["p\\ud83d"]',
    );
  });

  it.each([
    ['after 9999', new Date(DATE_MAX + 1)],
    ['before 0001', new Date(DATE_MIN - 1)],
    ['at the end of the JS range', new Date(8.64e15)],
  ])('rejects a runAt %s', (_label, runAt) => {
    const error = validationError(() => validateCreateInput({ runAt }));
    expect(error.field).toBe('runAt');
    expect(error.message).toContain('the range every store can hold');
  });

  it('accepts a runAt at either end of the range and still rejects an invalid one', () => {
    expect(validateCreateInput({ runAt: new Date(DATE_MIN) }).runAt?.getTime()).toBe(DATE_MIN);
    expect(validateCreateInput({ runAt: new Date(DATE_MAX) }).runAt?.getTime()).toBe(DATE_MAX);
    expect(validationError(() => validateCreateInput({ runAt: new Date('nope') })).field).toBe('runAt');
  });

  it('rejects a Date out of range inside the payload', () => {
    expect(validationError(() => validateCreateInput({ payload: { at: new Date(DATE_MAX + 1) } })).field).toBe(
      'payload.at',
    );
  });
});

describe('Dates of another realm', () => {
  const foreign = (source: string): Date => vm.runInNewContext(source) as Date;

  it('are Dates to every check: runAt, payload values, filters', () => {
    expect(() => assertStorableDate(foreign('new Date(0)'), 'runAt')).not.toThrow();
    expect(catchError(() => assertStorableDate(foreign('new Date(NaN)'), 'runAt'))).toBeInstanceOf(JobValidationError);
    expect(catchError(() => assertStorableDate(foreign('new Date(8.64e15)'), 'runAt'))).toBeInstanceOf(JobValidationError);
    expect(() => validateCreateInput({ runAt: foreign('new Date(0)') })).not.toThrow();
    expect(() => assertJson({ at: foreign('new Date(0)') }, 'payload')).not.toThrow();
    // A subclass of Date stays refused, in any realm.
    expect(catchError(() => assertJson({ at: foreign('new (class Day extends Date {})(0)') }, 'payload'))).toBeInstanceOf(JobValidationError);
    expect(catchError(() => assertJson({ at: new (class Day extends Date {})(0) }, 'payload'))).toBeInstanceOf(JobValidationError);
  });

  it('and an object that only looks like a Date is not one', () => {
    const fake = { [Symbol.toStringTag]: 'Date', getTime: () => 0 };
    expect(catchError(() => assertStorableDate(fake, 'runAt'))).toBeInstanceOf(JobValidationError);
    expect(catchError(() => assertStorableDate(Object.create(Date.prototype), 'runAt'))).toBeInstanceOf(JobValidationError);
    // A Date whose own getTime lies is judged by its real time.
    const liar = Object.assign(new Date(Number.NaN), { getTime: () => 0 });
    expect(catchError(() => assertStorableDate(liar, 'runAt'))).toBeInstanceOf(JobValidationError);
  });
});
