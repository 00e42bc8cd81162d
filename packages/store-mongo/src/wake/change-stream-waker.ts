import type { Clock, TimerHandle } from '@jobtrail/core';
import type { StoreWakeEvent } from '@jobtrail/core/store';
import { isChangeStreamUnsupported, isClientClosed } from '../errors/driver-errors.js';
import { changeToWakeEvent } from './wake-pipeline.js';

/**
 * How subscribers are woken right now:
 * - `idle`: nobody subscribed, no change stream open.
 * - `connecting`: a change stream is being opened.
 * - `change-stream`: the change stream runs; every process's writes wake subscribers.
 * - `polling`: the change stream failed; another attempt is scheduled.
 * - `polling-only`: the deployment cannot run change streams (a standalone server), they were
 *   turned off, or the application closed its MongoClient; no more attempts.
 *
 * Whenever the change stream is not running, jobs that this store instance makes claimable
 * still wake its subscribers at once, and jobs other processes enqueue are found by the
 * worker's regular poll.
 */
export type WakeMode = 'idle' | 'connecting' | 'change-stream' | 'polling' | 'polling-only';

/** The part of the driver's `ChangeStream` the waker uses. */
export interface ChangeStreamLike {
  /** The first call opens the stream on the server and answers at once (null: no change yet). */
  tryNext(): Promise<unknown>;
  /** Waits for the next change. */
  next(): Promise<unknown>;
  close(): Promise<void>;
}

export interface ChangeStreamWakerOptions {
  /** Opens a change stream over the jobs collection; null when change streams are turned off. */
  open: (() => ChangeStreamLike) | null;
  clock: Clock;
  /** Waits before reopening a failed stream; the last one repeats. */
  retryDelaysMs?: readonly number[];
  /** Told about every change-stream failure (the waker itself carries on silently). */
  onError?: (error: unknown) => void;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 5000, 30_000];

/**
 * The store's `subscribe`: one change stream shared by all subscribers, opened with the first
 * and closed with the last; on failure it falls back to polling and tries again later, unless
 * the deployment does not support change streams at all.
 */
export class ChangeStreamWaker {
  private readonly listeners = new Set<(event: StoreWakeEvent) => void>();
  private readonly retryDelaysMs: readonly number[];
  private current: ChangeStreamLike | null = null;
  private retryTimer: TimerHandle | null = null;
  private failures = 0;
  private modeValue: WakeMode;
  private closed = false;

  constructor(private readonly options: ChangeStreamWakerOptions) {
    this.retryDelaysMs = options.retryDelaysMs?.length ? options.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS;
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
      if (first != null) this.deliver(changeToWakeEvent(first));
      for (;;) {
        const change = await stream.next();
        if (this.current !== stream) return;
        if (change != null) this.deliver(changeToWakeEvent(change));
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
