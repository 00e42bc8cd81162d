/**
 * The one test of "is this a Date" in core. `instanceof Date` answers false for a Date made in
 * another realm (a `vm` context, an iframe, a worker's structured copy) and true for an object
 * that merely inherits from `Date.prototype`; the brand check below answers by the Date's internal
 * time slot instead, as the language itself does (`Date.prototype.getTime` throws for anything
 * else). It reads no property of the value (no getter runs; a proxy's `getPrototypeOf` trap may,
 * and a throwing one answers "not a Date") and allocates nothing.
 */

const getTime = Date.prototype.getTime;

/**
 * The time of a real Date of any realm (`NaN` for an invalid one), or `NaN` for anything that is
 * not a Date: read from the Date's internal slot, so an own `getTime` property cannot lie about it.
 */
export function dateTime(value: unknown): number {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return Number.NaN;
  try {
    // Plain objects and arrays (most of what JSON walks meet) are never Dates: answered without
    // the throw below, which costs microseconds (an exception per object) on hot paths.
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return Number.NaN;
    return getTime.call(value as Date);
  } catch {
    return Number.NaN;
  }
}

/** Whether `value` is a real Date, of this realm or another (an invalid Date too). */
export function isDate(value: unknown): value is Date {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return false;
    getTime.call(value as Date);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `proto`, the prototype of a real Date, is its realm's own `Date.prototype` (a plain
 * Date, as `JSON.stringify` renders it) rather than a subclass's prototype: in every realm,
 * `Date.prototype` inherits from `Object.prototype`, which inherits from nothing.
 */
export function isPlainDatePrototype(proto: unknown): boolean {
  if (proto === Date.prototype) return true;
  if (typeof proto !== 'object' || proto === null) return false;
  try {
    const maker = (proto as { constructor?: unknown }).constructor as { prototype?: unknown; name?: unknown } | undefined;
    const parent = Object.getPrototypeOf(proto) as object | null;
    return (
      typeof maker === 'function' &&
      maker.name === 'Date' &&
      maker.prototype === proto &&
      parent !== null &&
      Object.getPrototypeOf(parent) === null
    );
  } catch {
    return false;
  }
}
