import type { JobChange, JobChangeEvent, JobChangeListener } from '@jobtrail/core';
import { parseChangePayload } from './change-payload.js';

export interface ChangeFeedOptions {
  /** Listen to the change channel (open the LISTEN connection if need be), or stop. */
  setWanted: (wanted: boolean) => void;
  /** Whether the LISTEN connection is failing (reconnecting after a drop or a refused connect). */
  isReconnecting: () => boolean;
  /** The routing fields of jobs a notification named by id only (missing jobs left out). */
  readRouting: (ids: string[]) => Promise<JobChange[]>;
  onError: (error: unknown) => void;
  /** Longest a write waits for the first LISTEN of the change channel (see `settling`). */
  settleTimeoutMs: number;
}

/**
 * The store side of the change feed: parses what the triggers NOTIFY on the change channel and
 * delivers it to `subscribeChanges` listeners, one event per tick with each job's latest change;
 * `{ gap: true }` whenever the channel is listened to after a time it was not (first subscription,
 * reconnect), when it stops being listened to (the connection dropped), and for a notification it
 * cannot trust.
 */
export class ChangeFeed {
  private readonly listeners = new Set<JobChangeListener>();
  private pending: Map<string, JobChange> | null = null;
  /** The change channel is listened to on the live connection. */
  private ready = false;
  private settle: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(private readonly options: ChangeFeedOptions) {}

  /**
   * While the change channel's first LISTEN is being set up for a new subscriber: a promise the
   * store's writes await (at most `settleTimeoutMs`), so a subscriber hears every change this
   * process makes after it subscribed. Null otherwise (the usual case: no wait at all).
   */
  get settling(): Promise<void> | null {
    return this.settle?.promise ?? null;
  }

  subscribe(listener: JobChangeListener): () => void {
    const wrapped: JobChangeListener = (event) => listener(event);
    this.listeners.add(wrapped);
    if (!this.ready && this.settle === null && !this.options.isReconnecting()) this.startSettling();
    this.options.setWanted(true);
    return () => {
      if (!this.listeners.delete(wrapped) || this.listeners.size > 0) return;
      this.endSettling();
      this.pending = null;
      this.ready = false;
      this.options.setWanted(false);
    };
  }

  /** A notification on the change channel. */
  heard(payload: string | undefined): void {
    let parsed: ReturnType<typeof parseChangePayload>;
    try {
      parsed = parseChangePayload(payload);
    } catch (error) {
      this.options.onError(error);
      this.gap();
      return;
    }
    for (const change of parsed.changes) this.add(change);
    if (parsed.idsOnly.length > 0) {
      this.options.readRouting(parsed.idsOnly).then(
        (changes) => {
          for (const change of changes) this.add(change);
        },
        (error: unknown) => {
          this.options.onError(error);
          this.gap();
        },
      );
    }
  }

  /** Every write that starts from now on is heard: this store's writes may go on. */
  registered(): void {
    this.endSettling();
  }

  /** The change channel is listened to: whatever happened before may have been missed. */
  listening(): void {
    this.ready = true;
    this.endSettling();
    this.gap();
  }

  /**
   * The change channel is not listened to any more (until `listening`). Listeners hear a gap at
   * once, not only when it comes back: a reader that reads again now learns that the database is
   * away (an HTTP list stream resets and its page reads, and shows the error) instead of showing
   * what it last heard as live for the whole outage.
   */
  lost(): void {
    const wasReady = this.ready;
    this.ready = false;
    this.endSettling();
    if (wasReady && this.listeners.size > 0) this.gap();
  }

  /** The store closed: listeners hear the feed end (after what was already heard), then nothing more. */
  close(): void {
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) this.emit({ changes: [...pending.values()] });
    this.emit({ gap: true, ended: true });
    this.listeners.clear();
    this.ready = false;
    this.endSettling();
  }

  private add(change: JobChange): void {
    if (this.listeners.size === 0) return;
    if (this.pending !== null) {
      const known = this.pending.get(change.jobId);
      if (known === undefined || known.version <= change.version) this.pending.set(change.jobId, change);
      return;
    }
    const pending = new Map([[change.jobId, change]]);
    this.pending = pending;
    queueMicrotask(() => {
      if (this.pending !== pending) return;
      this.pending = null;
      this.emit({ changes: [...pending.values()] });
    });
  }

  private gap(): void {
    // Changes already heard go first: the gap tells listeners to read again after them.
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) this.emit({ changes: [...pending.values()] });
    this.emit({ gap: true });
  }

  private emit(event: JobChangeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event.gap ? (event.ended ? { gap: true, ended: true } : { gap: true }) : { changes: event.changes.map((change) => ({ ...change })) });
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  private startSettling(): void {
    let resolve!: () => void;
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    const timer = setTimeout(() => this.endSettling(), this.options.settleTimeoutMs);
    timer.unref?.();
    this.settle = {
      promise,
      resolve: () => {
        clearTimeout(timer);
        resolve();
      },
    };
  }

  private endSettling(): void {
    const settle = this.settle;
    this.settle = null;
    settle?.resolve();
  }
}
