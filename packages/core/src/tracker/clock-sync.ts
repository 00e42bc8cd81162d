import { StoreError } from '../errors/jobtrail-error.js';
import type { JobStore } from '../store/job-store.js';
import { steadyClock, systemClock, type Clock } from '../util/clock.js';
import { StoreClock } from '../util/store-clock.js';
import { strongRef } from '../util/weak-timer.js';
import type { TrackerEmitter } from './tracker-emitter.js';

/**
 * One clock per store, shared by every tracker on it (one resync a minute however many trackers
 * a process makes). It holds the store weakly and stops once the store is gone.
 */
const sharedClocks = new WeakMap<JobStore, StoreClock>();
const clockErrors = new WeakMap<StoreClock, unknown>();

function storeClockFor(store: JobStore): StoreClock {
  let clock = sharedClocks.get(store);
  if (clock) return clock;
  const ref = typeof WeakRef === 'function' ? new WeakRef(store) : strongRef(store);
  const made: StoreClock = new StoreClock({
    // Measured against the steady clock: a step of the system clock between two measurements
    // changes nothing (see `steadyClock`).
    base: steadyClock,
    source: () => {
      const current = ref.deref();
      if (!current) {
        made.stop();
        return Promise.reject(new StoreError('The store this clock measured is gone.'));
      }
      return current.serverTime!();
    },
    onError: (error) => clockErrors.set(made, error),
  });
  clock = made;
  sharedClocks.set(store, clock);
  return clock;
}

/** How soon a failed measurement of the store's clock is tried again by the next caller. */
const CLOCK_RETRY_MS = 5_000;

/**
 * The clock a tracker judges leases and due times on: the store's, as local time plus a measured
 * offset (stores with `serverTime`, when no clock was injected), else the one given or the system's.
 */
export class ClockSync {
  readonly clock: Clock;
  /** True until the store's clock has been measured once (hot paths skip the await after). */
  pending: boolean;
  /** Whether this clock is measured against a store's (false: injected, or the system's). */
  readonly syncs: boolean;
  private storeClock: StoreClock | null = null;
  private synced: Promise<void> | null = null;
  private nextSyncAt = 0;

  constructor(
    private readonly store: JobStore,
    options: { clock?: Clock | undefined; clockSync?: boolean | undefined },
    private readonly emitter: TrackerEmitter,
  ) {
    const syncs = options.clock === undefined && options.clockSync !== false && typeof store.serverTime === 'function';
    this.pending = syncs;
    this.syncs = syncs;
    this.clock = options.clock ?? (syncs ? this.offsetClock() : systemClock);
    // Measured now, so that the first enqueue or claim rarely has to wait for it.
    if (syncs) void this.ready();
  }

  /** See `Tracker.clockReady`. */
  ready(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    if (this.synced) return this.synced;
    const now = systemClock.now();
    // After a failed measurement (the store was not reachable yet) callers go on with the offset
    // they have, and one of them measures again at most every few seconds.
    if (now < this.nextSyncAt) return Promise.resolve();
    this.nextSyncAt = now + CLOCK_RETRY_MS;
    const fresh = this.storeClock === null;
    this.storeClock ??= storeClockFor(this.store);
    const clock = this.storeClock;
    const measured = clock.ready().then(() => (clock.roundTripMs === undefined && !fresh ? clock.sync() : undefined));
    this.synced = measured.then(() => {
      if (clock.roundTripMs !== undefined) this.pending = false;
      else this.emitter.error(clockErrors.get(clock) ?? new StoreError("Could not read the store's clock."), { operation: 'clock' });
      this.synced = null;
    });
    return this.synced;
  }

  /** The store's time measured against `steadyClock`; 0 offset until the first measurement. */
  private offsetClock(): Clock {
    return {
      now: () => steadyClock.now() + (this.storeClock?.offsetMs ?? 0),
      setTimeout: (callback, ms) => systemClock.setTimeout(callback, ms),
      clearTimeout: (handle) => systemClock.clearTimeout(handle),
    };
  }
}
