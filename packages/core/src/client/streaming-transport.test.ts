import { afterEach, describe, expect, it, vi } from 'vitest';
import { startClientFixture, type ClientFixture } from '../../test/client-fixture.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createTracker } from '../tracker/tracker.js';
import { JobObserver, JOB_POLL_INTERVALS } from './job-observer.js';
import { JobsObserver, LIST_POLL_INTERVALS } from './list-observers.js';

let f: ClientFixture;
afterEach(async () => {
  await f?.close();
});

/** Requests of a path that finished, streams included once they end. */
const started = (path: string) => f.server.requests.filter((request) => request.url === path).length;

describe("transport: 'auto' over a server that streams", () => {
  it('keeps a job up to date from its stream: one JSON read, then no polling, whatever the clock does', async () => {
    f = await startClientFixture({ transport: 'auto' });
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    const observer = new JobObserver(f.client, job.id);
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    await vi.waitFor(() => expect(started('/api/jobs/stream')).toBe(1));

    f.tracker.progress(job.id, 0.25, 'Parsing');
    await f.tracker.flush(job.id);
    await vi.waitFor(() => expect(observer.getSnapshot()).toMatchObject({ progress: 0.25, stage: 'Parsing' }));
    // Many poll intervals pass: the stream is open, so no poll is made.
    await f.clock.advance(JOB_POLL_INTERVALS.running * 10);
    f.tracker.progress(job.id, 0.75, 'Storing');
    await f.tracker.flush(job.id);
    await vi.waitFor(() => expect(observer.getSnapshot()).toMatchObject({ progress: 0.75, stage: 'Storing' }));
    await f.tracker.complete(job.id);
    await vi.waitFor(() => expect(observer.getSnapshot()).toMatchObject({ status: 'completed', isTerminal: true }));
    // The first read, and one more when the stream went live after it (changes in between are not replayed).
    expect(started(`/api/jobs/${job.id}`)).toBe(2);
    off();
  });

  it('updates a listed job in place from the stream, and reads the page afresh when a new job appears', async () => {
    f = await startClientFixture({ transport: 'auto' });
    const first = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(first.id);
    const observer = new JobsObserver(f.client, { type: 'imports.upload', limit: 10 });
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().jobs.map((job) => job.id)).toEqual([first.id]));
    await vi.waitFor(() => expect(started('/api/jobs/stream')).toBe(1));
    const pageReads = () => started('/api/jobs?limit=10&type=imports.upload');
    // The stream's `ready` reads the page once more (changes before it are not replayed).
    await vi.waitFor(() => expect(pageReads()).toBe(2));

    f.tracker.progress(first.id, 0.5, 'Halfway');
    await f.tracker.flush(first.id);
    await vi.waitFor(() => expect(observer.getSnapshot().jobs[0]).toMatchObject({ progress: 0.5, stage: 'Halfway' }));
    expect(pageReads()).toBe(2);

    const second = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    // Page reads are throttled to one per second (the ready's read was the last).
    await f.clock.advance(1_000);
    await vi.waitFor(() => expect(observer.getSnapshot().jobs.map((job) => job.id)).toEqual([second.id, first.id]));
    expect(pageReads()).toBe(3);
    await f.clock.advance(LIST_POLL_INTERVALS.jobs * 5);
    expect(pageReads()).toBe(3);
    off();
  });
});

describe('one stream per client', () => {
  it('serves every watched job, list and count of the page through one stream, closed once nothing is watched', async () => {
    f = await startClientFixture({ transport: 'auto' });
    const jobs = await Promise.all(Array.from({ length: 12 }, () => f.tracker.create('imports.upload', { tenantId: 'tenant-a' })));
    const observers = jobs.map((job) => new JobObserver(f.client, job.id));
    const list = new JobsObserver(f.client, { type: 'imports.upload' });
    const offs = [...observers.map((observer) => observer.subscribe(() => {})), list.subscribe(() => {})];
    await vi.waitFor(() => expect(observers.every((observer) => observer.getSnapshot().status === 'queued')).toBe(true));
    await f.tracker.start(jobs[7]!.id);
    await vi.waitFor(() => expect(observers[7]!.getSnapshot().status).toBe('running'));
    // A status change may move the job in the list: a fresh read, throttled to one a second.
    await f.clock.advance(1_000);
    await vi.waitFor(() => expect(list.getSnapshot().jobs.find((job) => job.id === jobs[7]!.id)?.status).toBe('running'));
    expect(started('/api/jobs/stream')).toBe(1);
    for (const off of offs) off();
    // Nothing watched: the stream closed, so the next observer opens a new one.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const again = new JobObserver(f.client, jobs[0]!.id);
    const offAgain = again.subscribe(() => {});
    await vi.waitFor(() => expect(started('/api/jobs/stream')).toBe(2));
    offAgain();
  });
});

describe("transport: 'auto' over a server that cannot stream", () => {
  it('polls as before once the server answers 501, and stops trying streams for new resources', async () => {
    // A store without a change feed: the handler answers 501 streams_unavailable.
    const memory = new MemoryJobStore();
    const feedless = new Proxy(memory, {
      get(target, property, receiver) {
        if (property === 'subscribeChanges') return undefined;
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const tracker = createTracker({ store: feedless, progressIntervalMs: 0 });
    f = await startClientFixture({ transport: 'auto' }, { tracker });
    const job = await tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await tracker.start(job.id);
    const observer = new JobObserver(f.client, job.id);
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    await vi.waitFor(() => expect(f.server.requests.find((request) => request.url === '/api/jobs/stream')?.status).toBe(501));
    tracker.progress(job.id, 0.5);
    await tracker.flush(job.id);
    await vi.waitFor(async () => {
      await f.clock.advance(JOB_POLL_INTERVALS.running);
      expect(observer.getSnapshot().progress).toBe(0.5);
    });
    const other = await tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const second = new JobObserver(f.client, other.id);
    const offSecond = second.subscribe(() => {});
    await vi.waitFor(() => expect(second.getSnapshot().status).toBe('queued'));
    expect(started('/api/jobs/stream')).toBe(1);
    off();
    offSecond();
    await tracker.close();
  });
});

describe("transport: 'auto' against a server from before streams", () => {
  it('takes its 400 for /jobs/stream (read as a job id) as "cannot stream" and polls for good', async () => {
    let streamAttempts = 0;
    const oldServerFetch: typeof fetch = async (input, init) => {
      const url = String(input);
      if (url.endsWith('/api/jobs/stream')) {
        streamAttempts++;
        return new Response(JSON.stringify({ error: { code: 'invalid_input', message: 'Job ids are lowercase UUIDs; got "stream".' } }), {
          status: 400,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(input, init);
    };
    f = await startClientFixture({ transport: 'auto', fetch: oldServerFetch });
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    const observer = new JobObserver(f.client, job.id);
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    await vi.waitFor(() => expect(streamAttempts).toBe(1));
    f.tracker.progress(job.id, 0.5);
    await f.tracker.flush(job.id);
    await vi.waitFor(async () => {
      await f.clock.advance(JOB_POLL_INTERVALS.running);
      expect(observer.getSnapshot().progress).toBe(0.5);
    });
    await f.clock.advance(60_000);
    expect(streamAttempts).toBe(1);
    off();
  });
});

describe('a hidden page', () => {
  it('closes its stream while hidden (a background tab holds no connection), then opens it again and reads afresh when shown', async () => {
    f = await startClientFixture({ transport: 'auto' });
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    const observer = new JobObserver(f.client, job.id);
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(started('/api/jobs/stream')).toBe(1));
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    const streams = () => f.server.requests.filter((request) => request.url === '/api/jobs/stream');

    f.visibility.set(true);
    await vi.waitFor(() => expect(streams()[0]!.closed).toBe(true));
    // Hidden for a long while: no stream is opened again, and nothing is polled.
    const readsWhileHidden = started(`/api/jobs/${job.id}`);
    f.tracker.progress(job.id, 0.6, 'Storing');
    await f.tracker.flush(job.id);
    await f.clock.advance(JOB_POLL_INTERVALS.running * 20);
    expect(streams()).toHaveLength(1);
    expect(started(`/api/jobs/${job.id}`)).toBe(readsWhileHidden);

    f.visibility.set(false);
    await vi.waitFor(() => expect(streams()).toHaveLength(2));
    // What changed while hidden is read afresh once the stream is live again.
    await vi.waitFor(() => expect(observer.getSnapshot()).toMatchObject({ progress: 0.6, stage: 'Storing' }));
    await f.tracker.complete(job.id);
    await vi.waitFor(() => expect(observer.getSnapshot()).toMatchObject({ status: 'completed' }));
    off();
  });

  it('opens no stream (and reads nothing) for a page hidden from the start, until it is shown', async () => {
    f = await startClientFixture({ transport: 'auto' });
    f.visibility.set(true);
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    const observer = new JobObserver(f.client, job.id);
    const off = observer.subscribe(() => {});
    await f.clock.advance(60_000);
    expect(f.server.requests).toEqual([]);
    f.visibility.set(false);
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('queued'));
    await vi.waitFor(() => expect(f.server.requests.some((request) => request.url === '/api/jobs/stream')).toBe(true));
    off();
  });
});
