import type { EventSourceMessage } from 'eventsource-parser';
import type { JobJson } from '../http/wire-types.js';
import type { VisibilitySource } from './environment.js';
import { openEventStream, type StreamTransport } from './event-stream-reader.js';

/** What the client's one stream tells each resource that listens to it. */
export interface StreamListener {
  /** The stream is live (again): events follow; what happened before is not replayed. */
  onReady(): void;
  /** A job in the caller's scope changed (its state now, as `GET /jobs/:id` would answer it). */
  onJob(job: JobJson): void;
  /** Changes were dropped (the server's buffer overflowed, or its feed reconnected): read afresh. */
  onReset(): void;
  /** The stream is down; `unsupported`: the server cannot stream, and never will for this client. */
  onDown(unsupported: boolean): void;
}

/**
 * One `GET /jobs/stream` per client, however many jobs, lists and counts the page watches:
 * browsers allow about six HTTP/1.1 connections per origin, so a stream per resource would
 * starve the page's other requests. It opens with the first listener, closes a tick after the
 * last leaves (so React StrictMode's subscribe/unsubscribe/subscribe keeps it), and reconnects
 * with the client's backoff after a drop; listeners poll meanwhile.
 *
 * A hidden page (a background tab) closes its stream and opens it again when shown: each open
 * tab would otherwise hold one of those six connections for good, and a seventh tab of the same
 * origin could not even load. Listeners hear `onDown` (their pollers pause while hidden) and,
 * when it is live again, `onReady`, after which they read afresh.
 */
export class ClientStream {
  private readonly listeners = new Set<StreamListener>();
  private close: (() => void) | null = null;
  private ready = false;
  private unsupported = false;
  private failures = 0;
  private reconnectTimer: unknown = undefined;
  private closing = false;
  private stopVisibility: (() => void) | null = null;

  constructor(
    private readonly transport: StreamTransport,
    private readonly backoff: { baseMs: number; maxMs: number },
    private readonly onUnsupported: () => void,
    private readonly visibility?: VisibilitySource,
  ) {}

  get isUnsupported(): boolean {
    return this.unsupported;
  }

  subscribe(listener: StreamListener): () => void {
    this.listeners.add(listener);
    if (this.unsupported) {
      listener.onDown(true);
    } else if (this.ready) {
      listener.onReady();
    } else if (this.close === null && this.reconnectTimer === undefined) {
      this.watchVisibility();
      if (this.visibility?.isHidden()) listener.onDown(false);
      else this.open();
    }
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && !this.closing) {
        this.closing = true;
        queueMicrotask(() => {
          this.closing = false;
          if (this.listeners.size === 0) this.shut();
        });
      }
    };
  }

  /** Closes the stream while the page is hidden and opens it when shown (see the class). */
  private watchVisibility(): void {
    if (!this.visibility || this.stopVisibility !== null) return;
    const visibility = this.visibility;
    this.stopVisibility = visibility.subscribe(() => {
      if (this.unsupported || this.listeners.size === 0) return;
      if (visibility.isHidden()) {
        if (this.close === null && this.reconnectTimer === undefined) return;
        this.closeStream();
        for (const listener of [...this.listeners]) listener.onDown(false);
      } else if (this.close === null && this.reconnectTimer === undefined) {
        this.failures = 0;
        this.open();
      }
    });
  }

  private open(): void {
    this.close = openEventStream(
      this.transport,
      '/jobs/stream',
      (event) => this.heard(event),
      (unsupported) => this.down(unsupported),
    );
  }

  private heard(event: EventSourceMessage): void {
    if (event.event === 'ready' || (event.event === 'reset' && !this.ready)) {
      this.ready = true;
      this.failures = 0;
      for (const listener of [...this.listeners]) listener.onReady();
      return;
    }
    if (event.event === 'reset') {
      for (const listener of [...this.listeners]) listener.onReset();
      return;
    }
    if (event.event !== 'job') return;
    let job: JobJson | undefined;
    try {
      job = (JSON.parse(event.data) as { job?: JobJson }).job;
    } catch {
      job = undefined;
    }
    if (job === undefined || typeof job.id !== 'string') return;
    for (const listener of [...this.listeners]) listener.onJob(job);
  }

  private down(unsupported: boolean): void {
    this.close = null;
    this.ready = false;
    if (unsupported) {
      this.unsupported = true;
      this.onUnsupported();
    }
    for (const listener of [...this.listeners]) listener.onDown(unsupported);
    if (unsupported || this.listeners.size === 0 || this.visibility?.isHidden()) return;
    this.failures += 1;
    const { baseMs, maxMs } = this.backoff;
    this.reconnectTimer = this.transport.timers.setTimeout(
      () => {
        this.reconnectTimer = undefined;
        if (this.listeners.size > 0 && !this.visibility?.isHidden()) this.open();
      },
      Math.min(maxMs, baseMs * 2 ** (this.failures - 1)),
    );
  }

  private shut(): void {
    this.stopVisibility?.();
    this.stopVisibility = null;
    this.closeStream();
  }

  private closeStream(): void {
    if (this.reconnectTimer !== undefined) {
      this.transport.timers.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
    const close = this.close;
    this.close = null;
    this.ready = false;
    close?.();
  }
}
