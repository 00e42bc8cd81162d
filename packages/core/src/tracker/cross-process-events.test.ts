import { describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createTracker } from './tracker.js';

/** Two trackers on one store stand for two processes sharing a database. */
function twoProcesses() {
  const store = new MemoryJobStore();
  const web = createTracker({ store, recoverIntervalMs: false });
  const worker = createTracker({ store, recoverIntervalMs: false });
  const heard: string[] = [];
  for (const event of ['created', 'started', 'retrying', 'completed', 'failed', 'skipped', 'cancelled'] as const) {
    web.on(event, (job) => heard.push(`${event}:${job.id.slice(-4)}`));
  }
  return { store, web, worker, heard };
}

async function until(test: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!test() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(test()).toBe(true);
}

describe('tracker.listenToAllProcesses', () => {
  it("fires the tracker's own events for jobs another process changes, each status of each attempt once", async () => {
    const { web, worker, heard } = twoProcesses();
    const stop = web.listenToAllProcesses();
    const job = await worker.enqueue('reports.build', {}, { maxAttempts: 2 });
    const id = job.id.slice(-4);
    await until(() => heard.includes(`created:${id}`));
    await worker.start(job.id);
    await until(() => heard.includes(`started:${id}`));
    await worker.fail(job.id, new Error('first try'));
    await until(() => heard.includes(`retrying:${id}`));
    await worker.start(job.id);
    await until(() => heard.filter((entry) => entry === `started:${id}`).length === 2);
    worker.progress(job.id, 0.5);
    await worker.flush(job.id);
    await worker.complete(job.id);
    await until(() => heard.includes(`completed:${id}`));
    expect(heard.filter((entry) => entry.endsWith(id))).toEqual([`created:${id}`, `started:${id}`, `retrying:${id}`, `started:${id}`, `completed:${id}`]);
    stop();
    await Promise.all([web.close(), worker.close()]);
  });

  it("tells this process's own changes once, not again when the feed brings them back; stops when asked", async () => {
    const { web, worker, heard } = twoProcesses();
    const stop = web.listenToAllProcesses({ filter: { type: 'mine' } });
    const job = await web.create('mine', {});
    const id = job.id.slice(-4);
    await web.start(job.id);
    await web.complete(job.id);
    // Another process's job of a type outside the filter is not told; a later one inside it is
    // (the feed delivers in order, so once that one is heard the other would have been).
    const other = await worker.enqueue('theirs', {});
    const marker = await worker.enqueue('mine', {});
    await until(() => heard.includes(`created:${marker.id.slice(-4)}`));
    expect(heard.filter((entry) => entry.endsWith(id))).toEqual([`created:${id}`, `started:${id}`, `completed:${id}`]);
    expect(heard.some((entry) => entry.endsWith(other.id.slice(-4)))).toBe(false);
    stop();
    // After stop: a plain watch sees the next job arrive, the events do not.
    const seen: string[] = [];
    const watching = web.watch({ type: 'mine' }, (job) => seen.push(job.id));
    const after = await worker.enqueue('mine', {});
    await until(() => seen.includes(after.id));
    watching();
    expect(heard.some((entry) => entry.endsWith(after.id.slice(-4)))).toBe(false);
    await Promise.all([web.close(), worker.close()]);
  });

  it('refuses a store without a change feed and a bad filter', async () => {
    const memory = new MemoryJobStore();
    const feedless = new Proxy(memory, {
      get(target, property, receiver) {
        if (property === 'subscribeChanges') return undefined;
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const tracker = createTracker({ store: feedless, recoverIntervalMs: false });
    expect(() => tracker.listenToAllProcesses()).toThrow(expect.objectContaining({ code: 'change_feed_unavailable' }));
    const { web } = twoProcesses();
    expect(() => web.listenToAllProcesses({ filter: { status: 'nope' as never } })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    await tracker.close();
    await web.close();
  });

  it('tells each of its own jobs created, started, completed once and in order, however the feed and the local path interleave', async () => {
    const { web, heard } = twoProcesses();
    const stop = web.listenToAllProcesses();
    const jobs = await Promise.all(Array.from({ length: 20 }, () => web.enqueue('burst', {})));
    await Promise.all(
      jobs.map(async (job) => {
        await web.start(job.id);
        await web.complete(job.id);
      }),
    );
    await until(() => jobs.every((job) => heard.includes(`completed:${job.id.slice(-4)}`)));
    // A last job after them all: once its event is heard, every feed delivery before it was handled.
    const last = await web.enqueue('burst', {});
    await until(() => heard.includes(`created:${last.id.slice(-4)}`));
    for (const job of jobs) {
      const id = job.id.slice(-4);
      expect(heard.filter((entry) => entry.endsWith(id))).toEqual([`created:${id}`, `started:${id}`, `completed:${id}`]);
    }
    stop();
    await web.close();
  });

  it('keeps lease recovery\'s retrying event after its recovered event, and passes gaps and the end on', async () => {
    const { web, heard, store } = twoProcesses();
    const recovered: string[] = [];
    web.on('recovered', (job) => recovered.push(job.id));
    const ended: string[] = [];
    const stop = web.listenToAllProcesses({ onEnd: () => ended.push('end') });
    const job = await web.enqueue('recovery', {}, { maxAttempts: 3 });
    const id = job.id.slice(-4);
    await web.start(job.id, { leaseMs: 1_000, owner: 'gone-worker' });
    await until(() => heard.includes(`started:${id}`));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await web.recoverExpired();
    await until(() => heard.includes(`retrying:${id}`));
    expect(recovered).toEqual([job.id]);
    expect(heard.filter((entry) => entry.endsWith(id))).toEqual([`created:${id}`, `started:${id}`, `retrying:${id}`]);
    // The store closes: the relay ends and says so.
    await store.close();
    await until(() => ended.length === 1);
    stop();
    expect(() => web.listenToAllProcesses({ filters: {} } as never)).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'filters' }));
    expect(() => web.listenToAllProcesses(42 as never)).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'options' }));
  });
});
