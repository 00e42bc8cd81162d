import type { Clock, TimerHandle } from './clock.js';

/** A stand-in for `WeakRef` where the runtime has none: it holds strongly. */
export function strongRef<T>(value: T): { deref(): T } {
  return { deref: () => value };
}

/**
 * A timer that holds its target weakly: an object nobody uses any more (made per request, never
 * closed) is collected, and its timer then does nothing, instead of keeping it alive. A function
 * of its own, outside any class: a closure made inside a method shares that method's context,
 * which keeps `this` alive: pass a `tick` declared at module level for the same reason.
 */
export function scheduleWeakly<T extends object>(clock: Clock, target: T, delay: number, tick: (target: T) => void): TimerHandle {
  const ref = typeof WeakRef === 'function' ? new WeakRef(target) : strongRef(target);
  return clock.setTimeout(() => {
    const live = ref.deref();
    if (live) tick(live);
  }, delay);
}
