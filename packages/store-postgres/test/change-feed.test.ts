import { createTracker, type Job, type JobChange, type JobChangeEvent } from '@jobtrail/core';
import type { JobStore } from '@jobtrail/core/store';
import { makeJob, uniqueName } from '@jobtrail/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import { connectionString, createTestStore, type TestStore } from './support/test-database.js';
import { startWorkerProcess, type WorkerProcess } from './support/worker-processes.js';

/** Generous: the machine may be loaded; nothing here is timed. */
const PATIENCE_MS = 30_000;
const TEST_TIMEOUT_MS = 120_000;

let db: TestStore;
const errors: unknown[] = [];
const processes: WorkerProcess[] = [];

beforeAll(async () => {
  db = await createTestStore('change_feed', { onError: (error) => errors.push(error) });
});

afterAll(async () => {
  await Promise.all(processes.map((worker) => worker.kill()));
  await db.drop();
});

async function eventually(test: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function record(store: JobStore): { changes: JobChange[]; events: JobChangeEvent[]; gaps: () => number; stop: () => void } {
  const changes: JobChange[] = [];
  const events: JobChangeEvent[] = [];
  const stop = store.subscribeChanges!((event) => {
    events.push(event);
    if (event.changes) changes.push(...event.changes);
  });
  return { changes, events, gaps: () => events.filter((event) => event.gap).length, stop };
}

/** Inserts a marker job and waits until `feed` heard it: every notification committed before has arrived. */
async function sync(feed: { changes: JobChange[] }): Promise<void> {
  const marker = makeJob({ type: uniqueName('feed.marker') });
  await db.store.insert(marker);
  await eventually(() => feed.changes.some((change) => change.jobId === marker.id), 'the marker insert');
}

/** A raw LISTEN connection on the change channel, recording payloads exactly as sent. */
async function rawListener(): Promise<{ payloads: string[]; close: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: connectionString() });
  await client.connect();
  const payloads: string[] = [];
  client.on('notification', (message) => {
    if (message.channel === db.store.names.changes.channel) payloads.push(message.payload ?? '');
  });
  await client.query(`LISTEN "${db.store.names.changes.channel}"`);
  return { payloads, close: () => client.end() };
}

describe('the PostgreSQL change feed', () => {
  it('a worker in another process finishes a job; a watch in this process sees it completed, reading only after changes', async () => {
    const log: string[] = [];
    // The tracker's view of the store: its reads and its feed, in the order they happen.
    const observed = new Proxy(db.store as JobStore, {
      get(target, property, receiver) {
        if (property === 'get' || property === 'query') {
          return (...args: unknown[]) => {
            log.push(String(property));
            return (target[property] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        if (property === 'subscribeChanges') {
          return (listener: (event: JobChangeEvent) => void) =>
            target.subscribeChanges!((event) => {
              log.push(event.gap ? 'gap' : `changes:${event.changes.map((change) => change.status).join(',')}`);
              listener(event);
            });
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const tracker = createTracker({ store: observed, recoverIntervalMs: false });
    try {
      const type = uniqueName('feed.cross-process');
      const job = await tracker.enqueue(type, { n: 1 });
      const seen: Job[] = [];
      log.length = 0;
      const stop = tracker.watch(job.id, (current) => seen.push(current));
      const worker = startWorkerProcess(
        { connectionString: connectionString(), schema: db.schema, workerId: 'feed-worker', types: [type], concurrency: 1, handlerDelayMs: 0, leaseMs: 30_000, recoverIntervalMs: 60_000 },
        () => {},
      );
      processes.push(worker);
      await eventually(() => seen.some((current) => current.status === 'completed'), 'the completed job');
      stop();
      await worker.stop();
      expect(seen.at(-1)).toMatchObject({ id: job.id, status: 'completed', attempt: 1 });
      // No polling: the first read follows a feed event (a change, or the gap of the first
      // subscription, after which the watch reads its job once: the catch-up), and there are never
      // more reads than feed events.
      const reads = log.filter((entry) => entry === 'get' || entry === 'query');
      expect(log.find((entry) => entry === 'get' || entry.startsWith('changes:') || entry === 'gap')).toMatch(/^(changes:|gap)/);
      expect(log).not.toContain('query');
      expect(reads.length).toBeLessThanOrEqual(log.filter((entry) => entry.startsWith('changes:') || entry === 'gap').length);
    } finally {
      await tracker.close();
    }
  }, TEST_TIMEOUT_MS);

  it('the LISTEN connection is killed mid-watch: a gap, the connection comes back, and a watch that re-reads on gaps has the latest state', async () => {
    const feed = record(db.store);
    const tracker = createTracker({ store: db.store, recoverIntervalMs: false });
    try {
      await eventually(() => db.store.listener.state === 'listening' && feed.gaps() >= 1, 'the change channel listened to');
      const connections = db.store.listener.connections;
      const type = uniqueName('feed.killed');
      const job = await tracker.enqueue(type, {});
      let latest: Job | null = null;
      const stop = tracker.watch(job.id, (current) => (latest = current), {
        onGap: () => void tracker.get(job.id).then((current) => (latest = current)),
      });
      await tracker.start(job.id);
      await eventually(() => latest?.status === 'running', 'the running job');
      const gapsBefore = feed.gaps();
      const pid = db.store.listener.processId;
      expect(pid).toEqual(expect.any(Number));
      await db.dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
      // Written while the listener is down or coming back: heard, or caught up by the re-read.
      await tracker.progress(job.id, 0.5);
      await tracker.complete(job.id, { result: { done: true } });
      // A gap when the connection drops, another once it listens again.
      await eventually(() => db.store.listener.connections > connections && feed.gaps() >= gapsBefore + 2, 'the gaps of the drop and the reconnect');
      expect(db.store.listener.processId).not.toBe(pid);
      // The new connection registered (the killed one's row is gone with it).
      const registered = (await db.dataSource.query(`SELECT pid FROM ${db.store.names.changes.listeners.qualified}`)) as Array<{ pid: number }>;
      expect(registered.map((row) => row.pid)).toEqual([db.store.listener.processId]);
      await eventually(() => latest?.status === 'completed', 'the completed job, caught up');
      expect(latest).toMatchObject({ status: 'completed', progress: 1, result: { done: true } });
      // Heard again after the reconnect.
      const after = await tracker.enqueue(type, {});
      await eventually(() => feed.changes.some((change) => change.jobId === after.id), 'a change after the reconnect');
      stop();
    } finally {
      feed.stop();
      await tracker.close();
    }
  }, TEST_TIMEOUT_MS);

  it('a write whose trigger ran before the subscription registered: the first gap waits for its commit, so a re-read sees it', async () => {
    const { store, drop, dataSource } = await createTestStore('change_feed_horizon');
    const writer = new pg.Client({ connectionString: connectionString() });
    await writer.connect();
    try {
      const early = makeJob({ type: uniqueName('feed.early') });
      // A transaction that inserts while nobody is registered (its trigger skips the NOTIFY), still open.
      await writer.query('BEGIN');
      await writer.query(
        `INSERT INTO ${store.names.qualified} (id, type, status, run_at, created_at, updated_at) VALUES ($1, $2, 'queued', now(), now(), now())`,
        [early.id, early.type],
      );
      let committed = false;
      const events: JobChangeEvent[] = [];
      const stop = store.subscribeChanges((event) => {
        // A gap before the commit would be useless: a re-read then still misses the write.
        if (event.gap) events.push(committed ? { gap: true } : ({ gap: true, tooEarly: true } as JobChangeEvent));
      });
      const registered = async () => Number(((await dataSource.query(`SELECT count(*) AS n FROM ${store.names.changes.listeners.qualified}`)) as Array<{ n: string }>)[0]!.n);
      const deadline = Date.now() + PATIENCE_MS;
      while ((await registered()) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(events).toEqual([]);
      committed = true;
      await writer.query('COMMIT');
      await eventually(() => events.length > 0, 'the first gap');
      expect(events).toEqual([{ gap: true }]);
      expect((await store.get(early.id))?.status).toBe('queued');
      stop();
    } finally {
      await writer.end();
      await drop();
    }
  }, TEST_TIMEOUT_MS);

  it('never hears an insert whose transaction rolled back, nor lease renewals or prune deletions', async () => {
    const feed = record(db.store);
    try {
      const type = uniqueName('feed.rollback');
      const lost = makeJob({ type });
      await expect(
        db.dataSource.transaction(async (manager) => {
          await db.store.insert(lost, { transaction: manager });
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      const running = makeJob({ type });
      await db.store.insert(running);
      const now = new Date();
      const [claimed] = await db.store.claim({ limits: { [type]: 1 }, limit: 1, owner: 'w', now, leaseExpiresAt: new Date(now.getTime() + 60_000) });
      expect(claimed?.id).toBe(running.id);
      await sync(feed);
      const heardBefore = feed.changes.filter((change) => change.jobId === running.id).length;
      expect(await db.store.heartbeat('w', [running.id], new Date(now.getTime() + 120_000))).toEqual([running.id]);
      const finishedAt = new Date(now.getTime() + 1);
      await db.store.transition(running.id, { status: 'running' }, { status: 'completed', finishedAt, updatedAt: finishedAt, lease: null });
      await eventually(() => feed.changes.some((change) => change.jobId === running.id && change.status === 'completed'), 'the completion');
      // The renewal in between was not a change: the next change heard is the completion.
      expect(feed.changes.filter((change) => change.jobId === running.id).slice(heardBefore).map((change) => change.status)).toEqual(['completed']);
      expect(await db.store.prune({ before: { completed: new Date(Date.now() + 60_000) }, limit: 1000 })).toBeGreaterThan(0);
      await sync(feed);
      expect(feed.changes.filter((change) => change.jobId === running.id).slice(heardBefore).map((change) => change.status)).toEqual(['completed']);
      expect(feed.changes.some((change) => change.jobId === lost.id)).toBe(false);
      expect(await db.store.get(lost.id)).toBeNull();
    } finally {
      feed.stop();
    }
  }, TEST_TIMEOUT_MS);

  it('a statement changing many rows: notifications under 8000 bytes, every row heard exactly once, long tenants read back', async () => {
    const raw = await rawListener();
    const feed = record(db.store);
    try {
      await sync(feed);
      const type = uniqueName('feed.many');
      // Long enough that a row's routing fields exceed one item: sent as its id, read by the listener.
      const longTenant = `tenant-${'x'.repeat(980)}`;
      const jobs = Array.from({ length: 1000 }, (_, index) => makeJob({ type, tenantId: index % 2 === 0 ? longTenant : `t-${index}`, ownerId: `owner-${index}` }));
      const { results } = await db.store.insertMany(jobs);
      expect(results.every((result) => result.created)).toBe(true);
      const now = new Date(Date.now() + 1_000);
      const claimed = await db.store.claim({ limits: { [type]: 100 }, limit: 100, owner: 'w', now, leaseExpiresAt: new Date(now.getTime() + 60_000) });
      expect(claimed).toHaveLength(100);
      await sync(feed);

      const ids = new Set(jobs.map((job) => job.id));
      const items = raw.payloads.flatMap((payload) => JSON.parse(payload) as unknown[][]).filter((item) => ids.has(item[0] as string));
      for (const payload of raw.payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
      // 1,000 inserted + 100 claimed, each once; the long-tenant ones by id only.
      expect(items).toHaveLength(1100);
      const inserts = items.slice(0, 1000);
      expect(new Set(inserts.map((item) => item[0])).size).toBe(1000);
      expect(inserts.filter((item) => item.length === 1)).toHaveLength(500);
      expect(new Set(items.slice(1000).map((item) => item[0]))).toEqual(new Set(claimed.map((job) => job.id)));
      expect(raw.payloads.length).toBeLessThan(1100 / 5);

      // The store's listeners get every job with its routing fields, the long tenants read back.
      const heardIds = () => new Set(feed.changes.filter((change) => ids.has(change.jobId)).map((change) => change.jobId));
      await eventually(() => heardIds().size === 1000, 'every inserted job, the id-only ones read back');
      const heard = feed.changes.filter((change) => ids.has(change.jobId));
      expect(new Set(heard.filter((change) => change.status === 'queued').map((change) => change.jobId)).size).toBeGreaterThanOrEqual(900);
      const long = heard.find((change) => change.tenantId === longTenant);
      expect(long).toMatchObject({ type, status: expect.stringMatching(/^(queued|running)$/) });
      const claimedIds = new Set(claimed.map((job) => job.id));
      expect(new Set(heard.filter((change) => change.status === 'running').map((change) => change.jobId))).toEqual(claimedIds);
    } finally {
      feed.stop();
      await raw.close();
    }
  }, TEST_TIMEOUT_MS);

  it('a malformed notification on the channel: an error reported, a gap, and the feed goes on', async () => {
    const feed = record(db.store);
    try {
      // The subscription's own first gap (once the listener is registered) comes before the bad payloads'.
      await eventually(() => feed.gaps() >= 1, 'the first gap');
      await sync(feed);
      const channel = db.store.names.changes.channel;
      for (const payload of ['garbage', '[["not-a-job-id"]]', JSON.stringify([['0190a0b0-0000-7000-8000-000000000001', 'x', null, null, 'exploded', 1]])]) {
        const gaps = feed.gaps();
        const reported = errors.length;
        await db.dataSource.query('SELECT pg_notify($1, $2)', [channel, payload]);
        await eventually(() => feed.gaps() > gaps, `the gap for ${payload}`);
        expect(errors.slice(reported)).toContainEqual(expect.objectContaining({ name: 'ChangeNotificationError', code: 'store_error' }));
      }
      await sync(feed);
    } finally {
      feed.stop();
    }
  }, TEST_TIMEOUT_MS);

  it('refuses a listener that is not a function, and subscriptions on a store without LISTEN or closed', async () => {
    expect(() => db.store.subscribeChanges('nope' as never)).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'listener' }));
    const quiet = new PostgresJobStore({ dataSource: db.dataSource, listen: false });
    expect(() => quiet.subscribeChanges(() => {})).toThrow(expect.objectContaining({ code: 'store_error', message: expect.stringMatching(/listen: false/) }));
    await quiet.close();
    const closed = new PostgresJobStore({ dataSource: db.dataSource });
    await closed.close();
    expect(() => closed.subscribeChanges(() => {})).toThrow(expect.objectContaining({ code: 'store_error' }));
  }, TEST_TIMEOUT_MS);

  it('writes NOTIFY only while a store is subscribed; the last listener leaving switches them off, close() stops everything', async () => {
    const { store, drop, dataSource } = await createTestStore('change_feed_close');
    const listeners = async () => Number(((await dataSource.query(`SELECT count(*) AS n FROM ${store.names.changes.listeners.qualified}`)) as Array<{ n: string }>)[0]!.n);
    const raw = new pg.Client({ connectionString: connectionString() });
    await raw.connect();
    const payloads: string[] = [];
    raw.on('notification', (message) => payloads.push(message.payload ?? ''));
    await raw.query(`LISTEN "${store.names.changes.channel}"`);
    try {
      // Nobody subscribed: the triggers stay quiet (a NOTIFY would serialise commits for nothing).
      const unheard = makeJob({ type: uniqueName('feed.unheard') });
      await store.insert(unheard);
      expect(await listeners()).toBe(0);
      const first = record(store);
      await eventually(() => store.listener.state === 'listening' && first.gaps() >= 1, 'the change channel listened to');
      expect(await listeners()).toBe(1);
      const heard = makeJob({ type: uniqueName('feed.heard') });
      await store.insert(heard);
      await eventually(() => payloads.some((payload) => payload.includes(heard.id)), 'the raw notification');
      expect(payloads.some((payload) => payload.includes(unheard.id))).toBe(false);
      first.stop();
      // Only wake-ups keep a connection: with nobody subscribed, it closes, unregistered.
      await eventually(() => store.listener.state === 'stopped', 'the LISTEN connection closed');
      // Its row goes with it (the unregistering statement runs just before the connection ends).
      await eventually(async () => (await listeners()) === 0, 'the registration removed');
      const second = record(store);
      const job = makeJob({ type: uniqueName('feed.again') });
      await store.insert(job);
      await eventually(() => second.changes.some((change) => change.jobId === job.id), 'the insert after subscribing again');
      await store.close();
      expect(store.listener.state).toBe('stopped');
      // close() waits for the LISTEN connection to unregister and end.
      expect(await listeners()).toBe(0);
      second.stop();
    } finally {
      await raw.end();
      await drop();
    }
  }, TEST_TIMEOUT_MS);
});
