import { describe, expect, it } from 'vitest';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { assertJson } from './validate-input.js';

function refusal(action: () => void): JobValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof JobValidationError) return error;
    throw new Error(`expected a JobValidationError, got ${String(error)}`);
  }
  throw new Error('expected the value to be refused');
}

describe('assertJson limits', () => {
  it('refuses a value larger than maxJsonBytes, counting UTF-8 bytes exactly', () => {
    // 10 ASCII characters in quotes are 12 bytes; 'é' is 2 bytes, '€' 3, '😀' 4.
    expect(() => assertJson('aaaaaaaaaa', 'payload', { maxJsonBytes: 12 })).not.toThrow();
    expect(refusal(() => assertJson('aaaaaaaaaaa', 'payload', { maxJsonBytes: 12 })).message).toMatch(/payload: is 13 bytes, more than the 12 bytes/);
    // Stores keep strings unescaped: a newline is one byte, not the two of "\\n".
    expect(() => assertJson('\n'.repeat(10), 'payload', { maxJsonBytes: 12 })).not.toThrow();
    expect(() => assertJson('é€😀', 'payload', { maxJsonBytes: 11 })).not.toThrow();
    expect(() => assertJson('é€😀', 'payload', { maxJsonBytes: 10 })).toThrow(/11 bytes/);
    expect(() => assertJson({ rows: ['x'.repeat(100)] }, 'result', { maxJsonBytes: 100 })).toThrow(/^result: is 113 bytes/);
  });

  it('does not serialise values far below the limit (the bound is cheap and safe)', () => {
    const value = { rows: Array.from({ length: 100 }, (_, i) => ({ i, name: `row ${i}` })) };
    expect(() => assertJson(value, 'payload', { maxJsonBytes: 1_000_000 })).not.toThrow();
  });

  it('refuses nesting deeper than maxJsonDepth, naming where, and 1000 levels by default', () => {
    const nest = (depth: number): unknown => (depth === 0 ? 1 : { a: nest(depth - 1) });
    expect(() => assertJson(nest(3), 'payload', { maxJsonDepth: 3 })).not.toThrow();
    expect(refusal(() => assertJson(nest(4), 'payload', { maxJsonDepth: 3 })).field).toBe('payload.a.a.a');
    expect(() => assertJson(nest(1000), 'payload')).not.toThrow();
    expect(() => assertJson(nest(1001), 'payload')).toThrow(/deeper than 1000 levels/);
  });

  it('names the path of a value that cannot be read', () => {
    const throwing = { rows: [1, { get name(): string { throw new Error('nope'); } }] };
    expect(refusal(() => assertJson(throwing, 'payload')).message).toMatch(/^payload\.rows\[1\]: cannot be read \(Error: nope\)/);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(refusal(() => assertJson({ 'a b': proxy }, 'metadata')).field).toBe('metadata["a b"]');
    const keys = new Proxy({}, { ownKeys: () => { throw new Error('keys'); } });
    expect(refusal(() => assertJson(keys, 'metadata')).message).toMatch(/cannot be read/);
  });

  it('refuses Date subclasses and Dates with their own toJSON, and keeps plain Dates', () => {
    class Stamp extends Date {}
    expect(() => assertJson({ at: new Date(0) }, 'payload')).not.toThrow();
    expect(refusal(() => assertJson({ at: new Stamp(0) }, 'payload')).message).toMatch(/payload\.at: is a subclass of Date/);
    const custom = Object.assign(new Date(0), { toJSON: () => 'x' });
    expect(refusal(() => assertJson([custom], 'payload')).message).toMatch(/payload\[0\]: is a Date with its own toJSON/);
  });

  it('treats plain data past the quick pass (deep, shared, sized to the limit) as the full walk does', () => {
    const nest = (depth: number): unknown => (depth === 0 ? 'x' : [nest(depth - 1)]);
    expect(() => assertJson(nest(40), 'payload')).not.toThrow();
    expect(refusal(() => assertJson(nest(41), 'payload', { maxJsonDepth: 40 })).message).toMatch(/deeper than 40 levels/);
    const shared = { a: 1 };
    expect(() => assertJson({ left: shared, right: [shared, shared] }, 'payload')).not.toThrow();
    const cycle: Record<string, unknown> = { a: { b: {} } };
    (cycle['a'] as { b: Record<string, unknown> }).b['c'] = cycle;
    expect(refusal(() => assertJson(cycle, 'payload')).field).toBe('payload.a.b.c');
    expect(refusal(() => assertJson([1, [2, Number.NaN]], 'payload')).field).toBe('payload[1][1]');
    expect(refusal(() => assertJson({ k: { ['a\u0000']: 1 } }, 'metadata')).message).toMatch(/^metadata\.k\["a\\u0000"\]: is a key that contains a NUL/);
    // An array of another prototype is left to the full walk, which takes it as an array.
    expect(() => assertJson({ list: Object.setPrototypeOf([1], Object.prototype) }, 'payload')).not.toThrow();
    expect(refusal(() => assertJson({ n: 1n }, 'payload')).message).toMatch(/BigInt/);
    // Sized exactly: what passes or fails by bytes is decided as before.
    expect(() => assertJson({ rows: ['x'.repeat(100)] }, 'result', { maxJsonBytes: 113 })).not.toThrow();
    expect(() => assertJson({ rows: ['x'.repeat(100)] }, 'result', { maxJsonBytes: 112 })).toThrow(/113 bytes/);
  });
});
