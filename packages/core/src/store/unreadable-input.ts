import { unreadableInputError } from '../util/read-input.js';
import type { JobValidationError } from '../errors/jobtrail-error.js';

/**
 * How `guardStore` names the arguments of an operation when reading them fails: each argument's
 * own name (`job`, `patch`, `filter`), and the prefix the checks name its fields under (`''` when
 * they name them bare, as `type` of a job or `progress` of a patch; `expected` for
 * `expected.status`).
 */
export type ArgumentNames = readonly (readonly [name: string, prefix: string])[];

/** Nested objects looked into when looking for the read that failed (errors[0].at is 3 deep). */
const MAX_DEPTH = 4;
/** Fields no check reads inside (free-form JSON): a getter in there is not what failed. */
const OPAQUE = new Set(['payload', 'result', 'metadata']);
/** A key no object has: reading it runs a proxy's `get` trap and nothing of a plain object. */
const PROBE = Symbol('jobtrail.readProbe');

/**
 * The refusal of input whose reading threw (a proxy whose trap throws, a getter that throws, a
 * revoked proxy): read failures of input are bad input, so they answer `JobValidationError`
 * (`invalid_input`, with the original as `cause`) like any other, never the raw error. It names
 * the field whose read failed where a second, careful look finds it (an own getter that throws:
 * `type`, `lease.owner`, `ids[1]`), else the unreadable argument (`job` for a proxy whose `get`
 * trap throws), else the first object argument. Only refused calls get here: valid input pays
 * nothing for it.
 */
export function unreadableInput(error: unknown, names: ArgumentNames, a?: unknown, b?: unknown, c?: unknown, d?: unknown): JobValidationError {
  const args = [a, b, c, d];
  let field: string | undefined;
  for (let index = 0; index < names.length && field === undefined; index++) {
    const [name, prefix] = names[index]!;
    field = findUnreadable(args[index], name, prefix, 0, new Set());
  }
  if (field === undefined) {
    const objectArgument = names.findIndex((_, index) => typeof args[index] === 'object' && args[index] !== null);
    field = names[objectArgument === -1 ? 0 : objectArgument]?.[0] ?? 'input';
  }
  return unreadableInputError(field, error);
}

/** The path of the first read of `value` that throws, or undefined when every read succeeds. */
function findUnreadable(value: unknown, path: string, prefix: string, depth: number, seen: Set<unknown>): string | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) return undefined;
  seen.add(value);
  let keys: Array<string | symbol>;
  let isArray: boolean;
  try {
    keys = Reflect.ownKeys(value);
    isArray = Array.isArray(value);
    Reflect.get(value, PROBE);
  } catch {
    return path;
  }
  for (const key of keys) {
    if (typeof key !== 'string') continue;
    const name = isArray && /^\d+$/.test(key) ? `${prefix}[${key}]` : prefix === '' ? key : `${prefix}.${key}`;
    let descriptor: PropertyDescriptor | undefined;
    let child: unknown;
    try {
      descriptor = Reflect.getOwnPropertyDescriptor(value, key);
    } catch {
      return path;
    }
    if (descriptor === undefined) continue;
    try {
      child = Reflect.get(value, key);
    } catch {
      // A data property cannot throw when read: what threw is the object (a proxy's `get` trap).
      return 'value' in descriptor ? path : name;
    }
    if (depth < MAX_DEPTH && !(depth === 0 && prefix === '' && OPAQUE.has(key))) {
      const found = findUnreadable(child, name, name, depth + 1, seen);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

