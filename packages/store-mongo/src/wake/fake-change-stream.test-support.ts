import type { ChangeStreamLike } from './change-stream-waker.js';

/**
 * A stand-in for the driver's ChangeStream with only the surface the waker uses; each pending
 * tryNext()/next() is settled by the test. The real stream is exercised by the contract suite.
 * For tests only.
 */
export class FakeStream implements ChangeStreamLike {
  closed = false;
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
