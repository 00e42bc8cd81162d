import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeVisibility, startClientFixture, type ClientFixture } from '../../test/client-fixture.js';
import { createFakeClock } from '../testing/fake-clock.js';
import type { PollTimers } from './environment.js';
import { JobObserver } from './job-observer.js';
import { createJobsClient, heldPollerCount } from './jobs-client.js';

const DEFAULT_GC_TIME_MS = 5 * 60_000;
const HOUR = 60 * 60_000;

/**
 * A client over a stub fetch that answers every job as running (so its poller keeps polling while
 * watched); `calls` lists the requested URLs. With `hold`, each answer waits for `release()`.
 */
function stubClient(options: { gcTimeMs?: number; hold?: boolean; timers?: PollTimers } = {}) {
  const clock = createFakeClock(0);
  const calls: string[] = [];
  const waiting: Array<() => void> = [];
  const fetchStub = async (input: RequestInfo | URL): Promise<Response> => {
    const url = String(input);
    calls.push(url);
    if (options.hold) await new Promise<void>((resolve) => waiting.push(resolve));
    const id = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
    const body = JSON.stringify({ job: { id, type: 'imports.upload', status: 'running', progress: 0.5, stage: null } });
    return new Response(body, { status: 200, headers: { etag: `"${id}"`, 'content-type': 'application/json' } });
  };
  const client = createJobsClient({
    baseUrl: 'http://jobs.test/api',
    fetch: fetchStub as typeof fetch,
    timers: options.timers ?? clock,
    visibility: fakeVisibility(),
    transport: 'poll',
    ...(options.gcTimeMs !== undefined ? { gcTimeMs: options.gcTimeMs } : {}),
  });
  const release = async (): Promise<void> => {
    await vi.waitFor(() => expect(waiting.length).toBeGreaterThan(0));
    waiting.shift()!();
  };
  return { client, clock, calls, release };
}

describe('poller garbage collection (gcTimeMs) over HTTP', () => {
  let f: ClientFixture;
  beforeEach(async () => {
    f = await startClientFixture();
  });
  afterEach(() => f.close());

  const path = (id: string) => `/api/jobs/${id}`;
  const served = (url: string, n: number) =>
    vi.waitFor(() => expect(f.server.requests.filter((r) => r.url === url && r.status !== undefined)).toHaveLength(n));
  const nextPollScheduled = () => vi.waitFor(() => expect(f.clock.pendingTimers()).toBe(1));

  it('keeps an unwatched poller and its value for 5 minutes by default: a new observer shows it at once and revalidates on it', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    const first = new JobObserver(f.client, job.id);
    const off = first.subscribe(() => {});
    await vi.waitFor(() => expect(first.getSnapshot().status).toBe('running'));
    await nextPollScheduled();

    off();
    expect(f.clock.pendingTimers()).toBe(1); // the collection; the poll timer is gone
    await f.clock.advance(DEFAULT_GC_TIME_MS - 1);
    expect(f.hits(path(job.id))).toBe(1);
    expect(heldPollerCount(f.client)).toBe(1);

    // A remounted component: its first render already has the job.
    const again = new JobObserver(f.client, job.id);
    expect(again.getSnapshot()).toMatchObject({ isLoading: false, status: 'running', job: { id: job.id } });
    const offAgain = again.subscribe(() => {});
    await served(path(job.id), 2);
    // The same poller: it still has the ETag of its first answer.
    expect(f.server.requests[1]).toMatchObject({ ifNoneMatch: expect.stringMatching(/^"/), status: 304 });
    await nextPollScheduled();
    await f.clock.advance(1); // the first deadline passes: a watched poller is not collected
    expect(heldPollerCount(f.client)).toBe(1);
    offAgain();
  });

  it('drops the poller and its value gcTimeMs after the last observer left: no timer, no request, and the next observer starts afresh', async () => {
    const job = await f.tracker.create('imports.upload', { tenantId: 'tenant-a' });
    await f.tracker.start(job.id);
    const observer = new JobObserver(f.client, job.id);
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    await nextPollScheduled();
    off();

    await f.clock.advance(DEFAULT_GC_TIME_MS);
    expect(heldPollerCount(f.client)).toBe(0);
    expect(f.clock.pendingTimers()).toBe(0);
    await f.clock.advance(HOUR);
    expect(f.hits(path(job.id))).toBe(1);
    // The value went with the poller: every observer of the job shows loading again.
    expect(observer.getSnapshot()).toMatchObject({ isLoading: true, job: undefined });

    const later = new JobObserver(f.client, job.id);
    expect(later.getSnapshot()).toMatchObject({ isLoading: true, job: undefined });
    const offLater = later.subscribe(() => {});
    await served(path(job.id), 2);
    expect(f.server.requests[1]).toMatchObject({ ifNoneMatch: undefined, status: 200 });
    await vi.waitFor(() => expect(later.getSnapshot().status).toBe('running'));
    offLater();
  });

});

describe('poller garbage collection (gcTimeMs)', () => {
  it('holds only the pollers watched within gcTimeMs, however many jobs a long-lived page looked at', async () => {
    const { client, clock, calls } = stubClient({ gcTimeMs: 60_000 });
    const watch = async (ids: string[]) => {
      const observers = ids.map((id) => new JobObserver(client, id));
      const offs = observers.map((observer) => observer.subscribe(() => {}));
      await vi.waitFor(() => expect(observers.every((observer) => observer.getSnapshot().status === 'running')).toBe(true));
      for (const off of offs) off();
    };
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

    await watch(ids('early', 1000));
    expect(heldPollerCount(client)).toBe(1000);
    await clock.advance(30_000);
    await watch(ids('late', 10));
    expect(heldPollerCount(client)).toBe(1010);
    expect(calls).toHaveLength(1010);

    await clock.advance(30_000);
    expect(heldPollerCount(client)).toBe(10);
    await client.refresh(); // kept but unwatched pollers do not fetch
    await clock.advance(30_000);
    expect(heldPollerCount(client)).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(HOUR);
    expect(calls).toHaveLength(1010);
  });

  it('gcTimeMs 0 drops the poller on the next tick, but an unsubscribe/subscribe in one tick (React StrictMode) keeps it and its fetch', async () => {
    const { client, clock, calls } = stubClient({ gcTimeMs: 0 });
    const observer = new JobObserver(client, 'a');
    observer.subscribe(() => {})();
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    expect(calls).toHaveLength(1);
    expect(heldPollerCount(client)).toBe(1);

    off();
    await clock.advance(0);
    expect(heldPollerCount(client)).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(HOUR);
    expect(calls).toHaveLength(1);
  });

  it('collects a poller whose fetch is in flight only once that fetch settles, and not if someone subscribed meanwhile', async () => {
    const { client, clock, calls, release } = stubClient({ gcTimeMs: 0, hold: true });
    const observer = new JobObserver(client, 'a');
    observer.subscribe(() => {})();
    await clock.advance(0); // the delay ran out mid-fetch
    expect(heldPollerCount(client)).toBe(1);
    await release();
    await vi.waitFor(() => expect(heldPollerCount(client)).toBe(0));
    expect(clock.pendingTimers()).toBe(0);
    expect(calls).toHaveLength(1);

    observer.subscribe(() => {})();
    await clock.advance(0);
    // A subscriber arriving now joins the running fetch instead of starting a second one.
    const off = observer.subscribe(() => {});
    await release();
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    expect(heldPollerCount(client)).toBe(1);
    expect(calls).toHaveLength(2);
    off();
  });

  it('gcTimeMs Infinity, or longer than a timer can wait, keeps pollers for the client’s lifetime without a timer', async () => {
    for (const gcTimeMs of [Number.POSITIVE_INFINITY, 30 * 24 * HOUR]) {
      const { client, clock, calls } = stubClient({ gcTimeMs });
      const observer = new JobObserver(client, 'a');
      const off = observer.subscribe(() => {});
      await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
      off();
      expect(clock.pendingTimers()).toBe(0);
      await clock.advance(24 * HOUR);
      expect(heldPollerCount(client)).toBe(1);
      expect(calls).toHaveLength(1);
      expect(new JobObserver(client, 'a').getSnapshot().status).toBe('running');
    }
  });

  it('reading a snapshot without subscribing creates no poller, and the snapshot keeps its identity once one exists', async () => {
    const { client, clock, calls } = stubClient();
    const observer = new JobObserver(client, 'a');
    const before = observer.getSnapshot();
    expect(before).toMatchObject({ isLoading: true, job: undefined });
    expect(heldPollerCount(client)).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(calls).toHaveLength(0);

    const off = observer.subscribe(() => {});
    expect(observer.getSnapshot()).toBe(before); // no extra render between subscribe and the answer
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    off();
  });

  it('does not keep a Node process alive for a pending collection', async () => {
    const handles: ReturnType<typeof setTimeout>[] = [];
    const timers: PollTimers = {
      setTimeout: (callback, ms) => {
        const handle = setTimeout(callback, ms);
        handles.push(handle);
        return handle;
      },
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const { client } = stubClient({ timers });
    const observer = new JobObserver(client, 'a');
    const off = observer.subscribe(() => {});
    await vi.waitFor(() => expect(observer.getSnapshot().status).toBe('running'));
    await vi.waitFor(() => expect(handles.at(-1)?.hasRef()).toBe(true)); // the next poll keeps it alive
    const polls = handles.length;
    off();
    expect(handles).toHaveLength(polls + 1);
    expect(handles.at(-1)!.hasRef()).toBe(false);
    for (const handle of handles) clearTimeout(handle);
  });

  it('refuses a gcTimeMs that is not a number of milliseconds ≥ 0', () => {
    for (const gcTimeMs of [-1, Number.NaN, '300000', null]) {
      expect(() => createJobsClient({ baseUrl: '/api', fetch: (() => {}) as never, gcTimeMs: gcTimeMs as never })).toThrow(
        new TypeError(`createJobsClient({ gcTimeMs }) needs a number of milliseconds ≥ 0, or Infinity; got ${String(gcTimeMs)}.`),
      );
    }
    expect(() => createJobsClient({ baseUrl: '/api', fetch: (() => {}) as never, gcTimeMs: 0 })).not.toThrow();
  });
});
