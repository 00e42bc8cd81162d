import { JobValidationError } from '../errors/jobtrail-error.js';
import type { StoreLimits } from '../store/job-store.js';
import { isDate, isPlainDatePrototype } from '../util/dates.js';

/** Deepest nesting of objects and arrays in a JSON value unless the store declares less. */
export const DEFAULT_MAX_JSON_DEPTH = 1000;

export interface JsonCheckHooks {
  /** A cheap first test: only strings it flags are checked further (with their path). */
  suspect(text: string): boolean;
  /** Checks one flagged string (a value, or a key when `isKey`), throwing for text no store holds. */
  text(text: string, path: string, isKey: boolean): void;
  /** Checks one Date (a plain `Date`, already known to be one). */
  date(date: Date, path: () => string): void;
}

/**
 * Walks a JSON value once and refuses, with `JobValidationError` naming the exact path, what no
 * store could keep: what JSON cannot hold (functions, symbols, BigInt, cycles, non-finite numbers,
 * class instances), Date subclasses or Dates with their own `toJSON` (stores would keep what
 * `toJSON` says, not the Date), nesting deeper than `limits.maxJsonDepth` (default 1000), more
 * than `limits.maxJsonBytes` of UTF-8 JSON, and values that cannot even be read (a revoked
 * `Proxy`, a getter that throws). The path is a stack of keys rendered only for an error, so
 * valid data costs one pass and no allocation per value.
 */
export function checkJson(value: unknown, field: string, hooks: JsonCheckHooks, limits: StoreLimits = {}): void {
  const maxDepth = limits.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const maxBytes = limits.maxJsonBytes ?? Number.POSITIVE_INFINITY;
  if (isPlainJsonWithin(value, hooks, maxDepth, maxBytes)) return;
  const seen = new Set<object>();
  const keys: Array<string | number> = [];
  // Upper bound of the UTF-8 size: every UTF-16 unit is at most 3 bytes, every other token a few.
  let units = 0;
  let tokens = 0;
  const render = (): string => {
    let text = field;
    for (const key of keys) {
      text += typeof key === 'number' ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    }
    return text;
  };
  const fail = (message: string): never => {
    throw new JobValidationError(render(), message);
  };

  const visit = (node: unknown, depth: number): void => {
    tokens++;
    switch (typeof node) {
      case 'string':
        units += node.length;
        if (hooks.suspect(node)) hooks.text(node, render(), false);
        return;
      case 'boolean':
      case 'undefined':
        return;
      case 'number':
        if (!Number.isFinite(node)) fail(`${node} cannot be stored as JSON.`);
        return;
      case 'bigint':
        fail('is a BigInt, which JSON cannot hold; convert it to a string or number.');
        return;
      case 'function':
      case 'symbol':
        fail(`is a ${typeof node}, which JSON cannot hold.`);
        return;
    }
    if (node === null) return;
    const object = node as object;
    let proto: unknown;
    let isArray: boolean;
    try {
      proto = Object.getPrototypeOf(object);
      isArray = Array.isArray(object);
    } catch (error) {
      fail(`cannot be read (${describeFailure(error)}); pass plain JSON data.`);
      return;
    }
    // Plain objects and arrays (nearly every node) are never Dates: no Date test for them.
    const exotic = !isArray && proto !== Object.prototype && proto !== null;
    if (proto === Date.prototype || (exotic && isDate(object))) {
      if (!isPlainDatePrototype(proto)) fail('is a subclass of Date; pass a plain Date or an ISO string.');
      if (Object.hasOwn(object, 'toJSON')) fail('is a Date with its own toJSON; pass a plain Date or an ISO string.');
      units += 24;
      hooks.date(object as Date, render);
      return;
    }
    if (depth >= maxDepth) fail(`is nested deeper than ${maxDepth} levels, more than the store accepts.`);
    if (seen.has(object)) fail('contains a cycle, which JSON cannot hold.');
    if (exotic) {
      const name = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name;
      fail(`is a ${typeof name === 'string' && name !== '' ? name : 'non-plain object'}; pass plain JSON data.`);
    }
    seen.add(object);
    if (isArray) {
      const array = object as unknown[];
      let length: number;
      try {
        length = array.length;
      } catch (error) {
        fail(`cannot be read (${describeFailure(error)}); pass plain JSON data.`);
        return;
      }
      for (let index = 0; index < length; index++) {
        keys.push(index);
        visit(readItem(array, index), depth + 1);
        keys.pop();
      }
    } else {
      let entries: Array<[string, unknown]>;
      try {
        entries = Object.entries(object);
      } catch (error) {
        fail(`cannot be read (${describeFailure(error)}); pass plain JSON data.`);
        return;
      }
      for (const [key, item] of entries) {
        keys.push(key);
        units += key.length;
        if (hooks.suspect(key)) hooks.text(key, render(), true);
        visit(item, depth + 1);
        keys.pop();
      }
    }
    seen.delete(object);
  };

  /** An array item (its index is on the path already); a getter that throws is reported there. */
  const readItem = (array: unknown[], index: number): unknown => {
    try {
      return array[index];
    } catch (error) {
      return fail(`cannot be read (${describeFailure(error)}); pass plain JSON data.`);
    }
  };

  visit(value, 0);
  if (units * 3 + tokens * 24 > maxBytes) checkBytes(value, field, maxBytes);
}

/** How deep the quick pass goes before leaving a value to the full walk (a cycle ends there too). */
const QUICK_DEPTH = 32;

/**
 * The quick pass over the common case: whether `value` is made only of plain objects, arrays
 * (of `Array.prototype`), finite numbers, booleans, null, undefined and strings (values and keys)
 * `hooks.suspect` does not flag, nested less than `maxDepth` and {@link QUICK_DEPTH} deep, with
 * the full walk's size bound within `maxBytes`. Such a value passes the full walk; anything else
 * (a Date, a class instance, a cycle, what cannot be read) answers false, and the full walk
 * decides and names the path. No allocation but each object's key list, no closure per call.
 */
function isPlainJsonWithin(value: unknown, hooks: JsonCheckHooks, maxDepth: number, maxBytes: number): boolean {
  try {
    const bound = plainBound(value, 0, hooks, Math.min(maxDepth, QUICK_DEPTH));
    return bound >= 0 && bound <= maxBytes;
  } catch {
    return false;
  }
}

/** The full walk's size bound of `node` (24 per token, 3 per UTF-16 unit), or -1: not plain. */
function plainBound(node: unknown, depth: number, hooks: JsonCheckHooks, maxDepth: number): number {
  switch (typeof node) {
    case 'string':
      return hooks.suspect(node) ? -1 : node.length * 3 + 24;
    case 'number':
      return Number.isFinite(node) ? 24 : -1;
    case 'boolean':
    case 'undefined':
      return 24;
    case 'object':
      break;
    default:
      return -1;
  }
  if (node === null) return 24;
  if (depth >= maxDepth) return -1;
  const proto: unknown = Object.getPrototypeOf(node);
  let bound = 24;
  if (Array.isArray(node)) {
    if (proto !== Array.prototype) return -1;
    const array = node as unknown[];
    for (let index = 0; index < array.length; index++) {
      const item = plainBound(array[index], depth + 1, hooks, maxDepth);
      if (item < 0) return -1;
      bound += item;
    }
    return bound;
  }
  if (proto !== Object.prototype && proto !== null) return -1;
  const object = node as Record<string, unknown>;
  const keys = Object.keys(object);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (hooks.suspect(key)) return -1;
    const item = plainBound(object[key], depth + 1, hooks, maxDepth);
    if (item < 0) return -1;
    bound += key.length * 3 + item;
  }
  return bound;
}

/**
 * The size of the value as a store keeps it, computed only when the cheap upper bound is over the
 * limit: UTF-8 bytes of every string and key as they are (stores keep strings unescaped), plus
 * the JSON text of every other token. Dates count as their ISO text.
 */
function checkBytes(value: unknown, field: string, maxBytes: number): void {
  let bytes = 0;
  const count = (node: unknown): void => {
    if (typeof node === 'string') {
      bytes += utf8Length(node) + 2;
    } else if (isDate(node)) {
      bytes += 26;
    } else if (Array.isArray(node)) {
      bytes += 2;
      for (const item of node) count(item);
    } else if (node !== null && typeof node === 'object') {
      bytes += 2;
      for (const [key, item] of Object.entries(node)) {
        bytes += utf8Length(key) + 3;
        count(item);
      }
    } else {
      bytes += String(node).length + 1;
    }
  };
  count(value);
  if (bytes > maxBytes) {
    throw new JobValidationError(field, `is ${bytes} bytes, more than the ${maxBytes} bytes the store accepts for one value.`);
  }
}

/** UTF-8 byte length of `text`, counted by hand: no `Buffer` where the HTTP handler runs (Deno, edge runtimes). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) bytes += unit >= 0x800 && (unit < 0xd800 || unit > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

function describeFailure(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 200);
    return String(error).slice(0, 200);
  } catch {
    return 'it threw while being read';
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
