import type { JobChangeEvent } from '@jobtrail/core/store';
import { createFakeClock } from '@jobtrail/core/testing';
import { MongoAPIError, MongoNetworkError, MongoServerError, MongoTopologyClosedError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ChangeEventError } from '../errors/change-event-error.js';
import { FakeStream } from '../wake/fake-change-stream.test-support.js';
import { ChangeStreamFeed } from './change-stream-feed.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const AT = Date.UTC(2030, 0, 1);
let sequence = 0;

/** An event as `CHANGE_FEED_PIPELINE` leaves it, with a fresh resume token. */
function event(jobId: string, status = 'queued', operationType = 'insert'): Record<string, unknown> {
  sequence++;
  return {
    _id: { _data: `token-${sequence}` },
    operationType,
    fullDocument: { _id: jobId, type: 'reports.build', tenantId: 't', ownerId: null, status, updatedAt: new Date(AT + sequence) },
  };
}

function changeOf(raw: Record<string, unknown>) {
  const doc = raw['fullDocument'] as { _id: string; status: string; updatedAt: Date };
  return { jobId: doc._id, type: 'reports.build', tenantId: 't', ownerId: null, status: doc.status, version: doc.updatedAt.getTime() };
}

const GAP = { gap: true };
const historyLost = (): MongoServerError =>
  new MongoServerError({ message: 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.', code: 286, codeName: 'ChangeStreamHistoryLost' });

function setup() {
  const clock = createFakeClock(0);
  const streams: FakeStream[] = [];
  /** The resume token each stream was opened with (undefined: afresh). */
  const openedWith: unknown[] = [];
  const errors: unknown[] = [];
  const feed = new ChangeStreamFeed({
    open: (resumeToken) => {
      const stream = new FakeStream();
      streams.push(stream);
      openedWith.push(resumeToken);
      return stream;
    },
    clock,
    retryDelaysMs: [1000, 5000],
    onError: (error) => errors.push(error),
  });
  const events: JobChangeEvent[] = [];
  const listen = (into: JobChangeEvent[] = events) => feed.subscribe((one) => into.push(one));
  const last = () => streams.at(-1)!;
  /** Runs the pending retry timer. */
  const retry = async (ms: number) => {
    await clock.advance(ms);
    await flush();
  };
  return { clock, streams, openedWith, errors, feed, events, listen, last, retry };
}

/** A feed with one listener whose first stream runs (its opening gap already delivered). */
async function running() {
  const context = setup();
  const unsubscribe = context.listen();
  context.last().push(null);
  await flush();
  expect(context.events).toEqual([GAP]);
  context.events.length = 0;
  return { ...context, unsubscribe };
}

describe('ChangeStreamFeed', () => {
  it('opens one stream afresh for the first listener, shares it, and reports a gap once it runs', async () => {
    const { feed, streams, openedWith, events, listen } = setup();
    expect(feed.state).toBe('idle');
    const other: JobChangeEvent[] = [];
    listen();
    listen(other);
    expect(streams).toHaveLength(1);
    expect(openedWith).toEqual([undefined]);
    expect(feed.state).toBe('connecting');
    expect(events).toEqual([]);
    streams[0]!.push(null);
    await flush();
    expect(feed.state).toBe('running');
    // Writes between the subscription and the start of the stream may be missed: a gap covers them.
    expect(events).toEqual([GAP]);
    expect(other).toEqual([GAP]);
  });

  it('delivers each change with its routing fields, to every listener, and nothing for a deletion', async () => {
    const { last, events, listen } = await running();
    const late: JobChangeEvent[] = [];
    listen(late);
    const inserted = event('job-1');
    last().push(inserted);
    await flush();
    last().push({ _id: { _data: 'deleted' }, operationType: 'delete' });
    await flush();
    const claimed = event('job-1', 'running', 'update');
    last().push(claimed);
    await flush();
    expect(events).toEqual([{ changes: [changeOf(inserted)] }, { changes: [changeOf(claimed)] }]);
    // A listener joining a running stream misses nothing: no gap for it.
    expect(late).toEqual(events);
    expect(last().waiting).toBe(true);
  });

  it('answers the first event of a stream along with its start, after the gap', async () => {
    const { last, events, listen } = setup();
    listen();
    const inserted = event('job-1');
    last().push(inserted);
    await flush();
    expect(events).toEqual([GAP, { changes: [changeOf(inserted)] }]);
  });

  it('gives each listener its own copy of a change', async () => {
    const { last, events, listen } = await running();
    const other: JobChangeEvent[] = [];
    listen(other);
    last().push(event('job-1'));
    await flush();
    (events[0]!.changes![0] as { status: string }).status = 'mangled';
    expect(other[0]!.changes![0]!.status).toBe('queued');
  });

  it('resumes after the last token when the stream fails: a gap when it stops, none when it resumes (nothing was missed)', async () => {
    const { streams, openedWith, last, events, errors, feed, retry } = await running();
    const first = event('job-1');
    last().push(first);
    await flush();
    const failure = new MongoNetworkError('connection reset');
    last().fail(failure);
    await flush();
    expect(errors).toEqual([failure]);
    expect(feed.state).toBe('waiting');
    expect(streams[0]!.closed).toBe(true);
    await retry(1000);
    expect(openedWith).toEqual([undefined, first['_id']]);
    expect(feed.state).toBe('connecting');
    const second = event('job-2');
    last().push(second);
    await flush();
    expect(feed.state).toBe('running');
    expect(events).toEqual([{ changes: [changeOf(first)] }, { gap: true }, { changes: [changeOf(second)] }]);
  });

  it('resumes after the post-batch token of an empty first batch', async () => {
    const { openedWith, last, events, listen, retry } = setup();
    listen();
    last().resumeToken = { _data: 'post-batch' };
    last().push(null);
    await flush();
    last().fail(new MongoNetworkError('connection reset'));
    await flush();
    await retry(1000);
    expect(openedWith).toEqual([undefined, { _data: 'post-batch' }]);
    last().push(null);
    await flush();
    // The start's gap, and the failure's; the resumed stream brings none.
    expect(events).toEqual([GAP, GAP]);
  });

  it('keeps resuming after the same token while resuming fails for a passing reason', async () => {
    const { openedWith, last, events, errors, retry } = await running();
    const first = event('job-1');
    last().push(first);
    await flush();
    last().fail(new MongoNetworkError('connection reset'));
    await flush();
    await retry(1000);
    last().fail(new MongoServerError({ message: 'not primary', code: 10107, errorLabels: ['ResumableChangeStreamError'] }));
    await flush();
    await retry(5000);
    await retry(5000);
    expect(openedWith).toEqual([undefined, first['_id'], first['_id']]);
    last().push(null);
    await flush();
    // One gap when the running stream stopped; none for a resume that failed before it ran.
    expect(events).toEqual([{ changes: [changeOf(first)] }, GAP]);
    expect(errors).toHaveLength(2);
  });

  it('starts afresh and reports a gap once the new stream runs when the history behind the token is lost', async () => {
    const { openedWith, last, events, errors, feed, retry } = await running();
    const first = event('job-1');
    last().push(first);
    await flush();
    last().fail(new MongoNetworkError('connection reset'));
    await flush();
    await retry(1000);
    expect(openedWith.at(-1)).toEqual(first['_id']);
    const lost = historyLost();
    last().fail(lost);
    await flush();
    expect(errors.at(-1)).toBe(lost);
    expect(feed.state).toBe('waiting');
    // Only the gap of the running stream's stop: a reader acting on it may miss changes made
    // before the new stream runs, which is why that stream brings a gap of its own.
    expect(events).toEqual([{ changes: [changeOf(first)] }, GAP]);
    await retry(5000);
    expect(openedWith.at(-1)).toBeUndefined();
    last().push(null);
    await flush();
    expect(events).toEqual([{ changes: [changeOf(first)] }, GAP, GAP]);
  });

  it('starts afresh with a gap after a failure that cannot be resumed from', async () => {
    const { openedWith, last, events, retry } = await running();
    last().push(event('job-1'));
    await flush();
    last().fail(new MongoServerError({ message: 'unauthorized', code: 13 }));
    await flush();
    await retry(1000);
    expect(openedWith).toEqual([undefined, undefined]);
    last().push(null);
    await flush();
    expect(events.at(-1)).toEqual(GAP);
  });

  it('starts afresh with a gap when the first stream fails before it has a token', async () => {
    const { openedWith, last, events, listen, retry } = setup();
    listen();
    last().fail(new MongoNetworkError('connection refused'));
    await flush();
    expect(events).toEqual([]);
    await retry(1000);
    expect(openedWith).toEqual([undefined, undefined]);
    last().push(null);
    await flush();
    expect(events).toEqual([GAP]);
  });

  it('reports an event it cannot read as an error and a gap, and carries on with the stream', async () => {
    const { last, events, errors, feed } = await running();
    last().push({ _id: { _data: 'bad' }, operationType: 'insert', fullDocument: { _id: 'job-1', type: 'reports.build', status: 'sleeping', updatedAt: new Date(AT) } });
    await flush();
    expect(events).toEqual([GAP]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ChangeEventError);
    expect(errors[0]).toMatchObject({ code: 'invalid_change_event', field: 'fullDocument.status' });
    expect(feed.state).toBe('running');
    const next = event('job-2');
    last().push(next);
    await flush();
    expect(events).toEqual([GAP, { changes: [changeOf(next)] }]);
  });

  it('starts afresh with a gap when the collection is dropped or renamed (invalidate)', async () => {
    const { streams, openedWith, last, events } = await running();
    last().push(event('job-1'));
    await flush();
    streams[0]!.push({ _id: { _data: 'invalidate-token' }, operationType: 'invalidate' });
    await flush();
    expect(streams[0]!.closed).toBe(true);
    // Resuming after an invalidate's token is refused by the server: the new stream starts afresh.
    expect(openedWith).toEqual([undefined, undefined]);
    last().push(null);
    await flush();
    expect(events.at(-1)).toEqual(GAP);
  });

  it('gives up with a last gap marked ended when the deployment has no change streams or the client was closed', async () => {
    for (const failure of [
      new MongoServerError({ message: 'The $changeStream stage is only supported on replica sets', code: 40573 }),
      new MongoTopologyClosedError('Topology is closed'),
    ]) {
      const { streams, last, events, errors, feed, retry } = setup();
      feed.subscribe((one) => events.push(one));
      last().fail(failure);
      await flush();
      expect(feed.state).toBe('unavailable');
      expect(events).toEqual([{ gap: true, ended: true }]);
      expect(errors).toEqual([failure]);
      await retry(60_000);
      expect(streams).toHaveLength(1);
    }
  });

  it('retries when opening the stream throws', async () => {
    const clock = createFakeClock(0);
    let attempts = 0;
    const stream = new FakeStream();
    const errors: unknown[] = [];
    const feed = new ChangeStreamFeed({
      open: () => {
        attempts++;
        if (attempts === 1) throw new MongoAPIError('bad options');
        return stream;
      },
      clock,
      onError: (error) => errors.push(error),
    });
    const events: JobChangeEvent[] = [];
    feed.subscribe((one) => events.push(one));
    expect(feed.state).toBe('waiting');
    await clock.advance(1000);
    expect(attempts).toBe(2);
    stream.push(null);
    await flush();
    expect(events).toEqual([GAP]);
    expect(errors).toHaveLength(1);
  });

  it('keeps delivering to the other listeners when one throws, and survives a throwing onError', async () => {
    const clock = createFakeClock(0);
    const stream = new FakeStream();
    const feed = new ChangeStreamFeed({
      open: () => stream,
      clock,
      onError: () => {
        throw new Error('diagnostics down');
      },
    });
    const events: JobChangeEvent[] = [];
    feed.subscribe(() => {
      throw new Error('listener down');
    });
    feed.subscribe((one) => events.push(one));
    stream.push(null);
    await flush();
    stream.push({ _id: { _data: 'bad' }, operationType: 'rename' });
    await flush();
    const good = event('job-1');
    stream.push(good);
    await flush();
    expect(events).toEqual([GAP, GAP, { changes: [changeOf(good)] }]);
  });

  it('closes the stream when the last listener leaves, and starts afresh (with a gap) for the next', async () => {
    const { streams, openedWith, feed, events, listen, last, unsubscribe } = await running();
    const second = listen();
    unsubscribe();
    unsubscribe();
    expect(streams[0]!.closed).toBe(false);
    second();
    expect(streams[0]!.closed).toBe(true);
    expect(feed.state).toBe('idle');
    listen();
    expect(openedWith).toEqual([undefined, undefined]);
    last().push(null);
    await flush();
    expect(events).toEqual([GAP]);
  });

  it('leaving while a retry waits cancels it', async () => {
    const { streams, feed, last, unsubscribe, retry } = await running();
    last().fail(new MongoNetworkError('connection reset'));
    await flush();
    unsubscribe();
    expect(feed.state).toBe('idle');
    await retry(60_000);
    expect(streams).toHaveLength(1);
  });

  it('close() closes the stream, cancels a retry, and silences later subscriptions', async () => {
    const { streams, feed, events, listen, last } = await running();
    last().push(event('job-1'));
    await flush();
    feed.close();
    expect(streams[0]!.closed).toBe(true);
    expect(feed.state).toBe('closed');
    events.length = 0;
    const unsubscribe = listen();
    unsubscribe();
    expect(streams).toHaveLength(1);
    expect(events).toEqual([]);

    const waiting = await running();
    waiting.last().fail(new MongoNetworkError('connection reset'));
    await flush();
    waiting.feed.close();
    await waiting.retry(60_000);
    expect(waiting.streams).toHaveLength(1);
  });
});
