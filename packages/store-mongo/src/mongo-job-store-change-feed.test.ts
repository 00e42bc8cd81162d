import { createTracker, JobValidationError, StoreError, type Job } from '@jobtrail/core';
import { guardStore, type JobChangeEvent } from '@jobtrail/core/store';
import { makeJob } from '@jobtrail/core/testing';
import { MongoServerError, type Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { failure } from './caught-error.test-support.js';
import { CHANGE_FEED_PIPELINE } from './documents/change-feed-documents.js';
import { ChangeEventError } from './errors/change-event-error.js';
import { fakeDb } from './fake-db.test-support.js';
import { MongoJobStore } from './mongo-job-store.js';
import { FakeStream } from './wake/fake-change-stream.test-support.js';
import { WAKE_PIPELINE } from './wake/wake-pipeline.js';

/**
 * The store's change feed over a fake Db whose `watch` hands out fake streams (no server here):
 * which stream it opens and when, and that `tracker.watch` works over it. The stream logic itself
 * is tested in feed/change-stream-feed.test.ts, the pipeline in
 * documents/change-feed-documents.test.ts, and the whole against a real replica set by the
 * contract suite (test/contract.test.ts, with MONGODB_URL).
 */

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(options: { changeStreams?: boolean } = {}) {
  const fake = fakeDb();
  const watches: Array<{ collection: string; pipeline: unknown[]; options: unknown; stream: FakeStream }> = [];
  const db = {
    ...fake.db,
    databaseName: fake.db.databaseName,
    client: fake.db.client,
    command: fake.db.command,
    collection: (name: string, collectionOptions?: unknown) => ({
      ...fake.db.collection(name, collectionOptions as never),
      watch(pipeline: unknown[], watchOptions?: unknown) {
        const stream = new FakeStream();
        watches.push({ collection: name, pipeline, options: watchOptions, stream });
        return stream;
      },
    }),
  } as unknown as Db;
  const errors: unknown[] = [];
  const raw = new MongoJobStore({ db, onChangeStreamError: (error) => errors.push(error), ...options });
  const feedWatches = () => watches.filter((watch) => watch.pipeline.length === CHANGE_FEED_PIPELINE.length && watch.options !== undefined);
  return { raw, store: guardStore(raw), watches, feedWatches, errors };
}

function insertEvent(job: Job) {
  return {
    _id: { _data: `insert-${job.id}` },
    operationType: 'insert',
    fullDocument: { _id: job.id, type: job.type, tenantId: job.tenantId, ownerId: job.ownerId, status: job.status, updatedAt: job.updatedAt },
  };
}

describe('MongoJobStore change feed (fake change streams)', () => {
  it('opens one stream over the jobs collection with the feed pipeline and post-images, only while subscribed', async () => {
    const { raw, store, watches } = setup();
    expect(watches).toEqual([]);
    const first = store.subscribeChanges!(() => {});
    const second = store.subscribeChanges!(() => {});
    expect(watches).toHaveLength(1);
    expect(watches[0]).toMatchObject({ collection: 'jobtrail_jobs', pipeline: [...CHANGE_FEED_PIPELINE], options: { fullDocument: 'updateLookup' } });
    // Wake-ups keep a stream of their own.
    const wake = raw.subscribe(() => {});
    expect(watches.find((watch) => watch.collection === 'jobtrail_jobs' && watch.options === undefined)?.pipeline).toEqual([...WAKE_PIPELINE]);
    first();
    expect(watches[0]!.stream.closed).toBe(false);
    second();
    expect(watches[0]!.stream.closed).toBe(true);
    wake();
  });

  it('delivers the changes of the stream, a gap when it starts, and reports unreadable events to onChangeStreamError', async () => {
    const { store, feedWatches, errors } = setup();
    const events: JobChangeEvent[] = [];
    const stop = store.subscribeChanges!((event) => events.push(event));
    const stream = feedWatches()[0]!.stream;
    stream.push(null);
    await flush();
    const job = { id: 'job-1', type: 'reports.build', tenantId: 'tenant-a', ownerId: null, status: 'queued', updatedAt: new Date(Date.UTC(2030, 0, 1)) } as Job;
    stream.push(insertEvent(job));
    await flush();
    stream.push({ _id: { _data: 'bad' }, operationType: 'insert', fullDocument: { _id: 'job-2' } });
    await flush();
    expect(events).toEqual([
      { gap: true },
      { changes: [{ jobId: 'job-1', type: 'reports.build', tenantId: 'tenant-a', ownerId: null, status: 'queued', version: Date.UTC(2030, 0, 1) }] },
      { gap: true },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ChangeEventError);
    stop();
  });

  it('feeds tracker.watch: a watched job is read and delivered after a change of it', async () => {
    const { store, feedWatches } = setup();
    const tracker = createTracker({ store, recoverIntervalMs: false });
    try {
      const job = await tracker.enqueue('reports.build', { n: 1 }, { tenantId: 'tenant-a' });
      const seen: Job[] = [];
      const stop = tracker.watch(job.id, (current) => seen.push(current), { scope: { tenantId: 'tenant-a' } });
      const stream = feedWatches()[0]!.stream;
      stream.push(insertEvent(job));
      for (let round = 0; round < 10 && seen.length === 0; round++) await flush();
      expect(seen.map((current) => [current.id, current.status])).toContainEqual([job.id, 'queued']);
      stop();
      expect(stream.closed).toBe(true);
    } finally {
      await tracker.close();
    }
  });

  it('close() closes the stream; subscribing afterwards is a StoreError', async () => {
    const { raw, store, feedWatches } = setup();
    store.subscribeChanges!(() => {});
    await raw.close();
    expect(feedWatches()[0]!.stream.closed).toBe(true);
    expect(() => raw.subscribeChanges!(() => {})).toThrow(StoreError);
    expect(await failure(() => store.subscribeChanges!(() => {}))).toBeInstanceOf(StoreError);
  });

  it('on a deployment without change streams: a last gap, then later subscriptions are a StoreError naming the cause', async () => {
    const { store, feedWatches, errors } = setup();
    const events: JobChangeEvent[] = [];
    store.subscribeChanges!((event) => events.push(event));
    const standalone = new MongoServerError({ message: 'The $changeStream stage is only supported on replica sets', code: 40573 });
    feedWatches()[0]!.stream.fail(standalone);
    await flush();
    expect(events).toEqual([{ gap: true, ended: true }]);
    expect(errors).toEqual([standalone]);
    const refusal = await failure(() => store.subscribeChanges!(() => {}));
    expect(refusal).toBeInstanceOf(StoreError);
    expect((refusal as Error).message).toMatch(/change streams/);
    expect(feedWatches()).toHaveLength(1);
  });

  it('refuses a listener that is not a function', () => {
    const { raw } = setup();
    expect(() => raw.subscribeChanges!('listener' as never)).toThrow(JobValidationError);
  });

  it('over emulated change streams: every write is a change, but not a lease renewal nor a prune', async () => {
    const store = guardStore(new MongoJobStore({ db: fakeDb({ changeStreams: true }).db }));
    const events: JobChangeEvent[] = [];
    const stop = store.subscribeChanges!((event) => events.push(event));
    try {
      const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);
      const job = makeJob({ type: 'reports.build', createdAt: at(0), updatedAt: at(0), runAt: at(0) });
      await store.insert(job);
      await flush();
      await store.claim({ limits: { 'reports.build': 1 }, limit: 1, owner: 'w', now: at(1), leaseExpiresAt: at(61) });
      await flush();
      expect(await store.heartbeat('w', [job.id], at(90))).toEqual([job.id]);
      await flush();
      expect(await store.updateProgress(job.id, { progress: 0.5, updatedAt: at(2) }, 'w', 1)).toBe(true);
      await flush();
      const done = await store.transition(job.id, { status: 'running', leaseOwner: 'w', attempt: 1 }, { status: 'completed', finishedAt: at(3), updatedAt: at(3), lease: null });
      expect(done.ok).toBe(true);
      await flush();
      expect(await store.prune({ before: { completed: at(10) } })).toBe(1);
      await flush();
      const changes = events.flatMap((event) => event.changes ?? []);
      expect(events[0]).toEqual({ gap: true });
      expect(changes.map((change) => [change.status, change.version])).toEqual([
        ['queued', at(0).getTime()],
        ['running', at(1).getTime()],
        ['running', at(2).getTime()],
        ['completed', at(3).getTime()],
      ]);
    } finally {
      stop();
      await store.close();
    }
  });

  it('has no change feed without change streams: tracker.watch refuses with change_feed_unavailable', async () => {
    const { raw, store, watches } = setup({ changeStreams: false });
    expect(raw.subscribeChanges).toBeUndefined();
    expect(store.subscribeChanges).toBeUndefined();
    const tracker = createTracker({ store, recoverIntervalMs: false });
    try {
      expect(() => tracker.watch('job-1', () => {})).toThrow(expect.objectContaining({ code: 'change_feed_unavailable' }));
      expect(watches).toEqual([]);
    } finally {
      await tracker.close();
    }
  });
});
