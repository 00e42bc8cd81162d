import { describe, expect, it } from 'vitest';
import { isoTimes, plainArrayLiteral, quotedArrayLiteral } from './array-literal.js';

describe('array literals', () => {
  it('plain: elements as they are, null and undefined as NULL', () => {
    const values = ['0190a1b2-0000-7000-8000-000000000001', 5, -1.5e-7, null, undefined];
    expect(plainArrayLiteral(values.length, (index) => values[index])).toBe('{0190a1b2-0000-7000-8000-000000000001,5,-1.5e-7,NULL,NULL}');
    expect(plainArrayLiteral(0, () => null)).toBe('{}');
  });

  it('quoted: every text quoted, backslash and double quote escaped, NULL only for null', () => {
    const values = ['NULL', '', 'a,b', '{x}', 'say "hi"', 'back\\slash', null];
    expect(quotedArrayLiteral(values.length, (index) => values[index])).toBe(
      '{"NULL","","a,b","{x}","say \\"hi\\"","back\\\\slash",NULL}',
    );
  });

  it('quoted without NULL or anything to escape: the same literal, empty texts and commas kept', () => {
    const values = ['a', '', 'a,b', 'NULL', '{x}'];
    expect(quotedArrayLiteral(values.length, (index) => values[index])).toBe('{"a","","a,b","NULL","{x}"}');
    expect(quotedArrayLiteral(1, () => '')).toBe('{""}');
    expect(quotedArrayLiteral(0, () => null)).toBe('{}');
    expect(quotedArrayLiteral(2, (index) => (index === 0 ? 'x' : undefined))).toBe('{"x",NULL}');
  });

  it('times: ISO strings, the same millisecond formatted once, Dates of any realm', () => {
    const iso = isoTimes();
    const at = new Date('2030-05-06T07:08:09.010Z');
    expect(iso(at)).toBe('2030-05-06T07:08:09.010Z');
    expect(iso(new Date(at.getTime()))).toBe('2030-05-06T07:08:09.010Z');
    expect(iso(new Date(at.getTime() + 1))).toBe('2030-05-06T07:08:09.011Z');
    // A Date from another realm fails `instanceof Date` but has the internal time slot.
    const foreign = Object.setPrototypeOf(new Date(at.getTime()), Object.prototype) as unknown;
    expect(iso(foreign)).toBe('2030-05-06T07:08:09.010Z');
    expect(iso(null)).toBeNull();
  });
});
