/**
 * One Server-Sent Events connection (the WHATWG HTML "Server-sent events" format): a
 * `text/event-stream` body the handler writes events into, with heartbeats, a bounded buffer for a
 * slow reader, and a close hook. Pure Fetch API: works under Node, Deno, Bun and edge runtimes.
 */

/** Headers of every stream: never cached or transformed, and not buffered by nginx-style proxies. */
export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'private, no-cache, no-transform',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
};

export interface EventStreamOptions {
  /** A comment line every this many ms keeps proxies and the browser from timing the stream out. */
  heartbeatMs: number;
  /** Events waiting for a slow reader before the overflow rule applies. */
  maxBuffered: number;
  /** Bytes of events waiting for a slow reader before the overflow rule applies. Default 1 MiB. */
  maxBufferedBytes?: number;
  /**
   * The overflow rule: what replaces every waiting event once more than `maxBuffered` wait
   * (e.g. one `reset` event telling the client to read afresh).
   */
  onOverflow: () => { event: string; data: unknown };
  /** Called once when the stream ends (the client went away, or `close()`). */
  onClose: () => void;
  /** The reconnection delay the browser should use, in ms (the `retry:` field). */
  retryMs: number;
}

/** What a slow reader may leave waiting, in bytes (UTF-16 code units, close enough), before the overflow rule. */
const DEFAULT_MAX_BUFFERED_BYTES = 1 << 20;

interface Pending {
  /** Events with a key replace a waiting event of the same key (the latest state of one job). */
  key?: string;
  /** The retry field and heartbeats: not events, never counted or dropped by the overflow rule. */
  control?: true;
  text: string;
}

/**
 * A stream being written; {@link body} is the Response body. Events wait here, not in the
 * stream's queue, until the reader asks for more, so a slow reader costs at most `maxBuffered`
 * events and `maxBufferedBytes`: a keyed event replaces the waiting one of its key, and past
 * either bound the overflow rule replaces them all (a single event larger than the byte bound is
 * itself replaced).
 */
export class EventStream {
  readonly body: ReadableStream<Uint8Array>;
  private readonly encoder = new TextEncoder();
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private pending: Pending[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(private readonly options: EventStreamOptions) {
    this.pending.push({ control: true, text: `retry: ${options.retryMs}\n\n` });
    this.body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (this.pending.length === 0 && !this.closed) await new Promise<void>((resolve) => (this.wake = resolve));
          if (this.pending.length > 0) {
            const text = this.pending.map((entry) => entry.text).join('');
            this.pending = [];
            controller.enqueue(this.encoder.encode(text));
          }
          if (this.closed) controller.close();
        },
        cancel: () => this.finish(),
      },
      { highWaterMark: 0 },
    );
    this.heartbeat = setInterval(() => {
      if (this.pending.length === 0) this.push({ control: true, text: ': ping\n\n' });
    }, options.heartbeatMs);
    (this.heartbeat as { unref?: () => void }).unref?.();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues one event; `key` coalesces it with a waiting event of the same key (see the class). */
  send(event: string, data: unknown, options: { id?: string; key?: string } = {}): void {
    if (this.closed) return;
    const text = format(event, data, options.id);
    if (options.key !== undefined) {
      const waiting = this.pending.find((entry) => entry.key === options.key);
      if (waiting !== undefined) {
        waiting.text = text;
        return;
      }
    }
    const waiting = this.pending.filter((entry) => entry.control === undefined);
    const waitingBytes = waiting.reduce((sum, entry) => sum + entry.text.length, 0);
    if (waiting.length >= this.options.maxBuffered || waitingBytes + text.length > (this.options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES)) {
      const replacement = this.options.onOverflow();
      this.pending = this.pending.filter((entry) => entry.control !== undefined);
      this.push({ text: format(replacement.event, replacement.data) });
      return;
    }
    this.push(options.key === undefined ? { text } : { key: options.key, text });
  }

  /** Ends the stream after what is waiting has been read. */
  close(): void {
    if (this.closed) return;
    this.finish();
  }

  private push(entry: Pending): void {
    this.pending.push(entry);
    this.wake?.();
    this.wake = null;
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.wake?.();
    this.wake = null;
    this.options.onClose();
  }
}

function format(event: string, data: unknown, id?: string): string {
  // JSON.stringify never yields a raw newline, so the data is one `data:` line.
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}
