import type { Clock, TimerHandle } from '@jobtrail/core';
import type { StoreWakeEvent } from '@jobtrail/core/store';
import { isChangeStreamUnsupported, isClientClosed } from '../errors/driver-errors.js';
import { changeToWakeEvent } from './wake-pipeline.js';

/**
 * How subscribers are woken right now. The store watches two collections, jobs and schedules,
 * with one change stream each; its mode is the one furthest from running (`combinedWakeMode`):
 * - `idle`: nobody subscribed, no change stream open.
 * - `connecting`: a change stream is being opened.
 * - `change-stream`: the change streams run; every process's writes wake subscribers.
 * - `polling`: a change stream failed; another attempt is scheduled.
 * - `polling-only`: the deployment cannot run change streams (a standalone server), they were
 *   turned off, or the application closed its MongoClient; no more attempts.
 *
 * Whenever the jobs stream is not running, jobs that this store instance makes claimable still
 * wake its subscribers at once, and jobs other processes enqueue are found by the worker's
 * regular poll. Schedules this store instance inserts, updates or deletes always wake its
 * subscribers at once (stream or not); without the schedules stream, changes other processes
 * make are not reported, and a scheduler finds them at its next pass (core's scheduler sleeps up
 * to 60 s when the store can subscribe).
 */
export type WakeMode = 'idle' | 'connecting' | 'change-stream' | 'polling' | 'polling-only';

/** From the mode closest to a running stream to the one furthest from it. */
const MODE_RANK: Readonly<Record<WakeMode, number>> = { idle: 0, 'change-stream': 1, connecting: 2, polling: 3, 'polling-only': 4 };

/**
 * The store's mode when it runs one waker per collection (jobs, schedules): the one furthest from
 * a running stream, so `change-stream` means every stream runs and `polling-only` that one of
 * them gave up for good. The wakers share their subscribers, so they are idle together.
 */
export function combinedWakeMode(modes: readonly WakeMode[]): WakeMode {
  let combined: WakeMode = 'idle';
  for (const mode of modes) if (MODE_RANK[mode] > MODE_RANK[combined]) combined = mode;
  return combined;
}

/** The part of the driver's `ChangeStream` the waker uses. */
export interface ChangeStreamLike {
  /** The first call opens the stream on the server and answers at once (null: no change yet). */
  tryNext(): Promise<unknown>;
  /** Waits for the next change. */
  next(): Promise<unknown>;
  close(): Promise<void>;
}

export interface ChangeStreamWakerOptions {
  /** Opens the change stream (over the jobs collection, say); null when change streams are turned off. */
  open: (() => ChangeStreamLike) | null;
  /**
   * The wake event of one change the stream reports, or null to deliver nothing. Default: the
   * jobs collection's (`changeToWakeEvent`).
   */
  toEvent?: (change: unknown) => StoreWakeEvent | null;
  clock: Clock;
  /** Waits before reopening a failed stream; the last one repeats. */
  retryDelaysMs?: readonly number[];
  /** Told about every change-stream failure (the waker itself carries on silently). */
  onError?: (error: unknown) => void;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 5000, 30_000];

/**
 * One collection's part of the store's `subscribe`: one change stream shared by all subscribers,
 * opened with the first and closed with the last; on failure it falls back to polling and tries
 * again later, unless the deployment does not support change streams at all.
 */
export class ChangeStreamWaker {
  private readonly listeners = new Set<(event: StoreWakeEvent) => void>();
  private readonly retryDelaysMs: readonly number[];
  private readonly toEvent: (change: unknown) => StoreWakeEvent | null;
  private current: ChangeStreamLike | null = null;
  private retryTimer: TimerHandle | null = null;
  private failures = 0;
  private modeValue: WakeMode;
  private closed = false;

  constructor(private readonly options: ChangeStreamWakerOptions) {
    this.retryDelaysMs = options.retryDelaysMs?.length ? options.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS;
    this.toEvent = options.toEvent ?? changeToWakeEvent;
    this.modeValue = options.open === null ? 'polling-only' : 'idle';
  }

  get mode(): WakeMode {
    return this.modeValue;
  }

  subscribe(listener: (event: StoreWakeEvent) => void): () => void {
    // Wrapped, so subscribing one function twice gives two independent subscriptions.
    const wrapped = (event: StoreWakeEvent): void => listener(event);
    this.listeners.add(wrapped);
    if (this.listeners.size === 1 && this.modeValue === 'idle') this.open();
    return () => {
      if (!this.listeners.delete(wrapped)) return;
      if (this.listeners.size === 0) this.stop();
    };
  }

  /**
   * A write through this store made a job of `type` claimable. Delivered (on a later microtask)
   * unless the change stream runs: it reports the write itself.
   */
  notifyLocal(type: string): void {
    if (this.listeners.size === 0 || this.modeValue === 'change-stream') return;
    // Not re-checked at delivery: a stream that starts meanwhile may have started after the write
    // and miss it. A second wake-up costs a worker one empty claim; a missed one, a poll interval.
    queueMicrotask(() => {
      if (!this.closed) this.deliver({ type });
    });
  }

  /**
   * A write through this store that subscribers of this process must hear of at once, whatever
   * the mode: delivered (on a later microtask) even while the change stream runs, which then
   * reports the write a second time. For rare writes where waiting for the stream would delay a
   * subscriber and a second wake-up costs little (a scheduler recomputing its sleep).
   */
  notifyDirect(event: StoreWakeEvent): void {
    if (this.listeners.size === 0) return;
    queueMicrotask(() => {
      if (!this.closed) this.deliver(event);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.stop();
  }

  private open(): void {
    const open = this.options.open;
    if (open === null || this.closed) return;
    let stream: ChangeStreamLike;
    try {
      stream = open();
    } catch (error) {
      this.fail(error);
      return;
    }
    this.current = stream;
    this.modeValue = 'connecting';
    void this.pump(stream);
  }

  private async pump(stream: ChangeStreamLike): Promise<void> {
    try {
      const first = await stream.tryNext();
      if (this.current !== stream) return;
      this.modeValue = 'change-stream';
      this.failures = 0;
      if (first != null) this.deliverChange(first);
      for (;;) {
        const change = await stream.next();
        if (this.current !== stream) return;
        if (change != null) this.deliverChange(change);
      }
    } catch (error) {
      // Closing the stream ourselves ends a pending next() with an error: not a failure.
      if (this.current !== stream) return;
      this.current = null;
      stream.close().catch(() => {});
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    try {
      this.options.onError?.(error);
    } catch {
      // A failing diagnostics hook must not stop the fallback.
    }
    if (isChangeStreamUnsupported(error) || isClientClosed(error)) {
      this.modeValue = 'polling-only';
      return;
    }
    this.modeValue = 'polling';
    const delay = this.retryDelaysMs[Math.min(this.failures, this.retryDelaysMs.length - 1)]!;
    this.failures++;
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = null;
      if (this.listeners.size > 0 && this.modeValue === 'polling') this.open();
    }, delay);
  }

  private stop(): void {
    if (this.retryTimer !== null) {
      this.options.clock.clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    const stream = this.current;
    this.current = null;
    if (stream !== null) stream.close().catch(() => {});
    if (this.modeValue !== 'polling-only') this.modeValue = 'idle';
  }

  private deliverChange(change: unknown): void {
    const event = this.toEvent(change);
    if (event !== null) this.deliver(event);
  }

  private deliver(event: StoreWakeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A failing listener must not break the stream or the other listeners.
      }
    }
  }
}
