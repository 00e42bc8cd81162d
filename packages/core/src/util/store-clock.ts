import { JobValidationError, StoreError } from '../errors/jobtrail-error.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { dateTime, isDate } from './dates.js';

/** Default time between two measurements of the offset, in ms. */
export const DEFAULT_RESYNC_MS = 60_000;
/** Default number of round trips per measurement (the fastest one is kept). */
export const DEFAULT_CLOCK_SAMPLES = 3;
/** Default longest wait for one answer of the store's clock, in ms. */
export const DEFAULT_CLOCK_TIMEOUT_MS = 10_000;

export interface StoreClockOptions {
  /**
   * Reads the store's clock, typically `() => store.serverTime()`. Each call is one round trip;
   * it should answer the time at which the store handled it.
   */
  source: () => Promise<Date>;
  /** The local clock the offset is added to, and whose timers are used. Default `systemClock`. */
  base?: Clock;
  /**
   * Milliseconds between two measurements, so a process clock drifting (or stepped by NTP) is
   * followed. Default 60_000. Timers come from `base` (`systemClock` unrefs them), so the clock
   * never keeps a process alive.
   */
  resyncMs?: number;
  /** Round trips per measurement, 1 to 10; the one with the smallest round trip wins. Default 3. */
  samples?: number;
  /**
   * Longest wait for one answer, in ms (a `base` timer); a later answer is ignored and the
   * measurement fails, so `ready()` never waits on a store that does not answer. Default 10_000.
   */
  timeoutMs?: number;
  /**
   * Told when a measurement fails (the store is unreachable, or answered something that is not a
   * valid time). The offset then stays what it was (0 before the first success) and the next
   * resync tries again. Default: nothing.
   */
  onError?: (error: unknown) => void;
}

interface Sample {
  offsetMs: number;
  roundTripMs: number;
}

/**
 * A `Clock` that tells the store's time: local time (`base.now()`) plus this process's measured
 * offset to the store's clock, in milliseconds.
 *
 * Why: a lease or a `runAt` is written by one process and judged by others. If each judged it on
 * its own clock, a worker whose clock runs 40 s ahead would start delayed jobs 40 s early and
 * take over leases that their owners are still renewing. With every process reading times as
 * `local + offset`, all of them judge leases and due times on one clock — the store's — however
 * skewed their own clocks are.
 *
 * The offset is measured like NTP does: `t0 = base.now()`, ask the store (`source()`),
 * `t1 = base.now()`, `measured = server - (t0 + t1) / 2`, which is off by at most half the round
 * trip; the offset kept is the value nearest zero within that margin (0 for processes that share
 * the store's clock). Of `samples` round trips the one with the smallest round trip wins. The first
 * measurement starts at construction; until it has finished (see `ready()`) the offset is 0.
 * Timers (`setTimeout`/`clearTimeout`) are durations and go straight to `base`.
 *
 * @example
 * const clock = new StoreClock({ source: () => store.serverTime!(), onError: (e) => log.warn(e) });
 * await clock.ready();
 * const leaseExpiresAt = new Date(clock.now() + leaseMs); // on the store's clock
 */
export class StoreClock implements Clock {
  private readonly base: Clock;
  private readonly source: () => Promise<Date>;
  private readonly resyncMs: number;
  private readonly samples: number;
  private readonly timeoutMs: number;
  private readonly onError: (error: unknown) => void;
  private offset = 0;
  private roundTrip: number | undefined;
  private inflight: Promise<void> | null = null;
  private timer: TimerHandle | null = null;
  private stopped = false;
  private readonly first: Promise<void>;

  constructor(options: StoreClockOptions) {
    if (options === null || typeof options !== 'object') {
      throw new JobValidationError('options', 'pass { source }, where source reads the store\'s clock (() => store.serverTime()).');
    }
    if (typeof options.source !== 'function') {
      throw new JobValidationError('source', 'must be a function answering a Promise<Date> (e.g. () => store.serverTime()).');
    }
    const base = options.base ?? systemClock;
    if (base === null || typeof base !== 'object' || typeof base.now !== 'function' || typeof base.setTimeout !== 'function') {
      throw new JobValidationError('base', 'must be a Clock (now, setTimeout, clearTimeout).');
    }
    const resyncMs = options.resyncMs ?? DEFAULT_RESYNC_MS;
    if (typeof resyncMs !== 'number' || !Number.isFinite(resyncMs) || resyncMs < 1) {
      throw new JobValidationError('resyncMs', `must be a finite number of milliseconds >= 1; got ${String(resyncMs)}.`);
    }
    const samples = options.samples ?? DEFAULT_CLOCK_SAMPLES;
    if (!Number.isInteger(samples) || samples < 1 || samples > 10) {
      throw new JobValidationError('samples', `must be an integer from 1 to 10; got ${String(samples)}.`);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOCK_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 1) {
      throw new JobValidationError('timeoutMs', `must be a finite number of milliseconds >= 1; got ${String(timeoutMs)}.`);
    }
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new JobValidationError('onError', 'must be a function.');
    }
    this.base = base;
    this.source = options.source;
    this.resyncMs = resyncMs;
    this.samples = samples;
    this.timeoutMs = timeoutMs;
    this.onError = options.onError ?? (() => {});
    this.first = this.sync();
  }

  /** The store's time now, in ms since the epoch: `base.now() + offsetMs`. */
  now(): number {
    return this.base.now() + this.offset;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.base.setTimeout(callback, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.base.clearTimeout(handle);
  }

  /**
   * Store time minus local time, in whole milliseconds (positive: the store's clock is ahead of
   * this process's). 0 until the first measurement succeeds.
   */
  get offsetMs(): number {
    return this.offset;
  }

  /**
   * The round trip, in ms, of the sample the current offset comes from (the offset is off by at
   * most half of it); undefined until a measurement succeeded.
   */
  get roundTripMs(): number | undefined {
    return this.roundTrip;
  }

  /**
   * Measures the offset now: up to `samples` round trips, one after another, stopping at the
   * first failure; the successful sample with the smallest round trip becomes the offset. When
   * none succeeds the offset stays as it was. Every failure (including an answer that is not a
   * valid time) goes to `onError`; the promise never rejects. A call while a measurement runs
   * joins it. Unless stopped, the next measurement is scheduled `resyncMs` after this one ends.
   */
  sync(): Promise<void> {
    if (this.inflight !== null) return this.inflight;
    if (this.timer !== null) {
      this.base.clearTimeout(this.timer);
      this.timer = null;
    }
    const run = this.measure().finally(() => {
      this.inflight = null;
      this.schedule();
    });
    this.inflight = run;
    return run;
  }

  /** Resolves once the first measurement has finished, successfully or not. Never rejects. */
  ready(): Promise<void> {
    return this.first;
  }

  /**
   * Stops the periodic resync (a measurement in flight still finishes and may update the
   * offset). `now()` keeps answering with the last offset; `sync()` still measures on demand.
   */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) {
      this.base.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private schedule(): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = this.base.setTimeout(() => {
      this.timer = null;
      void this.sync();
    }, this.resyncMs);
  }

  private async measure(): Promise<void> {
    let best: Sample | undefined;
    for (let i = 0; i < this.samples; i++) {
      let sample: Sample;
      try {
        sample = await this.sample();
      } catch (error) {
        this.report(error);
        break;
      }
      if (best === undefined || sample.roundTripMs < best.roundTripMs) best = sample;
    }
    if (best !== undefined) {
      this.offset = best.offsetMs;
      this.roundTrip = best.roundTripMs;
    }
  }

  private async sample(): Promise<Sample> {
    const t0 = this.base.now();
    const answer: unknown = await this.ask();
    const t1 = this.base.now();
    const server = dateTime(answer);
    const measured = server - (t0 + t1) / 2;
    // The true offset lies within half the round trip of what was measured: take the one nearest
    // zero. Processes on one host (offset 0) then agree exactly, instead of disagreeing by the
    // noise of their measurements, and a real skew is still corrected to within the round trip.
    const half = (t1 - t0) / 2;
    const offsetMs = Math.round(Math.abs(measured) <= half ? 0 : measured - Math.sign(measured) * half);
    if (!Number.isFinite(offsetMs)) {
      throw new StoreError(
        `The store's clock answered ${describeAnswer(answer)}, not a valid time; the offset to it stays ${this.offset} ms.`,
      );
    }
    return { offsetMs: offsetMs === 0 ? 0 : offsetMs, roundTripMs: t1 - t0 };
  }

  /** One call of `source`, failed when it has not answered within `timeoutMs`. */
  private ask(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = this.base.setTimeout(() => {
        reject(new StoreError(`The store's clock did not answer within ${this.timeoutMs} ms; the offset to it stays ${this.offset} ms.`));
      }, this.timeoutMs);
      let answer: Promise<unknown>;
      try {
        answer = Promise.resolve(this.source());
      } catch (error) {
        answer = Promise.reject(error);
      }
      answer.then(
        (value) => {
          this.base.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.base.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private report(error: unknown): void {
    try {
      this.onError(error);
    } catch {
      // A throwing error hook must not break the clock.
    }
  }
}

function describeAnswer(answer: unknown): string {
  if (isDate(answer)) return 'an invalid Date';
  if (answer === null) return 'null';
  if (typeof answer === 'object') return 'an object';
  return `${typeof answer} ${String(answer)}`;
}
