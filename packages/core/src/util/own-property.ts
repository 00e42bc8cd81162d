/**
 * Reads and writes of user-named keys (metric names, JSON keys) that never touch
 * `Object.prototype`: `constructor` reads as absent unless the object owns it, and `__proto__` is
 * an ordinary own property, never the prototype.
 */
export function getOwn<T>(target: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(target, key) ? target[key] : undefined;
}

export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Adds `delta` to an own numeric property (0 when absent), `__proto__` included. */
export function addOwn(target: Record<string, number>, key: string, delta: number): void {
  setOwn(target, key, (getOwn(target, key) ?? 0) + delta);
}
