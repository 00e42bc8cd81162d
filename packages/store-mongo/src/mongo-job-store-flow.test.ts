import { MemoryJobStore, StoreError, type Job } from '@jobtrail/core';
import { guardStore, type ClaimRequest, type StoreWakeEvent, type TypeControl } from '@jobtrail/core/store';
import { makeJob, makeTypeControl } from '@jobtrail/core/testing';
import { MongoServerError, type Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { failure } from './caught-error.test-support.js';
import { fakeDb } from './fake-db.test-support.js';
import { MongoJobStore } from './mongo-job-store.js';
import { FakeStream } from './wake/fake-change-stream.test-support.js';
import { TYPE_CONTROL_WAKE_PIPELINE } from './wake/type-control-wake-pipeline.js';

/**
 * Flow control of the MongoDB store over the fake Db (no server here; see
 * `fake-db.test-support.ts` for the transaction rules it keeps): what the contract suite cannot
 * see from outside — that claims of a type are serialised even when racing claimers' plans share
 * no job, that several store instances (processes) racing stay within the limits, that types
 * without flow control never start a transaction, the bookkeeping documents, the standalone
 * refusal, and the type-controls change stream. The contract suite runs over the fake in
 * flow-contract-fake.test.ts and against a real server in test/contract.test.ts.
 */

const BASE = Date.UTC(2030, 0, 1);
const at = (seconds: number): Date => new Date(BASE + seconds * 1000);

function request(now: number, limits: Record<string, number>, limit = 100, owner = 'worker'): ClaimRequest {
  return { owner, now: at(now), leaseExpiresAt: at(now + 60), limits, limit };
}

function setup(db: Db = fakeDb().db) {
  const raw = new MongoJobStore({ db, changeStreams: false });
  const store = guardStore(raw);
  const control = async (type: string, fields: Partial<TypeControl>): Promise<void> => {
    const current = await store.getTypeControl!(type);
    const version = (current?.version ?? 1000) + 1;
    expect(await store.putTypeControl!(makeTypeControl({ ...(current ?? {}), type, ...fields, version }), current?.version ?? null)).toEqual({ ok: true });
  };
  const enqueue = async (type: string, count: number, fields: Partial<Job> = {}): Promise<Job[]> => {
    const jobs: Job[] = [];
    for (let index = 0; index < count; index++) {
      const job = makeJob({ type, runAt: at(-60 + index), ...fields });
      await store.insert(job);
      jobs.push(job);
    }
    return jobs;
  };
  return { raw, store, control, enqueue };
}

const running = async (store: ReturnType<typeof setup>['store'], type: string): Promise<number> =>
  (await store.count({ type: [type], status: ['running'] })).reduce((sum, row) => sum + row.count, 0);

describe('MongoJobStore flow control (fake Db)', () => {
  it('serialises the claims of a type even when racing claimers plan disjoint jobs', async () => {
    // A claimer at t=0 sees only `early` due; one at t=10 ranks `late` (priority 5) first. Their
    // plans share no job, so only the write of the type's control document makes one of them
    // wait for the other: without it both would lease, two running under maxRunning 1, and two
    // starts under a rate limit of 1.
    for (const fields of [{ maxRunning: 1 }, { rateLimit: { limit: 1, intervalMs: 60_000, perGroup: false } }] satisfies Partial<TypeControl>[]) {
      const fake = fakeDb();
      const { store, control } = setup(fake.db);
      await store.insert(makeJob({ type: 't', runAt: at(-1) }));
      await store.insert(makeJob({ type: 't', runAt: at(10), priority: 5 }));
      await control('t', fields);
      const claims = await Promise.all([store.claim(request(0, { t: 1 }, 1, 'early')), store.claim(request(10, { t: 1 }, 1, 'late'))]);
      expect(claims.flat()).toHaveLength(1);
      expect(fake.conflicts()).toBeGreaterThan(0);
      expect(await running(store, 't')).toBe(1);
    }
  });

  it('keeps several store instances (processes) racing over one database within every limit', async () => {
    const fake = fakeDb();
    const processes = Array.from({ length: 4 }, () => setup(fake.db));
    const [first] = processes;
    await first!.enqueue('capped', 20);
    for (const group of ['p', 'q']) await first!.enqueue('grouped', 6, { group });
    await first!.enqueue('rated', 20);
    await first!.control('capped', { maxRunning: 5 });
    await first!.control('grouped', { maxRunningPerGroup: 2 });
    await first!.control('rated', { rateLimit: { limit: 6, intervalMs: 3_600_000, perGroup: false } });
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, index) => processes[index % processes.length]!.store.claim(request(0, { capped: 2, grouped: 2, rated: 2 }, 6, `w${index}`))),
    );
    const claimed = claims.flat();
    expect(new Set(claimed.map((job) => job.id)).size).toBe(claimed.length);
    expect(claimed.filter((job) => job.type === 'capped')).toHaveLength(5);
    expect(claimed.filter((job) => job.type === 'grouped').map((job) => job.group).sort()).toEqual(['p', 'p', 'q', 'q']);
    expect(claimed.filter((job) => job.type === 'rated')).toHaveLength(6);
    expect(fake.conflicts()).toBeGreaterThan(0);
    expect(await first!.store.countStarts!('rated', at(-1))).toBe(6);
  });

  it('claims types without a record that asks anything as before: no session, no transaction', async () => {
    const fake = fakeDb();
    const { store, control, enqueue } = setup(fake.db);
    await enqueue('plain', 3);
    await enqueue('empty', 3);
    await control('empty', {});
    expect(await store.claim(request(0, { plain: 2, empty: 2 }))).toHaveLength(4);
    expect(fake.sessions()).toBe(0);
  });

  it('never lets the plain claim take a controlled type, and gives a paused type no transaction', async () => {
    const fake = fakeDb();
    const { store, control, enqueue } = setup(fake.db);
    await enqueue('free', 3);
    await enqueue('held', 3);
    await control('held', { paused: true });
    expect((await store.claim(request(0, { free: 5, held: 5 }))).map((job) => job.type)).toEqual(['free', 'free', 'free']);
    expect(fake.sessions()).toBe(0);
  });

  it('divides a claim between competing types in claim order, as the memory store does', async () => {
    const { store, control } = setup();
    const memory = guardStore(new MemoryJobStore());
    // plain: priority 1 and 0 (the latter due later); controlled, round-robin over g1 and g2:
    // priority 2 (g1), 0 (g2), 2 (g1).
    const jobs = [
      makeJob({ type: 'plain', priority: 1, runAt: at(-60) }),
      makeJob({ type: 'plain', priority: 0, runAt: at(-10) }),
      makeJob({ type: 'ctl', group: 'g1', priority: 2, runAt: at(-60) }),
      makeJob({ type: 'ctl', group: 'g2', priority: 0, runAt: at(-60) }),
      makeJob({ type: 'ctl', group: 'g1', priority: 2, runAt: at(-59) }),
    ];
    for (const job of jobs) {
      await store.insert(job);
      await memory.insert(job);
    }
    await control('ctl', { maxRunning: 10 });
    await memory.putTypeControl!((await store.getTypeControl!('ctl'))!, null);
    const claimed = await store.claim(request(0, { plain: 5, ctl: 5 }, 3));
    // ctl gives g1 (never started, first in claim order), then g2 (never started) before g1's
    // second job: its priority-0 job holds it back behind plain's priority-1 job, so ctl gets 2.
    expect(claimed.map((job) => job.id)).toEqual([jobs[2]!.id, jobs[0]!.id, jobs[3]!.id]);
    expect(claimed).toEqual(await memory.claim(request(0, { plain: 5, ctl: 5 }, 3)));
  });

  it('keeps the record as written while claims mark its document, and records starts and latest starts', async () => {
    const fake = fakeDb();
    const { raw, store, control, enqueue } = setup(fake.db);
    await enqueue('t', 4, { group: 'g' });
    await control('t', { maxRunningPerGroup: 3, rateLimit: { limit: 10, intervalMs: 60_000, perGroup: true } });
    const record = await store.getTypeControl!('t');
    expect(await store.claim(request(0, { t: 2 }))).toHaveLength(2);
    expect(await store.claim(request(5, { t: 2 }))).toHaveLength(1);
    expect(await store.getTypeControl!('t')).toEqual(record);
    const names = raw.flowCollectionNames;
    expect(fake.documents(names.controls)).toEqual([expect.objectContaining({ _id: 't', claims: 2, version: record!.version })]);
    expect(fake.documents(names.starts).map((start) => [start['group'], (start['at'] as Date).getTime() - BASE])).toEqual([
      ['g', 0],
      ['g', 0],
      ['g', 5000],
    ]);
    expect(fake.documents(names.groups)).toEqual([expect.objectContaining({ type: 't', group: 'g', lastStartAt: at(5), turn: 2_000_000 })]);
    expect(await store.countStarts!('t', at(0))).toBe(1);
    expect(await store.countStarts!('t', at(-1), 'g')).toBe(3);
    expect(await store.countStarts!('t', at(-1), null)).toBe(0);
  });

  it('drops the starts of a type whose record no longer limits its rate, and its groups once it asks nothing', async () => {
    const fake = fakeDb();
    const { raw, store, control, enqueue } = setup(fake.db);
    await enqueue('t', 2, { group: 'g' });
    await control('t', { rateLimit: { limit: 10, intervalMs: 60_000, perGroup: false } });
    await store.claim(request(0, { t: 1 }));
    await control('t', { rateLimit: null, maxRunning: 5 });
    expect(await store.countStarts!('t', at(-1))).toBe(0);
    expect(fake.documents(raw.flowCollectionNames.groups)).toHaveLength(1);
    await control('t', { maxRunning: null });
    expect(fake.documents(raw.flowCollectionNames.groups)).toHaveLength(0);
  });

  it('plans again when a planned job changes under the transaction, and stays within the limit', async () => {
    const fake = fakeDb();
    const { store, control, enqueue } = setup(fake.db);
    const [first, second] = await enqueue('t', 3);
    await control('t', { maxRunning: 2 });
    // Another process cancels the first planned job between the claim's plan and its lease.
    const jobs = fake.db.collection(setup(fake.db).raw.collectionName);
    const updateMany = jobs.updateMany.bind(jobs);
    let interfered = false;
    jobs.updateMany = (async (...args: Parameters<typeof updateMany>) => {
      if (!interfered && args[2]?.session !== undefined) {
        interfered = true;
        await store.transition(first!.id, { status: 'queued' }, { status: 'cancelled', finishedAt: at(0), updatedAt: at(0) });
      }
      return updateMany(...args);
    }) as typeof jobs.updateMany;
    const claimed = await store.claim(request(0, { t: 5 }));
    expect(interfered).toBe(true);
    expect(fake.conflicts()).toBeGreaterThan(0);
    expect(claimed.map((job) => job.id)).toEqual([second!.id, expect.any(String)]);
    expect(await store.get(first!.id)).toMatchObject({ status: 'cancelled' });
  });

  it('refuses to claim a controlled type on a standalone server, saying what it needs, and claims the other types', async () => {
    const fake = fakeDb();
    const { raw, store, control, enqueue } = setup(fake.db);
    await enqueue('t', 1);
    await enqueue('free', 1);
    await control('t', { maxRunning: 1 });
    const controls = fake.db.collection(raw.flowCollectionNames.controls);
    controls.findOneAndUpdate = (async () => {
      throw new MongoServerError({ message: 'Transaction numbers are only allowed on a replica set member or mongos', code: 20, codeName: 'IllegalOperation' });
    }) as typeof controls.findOneAndUpdate;
    const error = await failure(() => store.claim(request(0, { t: 1 })));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/"t" has flow control.*replica set/);
    // Not lost: the other type's job is claimed (and the error shows again on the next claim).
    expect((await store.claim(request(0, { t: 1, free: 1 }))).map((job) => job.type)).toEqual(['free']);
  });
});

describe('MongoJobStore wake-ups for type controls (fake change streams)', () => {
  function watched() {
    const fake = fakeDb();
    const streams: FakeStream[] = [];
    const pipelines: unknown[] = [];
    const db = {
      ...fake.db,
      databaseName: fake.db.databaseName,
      client: fake.db.client,
      collection: (name: string) => ({
        ...fake.db.collection(name),
        watch(pipeline: unknown[]) {
          const stream = new FakeStream();
          if (name.endsWith('_type_controls')) {
            streams.push(stream);
            pipelines.push(pipeline);
          }
          return stream;
        },
      }),
    } as unknown as Db;
    const raw = new MongoJobStore({ db });
    const events: StoreWakeEvent[] = [];
    const unsubscribe = raw.subscribe((event) => events.push(event));
    return { raw, store: guardStore(raw), streams, pipelines, events, unsubscribe };
  }
  const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it("reports other processes' record writes from the type-controls stream as { type }", async () => {
    const { streams, pipelines, events, unsubscribe } = watched();
    expect(pipelines).toEqual([[...TYPE_CONTROL_WAKE_PIPELINE]]);
    streams[0]!.push(null);
    await flush();
    streams[0]!.push({ _id: { _data: '1' }, operationType: 'update', documentKey: { _id: 'places.scan' } });
    await flush();
    expect(events).toEqual([{ type: 'places.scan' }]);
    unsubscribe();
    expect(streams[0]!.closed).toBe(true);
  });

  it('wakes its own subscribers at once for a record it writes while the stream is not running', async () => {
    const { store, events } = watched();
    await store.putTypeControl!(makeTypeControl({ type: 'mine', paused: true }), null);
    await flush();
    expect(events).toEqual([{ type: 'mine' }]);
  });
});
