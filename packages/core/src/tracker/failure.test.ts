import { describe, expect, it } from 'vitest';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { FatalJobError } from '../errors/job-errors.js';
import type { JobError } from '../model/job.js';
import { MAX_ERROR_CODE, MAX_ERROR_MESSAGE, MAX_ERROR_STACK, toJobError } from './failure.js';
import { assertStorableText } from './validate-input.js';

const AT = new Date(Date.UTC(2026, 0, 1));

function record(error: unknown, keepStack = true): JobError {
  return toJobError(error, 2, AT, true, keepStack);
}

/** The invariants every record holds, whatever was thrown. */
function expectStorable(result: JobError): void {
  expect(typeof result.message).toBe('string');
  expect(result.message.length).toBeGreaterThan(0);
  expect(result.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE);
  assertStorableText(result.message, 'message');
  for (const [field, max] of [['code', MAX_ERROR_CODE], ['name', MAX_ERROR_CODE]] as const) {
    const value = result[field];
    expect(value === null || typeof value === 'string').toBe(true);
    if (typeof value === 'string') {
      expect(value.length).toBeLessThanOrEqual(max);
      assertStorableText(value, field);
    }
  }
  if (result.stack !== undefined && result.stack !== null) {
    expect(result.stack.length).toBeLessThanOrEqual(MAX_ERROR_STACK);
    assertStorableText(result.stack, 'stack');
  }
  expect(result).toMatchObject({ retryable: true, attempt: 2, at: AT });
  expect(() => JSON.stringify(result)).not.toThrow();
}

function throwing(message: string): PropertyDescriptor {
  return {
    get: () => {
      throw new Error(message);
    },
  };
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

const HIGH = '\uD83D';

describe('toJobError', () => {
  it('records an Error: message, name, code, stack, and the given attempt fields', () => {
    const error = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
    const result = toJobError(error, 3, AT, false, true);
    expect(result).toEqual({
      message: 'boom',
      code: 'E_BOOM',
      name: 'TypeError',
      retryable: false,
      attempt: 3,
      at: AT,
      stack: error.stack,
    });
  });

  it('leaves the stack out unless asked', () => {
    expect(record(new Error('x'), false)).not.toHaveProperty('stack');
  });

  it('keeps a jobtrail error’s name', () => {
    expect(record(new FatalJobError('bad payload'))).toMatchObject({ message: 'bad payload', name: 'FatalJobError' });
  });

  it('uses the name when an Error has no message', () => {
    expect(record(new RangeError())).toMatchObject({ message: 'RangeError', name: 'RangeError' });
  });

  it('reads an Error from another realm', () => {
    const error = runInNewContext('new RangeError("far away")') as unknown;
    expect(error instanceof Error).toBe(false);
    expect(record(error)).toMatchObject({ message: 'far away', name: 'RangeError' });
  });

  describe('hostile values never make it throw', () => {
    it('a revoked Proxy', () => {
      const proxy = revokedProxy();
      expect(() => proxy instanceof Error).toThrow();
      const result = record(proxy);
      expect(result).toMatchObject({ message: 'Unknown error (a revoked Proxy was thrown)', code: null, name: null });
      expect(result).not.toHaveProperty('stack');
      expectStorable(result);
    });

    it('a Proxy whose every trap throws', () => {
      const trap = () => {
        throw new Error('trap');
      };
      const proxy = new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
      const result = record(proxy);
      expect(result).toMatchObject({ message: 'Unknown error (a Proxy whose traps throw was thrown)', code: null, name: null });
      expectStorable(result);
    });

    it.each([
      ['code', { message: 'boom', code: null, name: 'Error' }],
      ['message', { message: 'Error', code: 'E_X', name: 'Error' }],
      ['name', { message: 'boom', code: 'E_X', name: null }],
      ['stack', { message: 'boom', code: 'E_X', name: 'Error' }],
    ])('an Error whose %s getter throws', (field, expected) => {
      const error = Object.defineProperty(Object.assign(new Error('boom'), { code: 'E_X' }), field, throwing(field));
      const result = record(error);
      expect(result).toMatchObject(expected);
      if (field === 'stack') expect(result).not.toHaveProperty('stack');
      // (V8 formats the stack lazily from name and message, so those two may cost the stack)
      if (field === 'code') expect(typeof result.stack).toBe('string');
      expectStorable(result);
    });

    it('an Error whose every getter throws', () => {
      // stack first: V8 formats the old stack (reading name and message) when it is redefined
      const error = Object.defineProperties(new Error('x'), {
        stack: throwing('stack'),
        message: throwing('message'),
        name: throwing('name'),
        code: throwing('code'),
      });
      const result = record(error);
      expect(result).toEqual({
        message: 'Unknown error (an Error with no readable message was thrown)',
        code: null,
        name: null,
        retryable: true,
        attempt: 2,
        at: AT,
      });
    });

    it('a plain object whose code getter throws', () => {
      const thrown = Object.defineProperty({ reason: 'x' }, 'code', { ...throwing('code'), enumerable: false });
      expect(record(thrown)).toMatchObject({ message: '{"reason":"x"}', code: null, name: null });
    });

    it('an object whose toJSON and toString throw', () => {
      const thrown = {
        toJSON: () => {
          throw new Error('json');
        },
        toString: () => {
          throw new Error('string');
        },
      };
      expect(record(thrown).message).toBe('Unknown error (an Object with no readable message was thrown)');
    });

    it('a prototype-less object with a cycle (neither JSON nor String work)', () => {
      const thrown = Object.create(null) as Record<string, unknown>;
      thrown.self = thrown;
      expect(record(thrown).message).toBe('Unknown error (an object with no readable message was thrown)');
    });

    it('an object with a cycle', () => {
      const thrown: Record<string, unknown> = { a: 1 };
      thrown.self = thrown;
      expect(record(thrown).message).toBe('[object Object]');
    });

    it('a class instance with a throwing constructor name still gets a message', () => {
      const thrown = Object.create(Object.defineProperty({}, 'constructor', throwing('ctor'))) as object;
      Object.defineProperty(thrown, 'toString', { value: () => { throw new Error('s'); } });
      Object.defineProperty(thrown, 'toJSON', { value: () => { throw new Error('j'); } });
      expect(record(thrown).message).toBe('Unknown error (an object with no readable message was thrown)');
    });
  });

  describe('messages that are not strings', () => {
    it('an Error whose message is an object', () => {
      const error = Object.assign(new Error('x'), { message: { detail: 'quota', n: 1 } });
      expect(record(error).message).toBe('{"detail":"quota","n":1}');
    });

    it('an Error whose message is a cyclic object', () => {
      const message: Record<string, unknown> = {};
      message.self = message;
      expect(record(Object.assign(new Error('x'), { message })).message).toBe('[object Object]');
    });

    it('an Error whose message is a number, a symbol or a BigInt', () => {
      expect(record(Object.assign(new Error('x'), { message: 42 })).message).toBe('42');
      expect(record(Object.assign(new Error('x'), { message: Symbol('why') })).message).toBe('Symbol(why)');
      expect(record(Object.assign(new Error('x'), { message: 7n })).message).toBe('7n');
    });

    it('an Error with an empty message and an empty name', () => {
      const error = Object.assign(new Error(''), { name: '' });
      expect(record(error)).toMatchObject({
        message: 'Unknown error (an Error with no readable message was thrown)',
        name: null,
      });
    });

    it('an Error whose name is not a string', () => {
      expect(record(Object.assign(new Error('x'), { name: 5 })).name).toBeNull();
    });
  });

  describe('thrown values that are not Errors', () => {
    it.each([
      ['a string', 'plain failure', 'plain failure'],
      ['an empty string', '', 'Unknown error (an empty string was thrown)'],
      ['null', null, 'Unknown error (null was thrown)'],
      ['undefined', undefined, 'Unknown error (undefined was thrown)'],
      ['a number', 42, '42'],
      ['NaN', Number.NaN, 'null'],
      ['a boolean', false, 'false'],
      ['a symbol', Symbol('boom'), 'Symbol(boom)'],
      ['a symbol without description', Symbol(), 'Symbol()'],
      ['a BigInt', 10n, '10n'],
      ['a plain object', { reason: 'quota', n: 3 }, '{"reason":"quota","n":3}'],
      ['an object holding a BigInt', { n: 1n }, '[object Object]'],
      ['an array', ['a', 1], '["a",1]'],
    ])('%s', (_label, thrown, message) => {
      const result = record(thrown);
      expect(result.message).toBe(message);
      expect(result.name).toBeNull();
      expect(result).not.toHaveProperty('stack');
      expectStorable(result);
    });

    it('a function (its source, capped)', () => {
      const result = record(function failing() {
        return 1;
      });
      expect(result.message).toContain('failing');
      expectStorable(result);
    });

    it('reads a code from a plain object but no name or stack', () => {
      expect(record({ code: 'E_PLAIN', name: 'X', stack: 'at x' })).toMatchObject({ code: 'E_PLAIN', name: null });
      expect(record({ code: 'E_PLAIN', stack: 'at x' })).not.toHaveProperty('stack');
    });
  });

  describe('codes', () => {
    it.each([
      ['a string', 'ECONNRESET', 'ECONNRESET'],
      ['a number', 503, '503'],
      ['zero', 0, '0'],
      ['an empty string', '', null],
      ['NaN', Number.NaN, null],
      ['Infinity', Number.POSITIVE_INFINITY, null],
      ['an object', { nested: true }, null],
      ['a symbol', Symbol('c'), null],
      ['a BigInt', 5n, null],
    ])('%s', (_label, code, expected) => {
      expect(record(Object.assign(new Error('x'), { code })).code).toBe(expected);
    });
  });

  describe('unstorable characters become U+FFFD', () => {
    it('in the message', () => {
      expect(record(new Error('x\u0000')).message).toBe('x\uFFFD');
      expect(record(new Error(`cut ${HIGH}`)).message).toBe('cut \uFFFD');
      expect(record('a\u0000b').message).toBe('a\uFFFDb');
    });

    it('in code, name and stack', () => {
      const error = Object.assign(new Error('x'), { code: 'E\u0000', name: `Name${HIGH}`, stack: 'at \u0000 line' });
      expect(record(error)).toMatchObject({ code: 'E\uFFFD', name: 'Name\uFFFD', stack: 'at \uFFFD line' });
    });

    it('keeps well-formed emoji', () => {
      expect(record(new Error('done 😀')).message).toBe('done 😀');
    });
  });

  describe('caps', () => {
    it('cuts a huge message to 4,000 characters ending with an ellipsis', () => {
      const result = record(new Error('m'.repeat(1_000_000)));
      expect(MAX_ERROR_MESSAGE).toBe(4000);
      expect(result.message).toHaveLength(4000);
      expect(result.message.endsWith('m…')).toBe(true);
    });

    it('keeps a message of exactly the limit and cuts one longer by one', () => {
      expect(record(new Error('m'.repeat(4000))).message).toBe('m'.repeat(4000));
      expect(record(new Error('m'.repeat(4001))).message).toBe(`${'m'.repeat(3999)}…`);
    });

    it('does not split a surrogate pair at the cut', () => {
      const message = `${'a'.repeat(3998)}😀b`;
      const result = record(new Error(message));
      expect(result.message).toBe(`${'a'.repeat(3998)}…`);
      expectStorable(result);
    });

    it('caps a huge thrown string and a huge serialised object', () => {
      expect(record('s'.repeat(10_000)).message).toHaveLength(4000);
      expect(record({ big: 'x'.repeat(10_000) }).message).toHaveLength(4000);
    });

    it('caps code and name at 255 and stack at 16,000', () => {
      const error = Object.assign(new Error('x'), {
        code: 'C'.repeat(1000),
        name: 'N'.repeat(1000),
        stack: 'S'.repeat(100_000),
      });
      const result = record(error);
      expect(result.code).toBe(`${'C'.repeat(254)}…`);
      expect(result.name).toBe(`${'N'.repeat(254)}…`);
      expect(result.stack).toHaveLength(16_000);
      expect(result.stack?.endsWith('S…')).toBe(true);
    });
  });

  it('always returns a storable record (property: anything, wrapped in Errors or as fields)', () => {
    const anything = fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true, withBoxedValues: true });
    const text = fc.string({ unit: 'binary', maxLength: 30 });
    const codeUnits = fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 30 })
      .map((units) => String.fromCharCode(...units));
    // Hostile values are made inside the property: fast-check itself cannot touch a revoked Proxy.
    const hostile = fc.constantFrom('@@revoked', '@@traps');
    const materialise = (value: unknown): unknown => {
      if (value === '@@revoked') return revokedProxy();
      if (value === '@@traps') return new Proxy({}, { get: () => { throw new Error('g'); } });
      return value;
    };
    const value = fc.oneof(anything, text, codeUnits, hostile);
    const fields = fc.record({ message: value, name: value, code: value, stack: value }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(value, fields.map((f) => ({ fields: f }))), (generated) => {
        let thrown: unknown;
        if (typeof generated === 'object' && generated !== null && 'fields' in generated) {
          const entries = Object.entries((generated as { fields: Record<string, unknown> }).fields);
          thrown = Object.assign(new Error('base'), Object.fromEntries(entries.map(([k, v]) => [k, materialise(v)])));
        } else {
          thrown = materialise(generated);
        }
        expectStorable(record(thrown));
      }),
    );
  });
});
