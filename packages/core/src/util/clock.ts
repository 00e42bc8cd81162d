/**
 * Time as core sees it. Injected so that retry, lease and coalescing logic is tested with fake
 * time; `systemClock` is the default.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type TimerHandle = unknown;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    // A tracker or worker timer must never keep a process alive on its own.
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

const monotonic: { now(): number; timeOrigin: number } | undefined = (() => {
  const source = (globalThis as { performance?: { now?: unknown; timeOrigin?: unknown } }).performance;
  return source !== undefined && typeof source.now === 'function' && typeof source.timeOrigin === 'number'
    ? (source as { now(): number; timeOrigin: number })
    : undefined;
})();

/**
 * Wall time that a step of the system clock does not move: the process's start time plus the
 * monotonic clock's progress (`performance.timeOrigin + performance.now()`, whole ms). What a
 * measured offset to a store's clock is added to, so that an operator or a VM setting the clock
 * back or forward between two measurements cannot make due times or leases be judged early or
 * late; the next measurement absorbs the slow drift between the two clocks. `Date.now()` where
 * the runtime has no monotonic clock.
 */
export const steadyClock: Clock = {
  now: monotonic === undefined ? () => Date.now() : () => Math.floor(monotonic.timeOrigin + monotonic.now()),
  setTimeout: systemClock.setTimeout,
  clearTimeout: systemClock.clearTimeout,
};
