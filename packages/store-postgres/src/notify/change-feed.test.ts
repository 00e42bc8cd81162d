import type { JobChange, JobChangeEvent } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { ChangeFeed, type ChangeFeedOptions } from './change-feed.js';

const A = '0190a0b0-0000-7000-8000-00000000000a';
const B = '0190a0b0-0000-7000-8000-00000000000b';

function item(id: string, status: string, version: number): unknown[] {
  return [id, 'mail.send', 't1', null, status, version];
}

function feedWith(overrides: Partial<ChangeFeedOptions> = {}) {
  const wanted: boolean[] = [];
  const errors: unknown[] = [];
  const feed = new ChangeFeed({
    setWanted: (on) => wanted.push(on),
    isReconnecting: () => false,
    readRouting: async () => [],
    onError: (error) => errors.push(error),
    settleTimeoutMs: 60_000,
    ...overrides,
  });
  return { feed, wanted, errors };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ChangeFeed', () => {
  it('wants the channel while anyone subscribes, and delivers one event per tick with each job\'s latest change', async () => {
    const { feed, wanted } = feedWith();
    const events: JobChangeEvent[] = [];
    const stop = feed.subscribe((event) => events.push(event));
    expect(wanted).toEqual([true]);
    feed.heard(JSON.stringify([item(A, 'queued', 1), item(B, 'queued', 1)]));
    feed.heard(JSON.stringify([item(A, 'running', 2)]));
    feed.heard(JSON.stringify([item(B, 'queued', 0)]));
    expect(events).toEqual([]);
    await tick();
    expect(events).toEqual([
      {
        changes: [
          { jobId: A, type: 'mail.send', tenantId: 't1', ownerId: null, status: 'running', version: 2 },
          { jobId: B, type: 'mail.send', tenantId: 't1', ownerId: null, status: 'queued', version: 1 },
        ],
      },
    ]);
    stop();
    stop();
    expect(wanted).toEqual([true, false]);
    feed.heard(JSON.stringify([item(A, 'completed', 3)]));
    await tick();
    expect(events).toHaveLength(1);
  });

  it('reads the routing fields of id-only items, and turns a failed read into a gap', async () => {
    const reads: string[][] = [];
    let fail = false;
    const { feed, errors } = feedWith({
      readRouting: async (ids) => {
        reads.push(ids);
        if (fail) throw new Error('connection lost');
        return ids.map((jobId): JobChange => ({ jobId, type: 'x'.repeat(2000), tenantId: null, ownerId: null, status: 'queued', version: 5 }));
      },
    });
    const events: JobChangeEvent[] = [];
    feed.subscribe((event) => events.push(event));
    feed.heard(JSON.stringify([[A], [B]]));
    await tick();
    expect(reads).toEqual([[A, B]]);
    expect(events.flatMap((event) => event.changes ?? []).map((change) => change.jobId)).toEqual([A, B]);
    fail = true;
    feed.heard(JSON.stringify([[A]]));
    await tick();
    expect(events.at(-1)).toEqual({ gap: true });
    expect(errors).toEqual([expect.objectContaining({ message: 'connection lost' })]);
  });

  it('a malformed notification: reported, changes heard so far first, then a gap', async () => {
    const { feed, errors } = feedWith();
    const events: JobChangeEvent[] = [];
    feed.subscribe((event) => events.push(event));
    feed.heard(JSON.stringify([item(A, 'queued', 1)]));
    feed.heard('garbage');
    expect(events).toEqual([{ changes: [expect.objectContaining({ jobId: A })] }, { gap: true }]);
    expect(errors).toEqual([expect.objectContaining({ name: 'ChangeNotificationError' })]);
    await tick();
    expect(events).toHaveLength(2);
  });

  it('holds writes (settling) from a subscription until the registration, and gaps every subscriber once listening', async () => {
    const { feed } = feedWith();
    expect(feed.settling).toBeNull();
    const first: JobChangeEvent[] = [];
    feed.subscribe((event) => first.push(event));
    const settling = feed.settling;
    expect(settling).toBeInstanceOf(Promise);
    feed.registered();
    await settling;
    expect(feed.settling).toBeNull();
    feed.listening();
    expect(first).toEqual([{ gap: true }]);
    // Subscribing to a listened channel: no wait, no gap.
    const second: JobChangeEvent[] = [];
    feed.subscribe((event) => second.push(event));
    expect(feed.settling).toBeNull();
    // Lost: both hear a gap at once (what they show may be stale from now on); back: another.
    feed.lost();
    expect(first).toEqual([{ gap: true }, { gap: true }]);
    expect(second).toEqual([{ gap: true }]);
    feed.listening();
    expect(first).toEqual([{ gap: true }, { gap: true }, { gap: true }]);
    expect(second).toEqual([{ gap: true }, { gap: true }]);
    // Lost while not listened to (a reconnect that failed again): nothing more to tell.
    feed.lost();
    feed.lost();
    expect(second).toHaveLength(3);
  });

  it('never holds writes while the connection is reconnecting, and lets them go when the timeout passes or the connection fails', async () => {
    const reconnecting = feedWith({ isReconnecting: () => true });
    reconnecting.feed.subscribe(() => {});
    expect(reconnecting.feed.settling).toBeNull();

    const timed = feedWith({ settleTimeoutMs: 10 });
    timed.feed.subscribe(() => {});
    await timed.feed.settling;
    expect(timed.feed.settling).toBeNull();

    const failing = feedWith();
    failing.feed.subscribe(() => {});
    const settling = failing.feed.settling;
    failing.feed.lost();
    await settling;
    expect(failing.feed.settling).toBeNull();
  });

  it('a throwing listener is reported and does not stop the others; close() tells everyone the feed ended, then drops them', async () => {
    const { feed, errors } = feedWith();
    const events: JobChangeEvent[] = [];
    feed.subscribe(() => {
      throw new Error('listener bug');
    });
    feed.subscribe((event) => events.push(event));
    feed.heard(JSON.stringify([item(A, 'queued', 1)]));
    await tick();
    expect(events).toHaveLength(1);
    expect(errors).toEqual([expect.objectContaining({ message: 'listener bug' })]);
    feed.close();
    // Closing tells every listener the feed ended; after that, nothing.
    expect(events.at(-1)).toEqual({ gap: true, ended: true });
    feed.heard(JSON.stringify([item(A, 'running', 2)]));
    feed.listening();
    await tick();
    expect(events).toHaveLength(2);
  });
});
