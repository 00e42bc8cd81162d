import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobJson } from './wire-types.js';
import { serve } from '../../test/serve.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createTracker } from '../tracker/tracker.js';
import { A, ADMIN, B, start, type Fixture } from './create-jobs-handler.test-support.js';
import { createJobsHandler } from './create-jobs-handler.js';
import { toNodeHandler } from './to-node-handler.js';

let f: Fixture;
const aborts: AbortController[] = [];

afterEach(async () => {
  for (const abort of aborts.splice(0)) abort.abort();
  await f?.server.close();
});

/** An open stream: its response, and the events read so far. */
interface OpenStream {
  response: Response;
  events: EventSourceMessage[];
  /** Resolves once an event satisfies `test` (checked after each event; no clock involved). */
  next(test: (event: EventSourceMessage) => boolean): Promise<EventSourceMessage>;
  /** Settles once the server ended the stream (or the test aborted it). */
  ended: Promise<void>;
  close(): void;
}

async function open(path: string, headers: Record<string, string>): Promise<OpenStream> {
  const abort = new AbortController();
  aborts.push(abort);
  const response = await fetch(f.server.url + path, { headers, signal: abort.signal });
  const events: EventSourceMessage[] = [];
  const waiters: Array<{ test: (event: EventSourceMessage) => boolean; resolve: (event: EventSourceMessage) => void }> = [];
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.test(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    },
  });
  let ended: Promise<void> = Promise.resolve();
  if (response.ok && response.body) {
    ended = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // Aborted by the test.
      }
    })();
  }
  return {
    response,
    events,
    next: (test) =>
      new Promise((resolve) => {
        const seen = events.find(test);
        if (seen) resolve(seen);
        else waiters.push({ test, resolve });
      }),
    ended,
    close: () => abort.abort(),
  };
}

const jobOf = (event: EventSourceMessage): JobJson => (JSON.parse(event.data) as { job: JobJson }).job;

describe('GET /jobs/:id/stream', () => {
  it('sends the job now and after each change, as text/event-stream with versions as ids', async () => {
    f = await start();
    const job = await f.tracker.create('reports.build', { tenantId: 'tenant-a' });
    const stream = await open(`/api/jobs/${job.id}/stream`, A);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers.get('cache-control')).toContain('no-cache');
    const first = await stream.next((event) => event.event === 'job');
    expect(jobOf(first)).toMatchObject({ id: job.id, status: 'queued' });
    expect(first.id).toBe(String(job.updatedAt.getTime()));

    await f.tracker.start(job.id);
    f.clock.advance(1_000);
    await f.tracker.complete(job.id, { result: { rows: 3 } });
    const completed = await stream.next((event) => event.event === 'job' && jobOf(event).status === 'completed');
    // The same JSON as GET /jobs/:id: no result unless exposed.
    expect(jobOf(completed)).not.toHaveProperty('result');
    const statuses = stream.events.filter((event) => event.event === 'job').map((event) => jobOf(event).status);
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('completed');
    const ids = stream.events.filter((event) => event.event === 'job').map((event) => Number(event.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it('answers 404 before any stream for a job outside the scope or missing, 401 without a caller', async () => {
    f = await start();
    const theirs = await f.tracker.create('reports.build', { tenantId: 'tenant-b' });
    const outside = await open(`/api/jobs/${theirs.id}/stream`, A);
    expect(outside.response.status).toBe(404);
    expect(outside.response.headers.get('content-type')).toContain('application/json');
    expect((await open('/api/jobs/0190a8f0-0000-7000-8000-000000000001/stream', A)).response.status).toBe(404);
    expect((await open(`/api/jobs/${theirs.id}/stream`, {})).response.status).toBe(401);
    expect((await open('/api/jobs/not-an-id/stream', A)).response.status).toBe(400);
    expect((await open(`/api/jobs/${theirs.id}/stream?x=1`, B)).response.status).toBe(400);
    const head = await fetch(`${f.server.url}/api/jobs/${theirs.id}/stream`, { method: 'HEAD', headers: B });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toContain('text/event-stream');
  });
});

describe('GET /jobs/stream', () => {
  it("sends changed jobs the filter matches in the caller's scope, and a job leaving it once more", async () => {
    f = await start();
    const stream = await open('/api/jobs/stream?type=sync.pull&status=failed', A);
    expect(stream.response.status).toBe(200);
    await stream.next((event) => event.event === 'ready');
    const mine = await f.tracker.create('sync.pull', { tenantId: 'tenant-a', maxAttempts: 1 });
    const theirs = await f.tracker.create('sync.pull', { tenantId: 'tenant-b', maxAttempts: 1 });
    const otherType = await f.tracker.create('sync.push', { tenantId: 'tenant-a', maxAttempts: 1 });
    for (const job of [theirs, otherType, mine]) {
      await f.tracker.start(job.id);
      await f.tracker.fail(job.id, new Error('upstream'));
    }
    await stream.next((event) => event.event === 'job' && jobOf(event).id === mine.id && jobOf(event).status === 'failed');
    f.clock.advance(1_000);
    await f.tracker.retry(mine.id);
    await stream.next((event) => event.event === 'job' && jobOf(event).status === 'queued');
    const sent = stream.events.filter((event) => event.event === 'job').map(jobOf);
    expect(sent.map((job) => job.id)).toEqual([mine.id, mine.id]);
    expect(sent.map((job) => job.status)).toEqual(['failed', 'queued']);
  });

  it('tells a resuming client (Last-Event-ID) to read afresh, and refuses paging and unknown parameters', async () => {
    f = await start();
    const resumed = await open('/api/jobs/stream?type=sync.pull', { ...A, 'last-event-id': '1780000000000' });
    const first = await resumed.next((event) => event.event !== undefined);
    expect(first).toMatchObject({ event: 'reset' });
    expect(JSON.parse(first.data)).toEqual({ reason: 'resumed' });
    for (const query of ['cursor=x', 'limit=5', 'order=oldest', 'staus=failed', 'status=nope']) {
      expect((await open(`/api/jobs/stream?${query}`, A)).response.status).toBe(400);
    }
    expect((await open('/api/jobs/stream', {})).response.status).toBe(401);
    expect((await open('/api/jobs/stream', ADMIN)).response.status).toBe(200);
  });
});

describe('one feed subscription per process', () => {
  it('shares one store subscription among all streams, and drops it when the last client goes away', async () => {
    const memory = new MemoryJobStore();
    let active = 0;
    const counted = new Proxy(memory, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === 'subscribeChanges') {
          return (listener: Parameters<MemoryJobStore['subscribeChanges']>[0]) => {
            active++;
            const stop = memory.subscribeChanges(listener);
            return () => {
              active--;
              stop();
            };
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const tracker = createTracker({ store: counted, recoverIntervalMs: false });
    const handler = createJobsHandler({ tracker, authorize: (request) => ({ tenantId: request.headers.get('x-tenant') ?? 'none' }) });
    const server = await serve(toNodeHandler(handler));
    f = { server } as Fixture;
    const job = await tracker.create('reports.build', { tenantId: 'tenant-a' });
    const streams = await Promise.all(Array.from({ length: 20 }, (_, n) => open(n % 2 ? `/jobs/${job.id}/stream` : '/jobs/stream?type=reports.build', A)));
    for (const stream of streams) await stream.next((event) => event.event === 'job' || event.event === 'ready');
    expect(active).toBe(1);
    await tracker.start(job.id);
    for (const stream of streams) await stream.next((event) => event.event === 'job' && jobOf(event).status === 'running');
    for (const stream of streams) stream.close();
    // The server notices each closed connection and stops its watch; no clock involved, just the events.
    await new Promise<void>((resolve) => {
      const check = () => (active === 0 ? resolve() : setTimeout(check, 10));
      check();
    });
    expect(active).toBe(0);
    await tracker.close();
  });
});

describe('stream edges', () => {
  it('caps metadata on a metadata-filtered list stream as GET /jobs does', async () => {
    f = await start({ maxExposedBytes: 1_000 });
    const stream = await open(`/api/jobs/stream?metadata=${encodeURIComponent('{"n":1}')}`, A);
    await stream.next((event) => event.event === 'ready');
    const job = await f.tracker.create('reports.build', { tenantId: 'tenant-a', metadata: { n: 1, blob: 'x'.repeat(5_000) } });
    const event = await stream.next((seen) => seen.event === 'job' && jobOf(seen).id === job.id);
    expect(jobOf(event).metadata).toBeUndefined();
    expect(jobOf(event).tooLarge).toEqual({ metadata: expect.any(Number) });
  });

  it('ends open streams when the tracker closes, and answers 501 (keeping nothing) when the feed cannot be subscribed', async () => {
    f = await start();
    const job = await f.tracker.create('reports.build', { tenantId: 'tenant-a' });
    const stream = await open(`/api/jobs/${job.id}/stream`, A);
    await stream.next((event) => event.event === 'job');
    await f.tracker.close();
    // The server ended the stream (the read loop finished without the test aborting it).
    await stream.ended;
    expect(() => f.tracker.watch(job.id, () => {})).toThrow(expect.objectContaining({ code: 'tracker_closed' }));

    const memory = new MemoryJobStore();
    const refusing = new Proxy(memory, {
      get(target, property, receiver) {
        if (property === 'subscribeChanges') {
          return () => {
            throw new Error('the feed needs LISTEN');
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const tracker = createTracker({ store: refusing, recoverIntervalMs: false });
    const server = await serve(toNodeHandler(createJobsHandler({ tracker, authorize: () => ({ tenantId: 'tenant-a' }) })));
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const answer = await fetch(`${server.url}/jobs/stream`);
        expect(answer.status).toBe(501);
        expect(await answer.json()).toMatchObject({ error: { code: 'streams_unavailable' } });
      }
      expect(() => tracker.watch({ type: 'x' }, () => {})).toThrow(expect.objectContaining({ code: 'change_feed_unavailable' }));
    } finally {
      await server.close();
      await tracker.close();
    }
  });

  it('refuses watch targets that are neither an id nor a filter, and unknown filter keys', async () => {
    f = await start();
    for (const target of [42, ['x'], null, { limit: 5 }, { bogus: 1 }]) {
      expect(() => f.tracker.watch(target as never, () => {})).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    }
  });
});
