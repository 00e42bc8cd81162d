import type { StoreWakeEvent } from '@jobtrail/core/store';
import { createFakeClock } from '@jobtrail/core/testing';
import { MongoNetworkError, MongoServerError, MongoTopologyClosedError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ChangeStreamWaker, type ChangeStreamLike } from './change-stream-waker.js';

/**
 * A stand-in for the driver's ChangeStream with only the surface the waker uses; each pending
 * tryNext()/next() is settled by the test. The real stream is exercised by the contract suite.
 */
class FakeStream implements ChangeStreamLike {
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

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(options: { changeStreams?: boolean; retryDelaysMs?: number[] } = {}) {
  const clock = createFakeClock(0);
  const streams: FakeStream[] = [];
  const errors: unknown[] = [];
  const waker = new ChangeStreamWaker({
    open:
      options.changeStreams === false
        ? null
        : () => {
            const stream = new FakeStream();
            streams.push(stream);
            return stream;
          },
    clock,
    ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
    onError: (error) => errors.push(error),
  });
  const events: StoreWakeEvent[] = [];
  return { clock, streams, errors, waker, events, listen: () => waker.subscribe((event) => events.push(event)) };
}

const standalone = (): MongoServerError => new MongoServerError({ message: 'The $changeStream stage is only supported on replica sets', code: 40573 });

describe('ChangeStreamWaker', () => {
  it('opens one change stream with the first subscriber and shares it', async () => {
    const { waker, streams, listen } = setup();
    expect(waker.mode).toBe('idle');
    listen();
    listen();
    expect(streams).toHaveLength(1);
    expect(waker.mode).toBe('connecting');
    streams[0]!.push(null);
    await flush();
    expect(waker.mode).toBe('change-stream');
  });

  it('wakes with the job type of an insert, and with no type for an update', async () => {
    const { streams, events, listen } = setup();
    listen();
    streams[0]!.push(null);
    await flush();
    streams[0]!.push({ _id: { _data: '1' }, operationType: 'insert', fullDocument: { type: 'imports.upload' } });
    await flush();
    streams[0]!.push({ _id: { _data: '2' }, operationType: 'update' });
    await flush();
    expect(events).toEqual([{ type: 'imports.upload' }, {}]);
    expect(streams[0]!.waiting).toBe(true);
  });

  it('delivers a change that arrives with the first answer', async () => {
    const { streams, events, listen } = setup();
    listen();
    streams[0]!.push({ operationType: 'insert', fullDocument: { type: 'a' } });
    await flush();
    expect(events).toEqual([{ type: 'a' }]);
  });

  it("wakes for this store's own writes until the stream runs, and leaves them to the stream after", async () => {
    const { waker, streams, events, listen } = setup();
    waker.notifyLocal('ignored'); // nobody listens yet
    listen();
    waker.notifyLocal('early');
    await flush();
    expect(events).toEqual([{ type: 'early' }]);
    streams[0]!.push(null);
    await flush();
    waker.notifyLocal('late');
    await flush();
    expect(events).toEqual([{ type: 'early' }]);
  });

  it('falls back to polling for good on a deployment without change streams, still waking for local writes', async () => {
    const { clock, waker, streams, events, errors, listen } = setup();
    listen();
    streams[0]!.fail(standalone());
    await flush();
    expect(waker.mode).toBe('polling-only');
    expect(streams[0]!.closed).toBe(true);
    expect(errors).toHaveLength(1);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(600_000);
    expect(streams).toHaveLength(1);

    waker.notifyLocal('a');
    await flush();
    expect(events).toEqual([{ type: 'a' }]);
  });

  it('retries a failed stream after a growing delay, polling meanwhile, and resets the delay once it runs', async () => {
    const { clock, waker, streams, events, errors, listen } = setup({ retryDelaysMs: [1000, 5000] });
    listen();
    streams[0]!.push(null);
    await flush();
    streams[0]!.fail(new MongoServerError({ message: 'not authorized on app to execute command', code: 13 }));
    await flush();
    expect(waker.mode).toBe('polling');
    waker.notifyLocal('meanwhile');
    await flush();
    expect(events).toEqual([{ type: 'meanwhile' }]);

    await clock.advance(999);
    expect(streams).toHaveLength(1);
    await clock.advance(1);
    expect(streams).toHaveLength(2);
    expect(waker.mode).toBe('connecting');
    streams[1]!.fail(new MongoNetworkError('connection reset'));
    await flush();
    await clock.advance(4999);
    expect(streams).toHaveLength(2);
    await clock.advance(1);
    expect(streams).toHaveLength(3);
    streams[2]!.push(null);
    await flush();
    expect(waker.mode).toBe('change-stream');
    expect(errors).toHaveLength(2);

    streams[2]!.fail(new MongoNetworkError('again'));
    await flush();
    await clock.advance(1000);
    expect(streams).toHaveLength(4);
  });

  it('stops trying once the application has closed its client (a retry would reconnect it)', async () => {
    const { clock, waker, streams, listen } = setup();
    listen();
    streams[0]!.push(null);
    await flush();
    streams[0]!.fail(new MongoTopologyClosedError());
    await flush();
    expect(waker.mode).toBe('polling-only');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('treats a stream that cannot even be opened like a failed one', async () => {
    const clock = createFakeClock(0);
    let opens = 0;
    const waker = new ChangeStreamWaker({
      open: () => {
        opens++;
        throw standalone();
      },
      clock,
    });
    waker.subscribe(() => {});
    expect(opens).toBe(1);
    expect(waker.mode).toBe('polling-only');
  });

  it('closes the stream when the last subscriber leaves, and cancels a pending retry', async () => {
    const { clock, waker, streams, listen } = setup();
    const first = listen();
    const second = listen();
    streams[0]!.push(null);
    await flush();
    first();
    expect(streams[0]!.closed).toBe(false);
    second();
    second();
    expect(streams[0]!.closed).toBe(true);
    await flush();
    expect(waker.mode).toBe('idle');

    const again = listen();
    expect(streams).toHaveLength(2);
    streams[1]!.fail(new MongoNetworkError('reset'));
    await flush();
    expect(clock.pendingTimers()).toBe(1);
    again();
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(60_000);
    expect(streams).toHaveLength(2);
  });

  it('never opens a stream when change streams are turned off', async () => {
    const { waker, streams, events, listen } = setup({ changeStreams: false });
    expect(waker.mode).toBe('polling-only');
    listen();
    expect(streams).toHaveLength(0);
    waker.notifyLocal('a');
    await flush();
    expect(events).toEqual([{ type: 'a' }]);
  });

  it('keeps waking the other listeners when one throws', async () => {
    const { waker, streams, events } = setup();
    waker.subscribe(() => {
      throw new Error('listener bug');
    });
    waker.subscribe((event) => events.push(event));
    streams[0]!.push(null);
    await flush();
    streams[0]!.push({ operationType: 'insert', fullDocument: { type: 'a' } });
    await flush();
    expect(events).toEqual([{ type: 'a' }]);
  });

  it('stops for good on close, and a stream closing under a pending wait is no failure', async () => {
    const { clock, waker, streams, errors, events, listen } = setup();
    listen();
    streams[0]!.push(null);
    await flush();
    await waker.close();
    await flush();
    expect(streams[0]!.closed).toBe(true);
    expect(errors).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
    waker.notifyLocal('a');
    await flush();
    expect(events).toEqual([]);
  });
});
