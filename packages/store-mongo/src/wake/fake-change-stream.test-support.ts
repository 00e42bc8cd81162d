import type { ResumableChangeStream } from '../feed/change-stream-feed.js';

/**
 * A stand-in for the driver's ChangeStream with only the surface the waker and the change feed
 * use; each pending tryNext()/next() is settled by the test. The real stream is exercised by the
 * contract suite. For tests only.
 */
export class FakeStream implements ResumableChangeStream {
  closed = false;
  /** Like the driver's: the `_id` of the last change pushed, or what the test sets (a post-batch token). */
  resumeToken: unknown = undefined;
  private pending: { resolve: (value: unknown) => void; reject: (error: unknown) => void } | null = null;

  tryNext(): Promise<unknown> {
    return this.wait();
  }

  next(): Promise<unknown> {
    return this.wait();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending?.reject(new Error('ChangeStream is closed'));
    this.pending = null;
  }

  get waiting(): boolean {
    return this.pending !== null;
  }

  /** Settles the pending call with a change (or null: the stream opened, nothing yet). */
  push(change: unknown): void {
    const pending = this.take();
    const id = (change as { _id?: unknown } | null)?._id;
    if (id !== undefined) this.resumeToken = id;
    pending.resolve(change);
  }

  fail(error: unknown): void {
    this.take().reject(error);
  }

  private take(): { resolve: (value: unknown) => void; reject: (error: unknown) => void } {
    const pending = this.pending;
    if (pending === null) throw new Error('nobody is waiting on the stream');
    this.pending = null;
    return pending;
  }

  private wait(): Promise<unknown> {
    if (this.pending !== null) throw new Error('two calls waiting at once');
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }
}
