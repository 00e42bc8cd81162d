import type { Clock, TimerHandle } from '@jobtrail/core';
import type { JobChangeEvent, JobChangeListener } from '@jobtrail/core/store';
import { readChangeEvent, type ChangeEventReading } from '../documents/change-feed-documents.js';
import { isChangeStreamUnsupported, isClientClosed, isResumableChangeStreamError } from '../errors/driver-errors.js';
import { DEFAULT_RETRY_DELAYS_MS, type ChangeStreamLike } from '../wake/change-stream-waker.js';

/** The part of the driver's `ChangeStream` the feed uses: the waker's, and the resume token. */
export interface ResumableChangeStream extends ChangeStreamLike {
  /**
   * The token to resume after the last change returned (or after the last empty batch): the
   * driver's `ChangeStream.resumeToken`. Undefined before the stream has answered.
   */
  readonly resumeToken?: unknown;
}

/**
 * Where the feed stands:
 * - `idle`: nobody subscribed, no stream open.
 * - `connecting`: a stream is being opened (afresh, or resuming after a token).
 * - `running`: the stream runs; every committed change reaches the listeners.
 * - `waiting`: the stream failed; another attempt is scheduled.
 * - `unavailable`: the deployment cannot run change streams (a standalone server) or the
 *   application closed its MongoClient; no more attempts.
 * - `closed`: the store was closed.
 */
export type ChangeFeedState = 'idle' | 'connecting' | 'running' | 'waiting' | 'unavailable' | 'closed';

export interface ChangeStreamFeedOptions {
  /** Opens the jobs collection's change stream, resuming after `resumeToken` when one is given. */
  open: (resumeToken: unknown) => ResumableChangeStream;
  clock: Clock;
  /** Waits before reopening a failed stream; the last one repeats. Default: 1 s, 5 s, 30 s. */
  retryDelaysMs?: readonly number[];
  /** Told about every stream failure and every event the feed cannot read (it carries on). */
  onError?: (error: unknown) => void;
  /** What an event means. Default: `readChangeEvent` (events of `CHANGE_FEED_PIPELINE`). */
  read?: (event: unknown) => ChangeEventReading;
}

const GAP: JobChangeEvent = Object.freeze({ gap: true } as const);
/** The feed stopped for good (the store closed, or the deployment has no change streams). */
const ENDED: JobChangeEvent = Object.freeze({ gap: true, ended: true } as const);

/**
 * The store's change feed (`subscribeChanges`): one change stream over the jobs collection,
 * shared by all listeners, opened with the first and closed with the last (or `close()`).
 *
 * Nothing is lost silently. The feed remembers the resume token of the last event (or empty
 * batch); when the stream fails (the driver has already resumed it once on its own where it
 * could), it reopens it after that token. Listeners hear one gap when a running stream fails (what
 * they show may be stale until it is back; re-reading then shows the outage) and nothing more
 * when it resumes: nothing was missed. Where resuming is not
 * possible — no token yet, the history behind it is gone (ChangeStreamHistoryLost), a failure
 * that is not resumable, the collection dropped (`invalidate`) — the stream is opened afresh and
 * listeners get `{ gap: true }` once it runs, so what they read after the gap includes every
 * change the stream will not report. A first stream (or one opened after everyone left) is fresh
 * too: its listeners get a gap when it starts running, covering writes made between their
 * subscription and the start. An event it cannot read is reported to `onError` and is a gap.
 * A deployment without change streams gets one last gap marked `ended`, and no more changes; so
 * does every listener when the store closes.
 */
export class ChangeStreamFeed {
  private readonly listeners = new Set<JobChangeListener>();
  private readonly retryDelaysMs: readonly number[];
  private readonly read: (event: unknown) => ChangeEventReading;
  private current: ResumableChangeStream | null = null;
  /** Where the next stream resumes; undefined: it starts afresh (and its start is a gap). */
  private resumeToken: unknown = undefined;
  private retryTimer: TimerHandle | null = null;
  private failures = 0;
  private stateValue: ChangeFeedState = 'idle';

  constructor(private readonly options: ChangeStreamFeedOptions) {
    this.retryDelaysMs = options.retryDelaysMs?.length ? options.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS;
    this.read = options.read ?? readChangeEvent;
  }

  get state(): ChangeFeedState {
    return this.stateValue;
  }

  /** Adds a listener (opening the stream for the first); answers its unsubscribe. Nothing happens once closed. */
  subscribe(listener: JobChangeListener): () => void {
    if (this.stateValue === 'closed') return () => {};
    // Wrapped, so subscribing one function twice gives two independent subscriptions.
    const wrapped: JobChangeListener = (event) => listener(event);
    this.listeners.add(wrapped);
    if (this.listeners.size === 1 && this.stateValue === 'idle') this.open();
    return () => {
      if (this.listeners.delete(wrapped) && this.listeners.size === 0) this.stop();
    };
  }

  close(): void {
    this.deliver(ENDED);
    this.listeners.clear();
    this.stop();
    this.stateValue = 'closed';
  }

  private open(): void {
    const resumeToken = this.resumeToken;
    let stream: ResumableChangeStream;
    try {
      stream = this.options.open(resumeToken);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.current = stream;
    this.stateValue = 'connecting';
    void this.pump(stream, resumeToken !== undefined);
  }

  private async pump(stream: ResumableChangeStream, resuming: boolean): Promise<void> {
    try {
      const first = await stream.tryNext();
      if (this.current !== stream) return;
      this.stateValue = 'running';
      this.failures = 0;
      if (!resuming) this.deliver(GAP);
      if (!this.take(stream, first)) return;
      for (;;) {
        const event = await stream.next();
        if (this.current !== stream) return;
        if (!this.take(stream, event)) return;
      }
    } catch (error) {
      // Closing the stream ourselves ends a pending next() with an error: not a failure.
      if (this.current !== stream) return;
      this.current = null;
      stream.close().catch(() => {});
      this.fail(error);
    }
  }

  /** Handles one answer of the stream (null: an empty batch); false when the stream has ended. */
  private take(stream: ResumableChangeStream, event: unknown): boolean {
    if (event != null) {
      let reading: ChangeEventReading;
      try {
        reading = this.read(event);
      } catch (error) {
        this.report(error);
        reading = { kind: 'ignored' };
        this.deliver(GAP);
      }
      if (reading.kind === 'invalidated') {
        // The collection was dropped or renamed: the stream is over, and its token cannot be resumed after.
        this.current = null;
        this.resumeToken = undefined;
        stream.close().catch(() => {});
        this.open();
        return false;
      }
      if (reading.kind === 'change') this.deliver({ changes: [reading.change] });
    }
    if (stream.resumeToken != null) this.resumeToken = stream.resumeToken;
    return true;
  }

  private fail(error: unknown): void {
    this.report(error);
    if (isChangeStreamUnsupported(error) || isClientClosed(error)) {
      this.stateValue = 'unavailable';
      this.resumeToken = undefined;
      this.deliver(ENDED);
      return;
    }
    // Not resumable: the next stream starts afresh, and reports the gap once it runs.
    if (!isResumableChangeStreamError(error)) this.resumeToken = undefined;
    // A running stream just stopped: listeners hear a gap now, so a reader that reads again learns
    // that the deployment is away instead of showing what it last heard as live until it is back.
    // (Resumed, the stream misses nothing and brings no second gap.)
    if (this.stateValue === 'running') this.deliver(GAP);
    this.stateValue = 'waiting';
    const delay = this.retryDelaysMs[Math.min(this.failures, this.retryDelaysMs.length - 1)]!;
    this.failures++;
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = null;
      if (this.listeners.size > 0 && this.stateValue === 'waiting') this.open();
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
    // A later subscriber needs no history: its stream starts afresh (with a gap, see the class).
    this.resumeToken = undefined;
    this.failures = 0;
    if (this.stateValue !== 'unavailable' && this.stateValue !== 'closed') this.stateValue = 'idle';
  }

  private report(error: unknown): void {
    try {
      this.options.onError?.(error);
    } catch {
      // A failing diagnostics hook must not stop the feed.
    }
  }

  private deliver(event: JobChangeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        // A copy each: one listener changing what it got must not change what the next one gets.
        listener(event.gap ? event : { changes: event.changes.map((change) => ({ ...change })) });
      } catch {
        // A failing listener must not break the stream or the other listeners.
      }
    }
  }
}
