import type { StoreWakeEvent } from '@jobtrail/core/store';
import { createFakeClock } from '@jobtrail/core/testing';
import { MongoNetworkError, MongoServerError, MongoTopologyClosedError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ChangeStreamWaker, combinedWakeMode, type WakeMode } from './change-stream-waker.js';
import { FakeStream } from './fake-change-stream.test-support.js';
import { scheduleChangeToWakeEvent } from './schedule-wake-pipeline.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(options: { changeStreams?: boolean; retryDelaysMs?: number[]; toEvent?: (change: unknown) => StoreWakeEvent | null } = {}) {
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
    ...(options.toEvent ? { toEvent: options.toEvent } : {}),
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

  it('turns changes into events with the given mapping, delivering nothing where it answers null (the schedules stream)', async () => {
    const { streams, events, listen } = setup({ toEvent: scheduleChangeToWakeEvent });
    listen();
    streams[0]!.push(null);
    await flush();
    streams[0]!.push({ _id: { _data: '1' }, operationType: 'delete', documentKey: { _id: 'nightly' } });
    await flush();
    streams[0]!.push({ _id: { _data: '2' }, operationType: 'insert', documentKey: { _id: 42 } });
    await flush();
    streams[0]!.push({ _id: { _data: '3' }, operationType: 'update', documentKey: { _id: 'hourly' } });
    await flush();
    expect(events).toEqual([{ schedule: 'nightly' }, { schedule: 'hourly' }]);
    expect(streams[0]!.waiting).toBe(true);
  });

  it('delivers direct notifications in every mode, the running stream included, but not before anyone listens or after close', async () => {
    const { waker, streams, events, listen } = setup();
    waker.notifyDirect({ schedule: 'ignored' });
    listen();
    waker.notifyDirect({ schedule: 'connecting' });
    await flush();
    streams[0]!.push(null);
    await flush();
    expect(waker.mode).toBe('change-stream');
    waker.notifyDirect({ schedule: 'streaming' });
    // Not delivered synchronously: the caller's write returns first.
    expect(events).toEqual([{ schedule: 'connecting' }]);
    await flush();
    expect(events).toEqual([{ schedule: 'connecting' }, { schedule: 'streaming' }]);
    waker.notifyDirect({ schedule: 'closing' });
    await waker.close();
    await flush();
    expect(events).toEqual([{ schedule: 'connecting' }, { schedule: 'streaming' }]);
  });

  it('delivers direct notifications when change streams are turned off', async () => {
    const { waker, events, listen } = setup({ changeStreams: false });
    listen();
    waker.notifyDirect({ schedule: 'a' });
    await flush();
    expect(events).toEqual([{ schedule: 'a' }]);
  });
});

describe('combinedWakeMode', () => {
  const MODES: WakeMode[] = ['idle', 'connecting', 'change-stream', 'polling', 'polling-only'];

  it('is change-stream only when every stream runs, and idle only when all are', () => {
    expect(combinedWakeMode(['change-stream', 'change-stream'])).toBe('change-stream');
    expect(combinedWakeMode(['idle', 'idle'])).toBe('idle');
    expect(combinedWakeMode([])).toBe('idle');
    for (const mode of MODES) {
      expect(combinedWakeMode([mode, mode])).toBe(mode);
      expect(combinedWakeMode(['idle', mode])).toBe(mode);
    }
  });

  it('answers the mode furthest from a running stream, in either order', () => {
    const cases: Array<[WakeMode, WakeMode, WakeMode]> = [
      ['change-stream', 'connecting', 'connecting'],
      ['change-stream', 'polling', 'polling'],
      ['connecting', 'polling', 'polling'],
      ['polling', 'polling-only', 'polling-only'],
      ['change-stream', 'polling-only', 'polling-only'],
    ];
    for (const [a, b, combined] of cases) {
      expect(combinedWakeMode([a, b])).toBe(combined);
      expect(combinedWakeMode([b, a])).toBe(combined);
    }
  });
});
