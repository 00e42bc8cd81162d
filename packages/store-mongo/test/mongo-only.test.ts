import { createTracker, StoreError } from '@jobtrail/core';
import type { ClaimRequest, JobChangeEvent, StoreWakeEvent, TypeControl } from '@jobtrail/core/store';
import { makeJob, makeTypeControl, uniqueName } from '@jobtrail/core/testing';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_FEED_PIPELINE, changeFeedOptions } from '../src/documents/change-feed-documents.js';
import { dueGroupsPipeline, runningByGroupPipeline } from '../src/documents/flow-claim-documents.js';
import { DUE_SCHEDULES_SORT, dueSchedulesFilter, NEXT_RUN_FILTER, NEXT_RUN_SORT } from '../src/documents/schedule-documents.js';
import { ChangeEventError, JOB_INDEXES, MongoJobStore, SCHEDULE_INDEXES, TYPE_GROUP_INDEXES, TYPE_START_INDEXES } from '../src/index.js';
import { TYPE_CONTROL_WAKE_PIPELINE } from '../src/wake/type-control-wake-pipeline.js';
import type { ScheduleDocument } from '../src/mapping/schedule-document.js';
import { makeSchedule } from '../src/schedule-record.test-support.js';
import { MONGODB_URL, openTestDatabase, SKIP_REASON, uniqueCollectionName, type TestDatabase } from './mongo-server.js';

/**
 * What only MongoDB has, against a real server: the index set, the stored document shape, the
 * caller's transactions, change-stream wake-ups and the change feed across store instances, and
 * flow control across clients (processes). Skipped (visibly) without MONGODB_URL, like the contract suite.
 */
describe.skipIf(MONGODB_URL === '')(
  MONGODB_URL === '' ? `MongoJobStore on a real server (skipped: ${SKIP_REASON})` : 'MongoJobStore on a real server',
  () => {
    let database: TestDatabase;
    let store: MongoJobStore;

    beforeAll(async () => {
      database = await openTestDatabase('mongo_only');
      store = new MongoJobStore({ db: database.db, collectionName: uniqueCollectionName('jobs') });
      await store.ensureIndexes();
    });

    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('creates exactly the documented indexes, and a second ensureIndexes changes nothing', async () => {
      await store.ensureIndexes();
      const indexes = await database.db.collection(store.collectionName).listIndexes().toArray();
      const ours = indexes.filter((index) => index['name'] !== '_id_');
      expect(ours.map((index) => index['name']).sort()).toEqual(JOB_INDEXES.map((index) => index.name).sort());
      for (const definition of JOB_INDEXES) {
        const index = ours.find((candidate) => candidate['name'] === definition.name)!;
        expect(index['key']).toEqual(definition.key);
        expect(index['unique'] ?? false).toBe(definition.unique ?? false);
        if (definition.partialFilterExpression) expect(index['partialFilterExpression']).toEqual(definition.partialFilterExpression);
      }
    });

    it('creates exactly the documented indexes on the schedules collection too', async () => {
      const names = await store.ensureIndexes();
      expect(names).toEqual([...JOB_INDEXES, ...SCHEDULE_INDEXES, ...TYPE_START_INDEXES, ...TYPE_GROUP_INDEXES].map((index) => index.name));
      const indexes = await database.db.collection(store.schedulesCollectionName).listIndexes().toArray();
      const ours = indexes.filter((index) => index['name'] !== '_id_');
      expect(ours.map((index) => index['name']).sort()).toEqual(SCHEDULE_INDEXES.map((index) => index.name).sort());
      for (const definition of SCHEDULE_INDEXES) {
        const index = ours.find((candidate) => candidate['name'] === definition.name)!;
        expect(index['key']).toEqual(definition.key);
        expect(index['unique'] ?? false).toBe(false);
      }
    });

    it('creates exactly the documented indexes on the flow-control collections', async () => {
      for (const [name, definitions] of [
        [store.flowCollectionNames.starts, TYPE_START_INDEXES],
        [store.flowCollectionNames.groups, TYPE_GROUP_INDEXES],
      ] as const) {
        const ours = (await database.db.collection(name).listIndexes().toArray()).filter((index) => index['name'] !== '_id_');
        expect(ours.map((index) => index['name']).sort()).toEqual(definitions.map((index) => index.name).sort());
        for (const definition of definitions) {
          const index = ours.find((candidate) => candidate['name'] === definition.name)!;
          expect(index['key']).toEqual(definition.key);
          expect(index['unique'] ?? false).toBe(definition.unique ?? false);
        }
      }
    });

    it("serves a controlled type's counts and due groups from an index, never a collection scan", async () => {
      const jobs = database.db.collection(store.collectionName);
      for (const pipeline of [runningByGroupPipeline('t'), dueGroupsPipeline('t', new Date(), 5)]) {
        const plan = JSON.stringify(await jobs.aggregate(pipeline).explain('queryPlanner'));
        expect(plan).toContain('IXSCAN');
        expect(plan).not.toContain('COLLSCAN');
      }
    });

    it('serves dueSchedules and nextScheduleRunAt from indexes, never a collection scan', async () => {
      const schedules = database.db.collection<ScheduleDocument>(store.schedulesCollectionName);
      const plans = [
        await schedules.find(dueSchedulesFilter(new Date())).sort(DUE_SCHEDULES_SORT).limit(100).explain('queryPlanner'),
        await schedules.find(NEXT_RUN_FILTER).sort(NEXT_RUN_SORT).limit(1).explain('queryPlanner'),
      ];
      for (const plan of plans) {
        const winning = JSON.stringify((plan as { queryPlanner?: { winningPlan?: unknown } }).queryPlanner?.winningPlan);
        expect(winning).toContain('IXSCAN');
        expect(winning).not.toContain('COLLSCAN');
      }
    });

    it('stores a schedule under its name (_id) with every nullable field present, and reads back the record', async () => {
      const record = makeSchedule({ name: uniqueName('shape'), payload: { $price: 1, 'a.b': 1 }, pendingTicks: [new Date()] });
      expect(await store.insertSchedule(record)).toEqual({ ok: true, schedule: record });
      const raw = await database.db.collection(store.schedulesCollectionName).findOne({ _id: record.name as never });
      expect(raw).toMatchObject({ _id: record.name, tenantId: null, cron: null, lastJobId: null, version: 1 });
      expect(raw).not.toHaveProperty('name');
      expect(await store.getSchedule(record.name)).toEqual(record);
      // The payload's $-prefixed and dotted keys survive an update ($set of the whole value) too.
      const updated = await store.updateSchedule(record.name, 1, { payload: { $price: 2, 'c.d': 2 }, updatedAt: new Date() });
      expect(updated.ok && updated.schedule.payload).toEqual({ $price: 2, 'c.d': 2 });
      expect(await store.deleteSchedule(record.name)).toBe(true);
    });

    it('lets exactly one of two concurrent inserts of a name win, and one of two updates at the same version', async () => {
      const name = uniqueName('race');
      const inserts = await Promise.all([store.insertSchedule(makeSchedule({ name, tenantId: 'a' })), store.insertSchedule(makeSchedule({ name, tenantId: 'b' }))]);
      expect(inserts.filter((result) => result.ok)).toHaveLength(1);
      expect(inserts.find((result) => !result.ok)).toMatchObject({ ok: false, reason: 'exists' });
      const updates = await Promise.all([
        store.updateSchedule(name, 1, { paused: true, updatedAt: new Date() }),
        store.updateSchedule(name, 1, { enabled: false, updatedAt: new Date() }),
      ]);
      expect(updates.filter((result) => result.ok)).toHaveLength(1);
      expect(updates.find((result) => !result.ok)).toMatchObject({ ok: false, reason: 'conflict', current: { version: 2 } });
      await store.deleteSchedule(name);
    });

    it('stores _id, a flattened lease and escaped metric names, and reads back a plain Job', async () => {
      const job = makeJob({ type: uniqueName('shape'), status: 'running', attempt: 1, lease: { owner: 'w', expiresAt: new Date() }, metrics: { 'cost.usd': 1 } });
      await store.insert(job);
      await store.incrementMetrics(job.id, { 'cost.usd': 0.5, $spent: 2 }, new Date());
      const raw = await database.db.collection(store.collectionName).findOne({ _id: job.id as never });
      expect(raw).toMatchObject({ _id: job.id, leaseOwner: 'w', metrics: { 'cost%2Eusd': 1.5, '%24spent': 2 } });
      expect(raw).not.toHaveProperty('id');
      expect(raw).not.toHaveProperty('lease');
      const read = await store.get(job.id);
      expect(read?.metrics).toEqual({ 'cost.usd': 1.5, $spent: 2 });
      expect(Object.keys(read!).sort()).toEqual(Object.keys(job).sort());
    });

    it("inserts inside the caller's transaction: kept on commit, gone on abort", async (context) => {
      if (!database.replicaSet) context.skip('transactions need a replica set');
      const type = uniqueName('txn');
      const committed = makeJob({ type });
      const aborted = makeJob({ type });
      const session = database.client.startSession();
      try {
        await session.withTransaction(async () => {
          const result = await store.insert(committed, { transaction: session });
          expect(result.created).toBe(true);
          // Not visible outside the transaction before it commits.
          expect(await store.get(committed.id)).toBeNull();
        });
        await expect(
          session.withTransaction(async () => {
            await store.insert(aborted, { transaction: session });
            throw new Error('business rule failed');
          }),
        ).rejects.toThrow('business rule failed');
      } finally {
        await session.endSession();
      }
      expect(await store.get(committed.id)).toMatchObject({ id: committed.id, status: 'queued' });
      expect(await store.get(aborted.id)).toBeNull();
    });

    it('fires created only after the caller commits, and never for an aborted transaction', async (context) => {
      if (!database.replicaSet) context.skip('transactions need a replica set');
      const tracker = createTracker({ store, recoverIntervalMs: false });
      const created: string[] = [];
      tracker.on('created', (job) => created.push(job.id));
      const type = uniqueName('txn.events');
      const session = database.client.startSession();
      let committedId = '';
      try {
        await session.withTransaction(async () => {
          committedId = (await tracker.enqueue(type, { n: 1 }, { transaction: session })).id;
          await new Promise((resolve) => setTimeout(resolve, 20));
          expect(created).toEqual([]);
        });
        await expect.poll(() => created).toEqual([committedId]);
        await expect(
          session.withTransaction(async () => {
            await tracker.enqueue(type, { n: 2 }, { transaction: session });
            throw new Error('business rule failed');
          }),
        ).rejects.toThrow('business rule failed');
      } finally {
        await session.endSession();
        await tracker.close();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(created).toEqual([committedId]);
    });

    it('dedupes inside a transaction without aborting it', async (context) => {
      if (!database.replicaSet) context.skip('transactions need a replica set');
      const type = uniqueName('txn-dedupe');
      const key = uniqueName('key');
      const holder = makeJob({ type, key });
      await store.insert(holder);
      const other = makeJob({ type: uniqueName('txn-other') });
      const session = database.client.startSession();
      try {
        await session.withTransaction(async () => {
          const again = await store.insert(makeJob({ type, key }), { transaction: session });
          expect(again).toEqual({ job: holder, created: false });
          // The transaction is still alive: later writes in it commit.
          expect((await store.insert(other, { transaction: session })).created).toBe(true);
        });
      } finally {
        await session.endSession();
      }
      expect(await store.get(other.id)).not.toBeNull();
    });

    it('wakes subscribers of one store instance for jobs another instance enqueues, through the change stream', async (context) => {
      if (!database.replicaSet) context.skip('change streams need a replica set');
      const listening = new MongoJobStore({ db: database.db, collectionName: store.collectionName });
      const events: StoreWakeEvent[] = [];
      const unsubscribe = listening.subscribe((event) => events.push(event));
      try {
        await expect.poll(() => listening.wakeMode, { timeout: 10_000 }).toBe('change-stream');
        const type = uniqueName('wake-remote');
        await store.insert(makeJob({ type }));
        await expect.poll(() => events.some((event) => event.type === type), { timeout: 10_000 }).toBe(true);

        // A retry (update to retrying) wakes too, without a type.
        const running = makeJob({ type: uniqueName('wake-retry'), status: 'running', attempt: 1 });
        await store.insert(running);
        const before = events.length;
        await store.transition(running.id, { status: 'running' }, { status: 'retrying', runAt: new Date(), updatedAt: new Date() });
        await expect.poll(() => events.slice(before).some((event) => event.type === undefined), { timeout: 10_000 }).toBe(true);
      } finally {
        unsubscribe();
        await listening.close();
      }
    });

    it('wakes subscribers of one store instance for schedules another instance inserts, updates or deletes, through the change stream', async (context) => {
      if (!database.replicaSet) context.skip('change streams need a replica set');
      const listening = new MongoJobStore({ db: database.db, collectionName: store.collectionName });
      const events: StoreWakeEvent[] = [];
      const unsubscribe = listening.subscribe((event) => events.push(event));
      const heard = (name: string) => events.filter((event) => event.schedule === name).length;
      try {
        await expect.poll(() => listening.wakeMode, { timeout: 10_000 }).toBe('change-stream');
        const name = uniqueName('wake-schedule');
        await store.insertSchedule(makeSchedule({ name }));
        await expect.poll(() => heard(name), { timeout: 10_000 }).toBe(1);
        await store.updateSchedule(name, 1, { paused: true, updatedAt: new Date() });
        await expect.poll(() => heard(name), { timeout: 10_000 }).toBe(2);
        await store.deleteSchedule(name);
        await expect.poll(() => heard(name), { timeout: 10_000 }).toBe(3);
        // No job type travels with a schedule change.
        expect(events.filter((event) => event.schedule === name).every((event) => event.type === undefined)).toBe(true);
      } finally {
        unsubscribe();
        await listening.close();
      }
    });

    it("wakes a store's own subscribers once directly and once more through the schedules stream", async (context) => {
      if (!database.replicaSet) context.skip('change streams need a replica set');
      const own = new MongoJobStore({ db: database.db, collectionName: store.collectionName });
      const events: StoreWakeEvent[] = [];
      const unsubscribe = own.subscribe((event) => events.push(event));
      try {
        await expect.poll(() => own.wakeMode, { timeout: 10_000 }).toBe('change-stream');
        const name = uniqueName('wake-own');
        await own.insertSchedule(makeSchedule({ name }));
        await expect.poll(() => events.filter((event) => event.schedule === name).length, { timeout: 10_000 }).toBe(2);
        await own.deleteSchedule(name);
      } finally {
        unsubscribe();
        await own.close();
      }
    });

    describe('flow control across clients (processes)', () => {
      const request = (now: number, limits: Record<string, number>, limit: number, owner: string): ClaimRequest => ({
        owner,
        now: new Date(now),
        leaseExpiresAt: new Date(now + 60_000),
        limits,
        limit,
      });
      async function control(type: string, fields: Partial<TypeControl>): Promise<void> {
        expect(await store.putTypeControl(makeTypeControl({ type, ...fields }), null)).toEqual({ ok: true });
      }

      it('stores a record under its type (_id) and keeps it as written while claims mark the document', async (context) => {
        if (!database.replicaSet) context.skip('flow control needs transactions (a replica set)');
        const type = uniqueName('flow.shape');
        await store.insert(makeJob({ type, runAt: new Date(Date.now() - 1000) }));
        const record = makeTypeControl({ type, maxRunning: 2, rateLimit: { limit: 5, intervalMs: 60_000, perGroup: false } });
        await store.putTypeControl(record, null);
        expect(await store.claim(request(Date.now(), { [type]: 5 }, 5, 'w'))).toHaveLength(1);
        const raw = await database.db.collection(store.flowCollectionNames.controls).findOne({ _id: type as never });
        expect(raw).toMatchObject({ _id: type, maxRunning: 2, version: record.version, claims: 1 });
        expect(raw).not.toHaveProperty('type');
        expect(await store.getTypeControl(type)).toEqual(record);
        expect(await store.countStarts(type, new Date(Date.now() - 60_000))).toBe(1);
      });

      it('keeps racing clients within maxRunning and the rate limit, even when their plans share no job', async (context) => {
        if (!database.replicaSet) context.skip('flow control needs transactions (a replica set)');
        const clients = await Promise.all(Array.from({ length: 3 }, () => MongoClient.connect(MONGODB_URL, { serverSelectionTimeoutMS: 10_000 })));
        const stores = clients.map((client) => new MongoJobStore({ db: client.db(database.db.databaseName), collectionName: store.collectionName, changeStreams: false }));
        try {
          const now = Date.now();
          const capped = uniqueName('flow.race.capped');
          const rated = uniqueName('flow.race.rated');
          // Claimers at different times rank different jobs first (a late one has priority), so
          // only the type's control document makes them meet.
          for (let index = 0; index < 12; index++) {
            await store.insert(makeJob({ type: capped, runAt: new Date(now - 60_000 + index) }));
            await store.insert(makeJob({ type: capped, runAt: new Date(now + index * 10), priority: 5 }));
            await store.insert(makeJob({ type: rated, runAt: new Date(now - 60_000 + index) }));
          }
          await control(capped, { maxRunning: 4 });
          await control(rated, { rateLimit: { limit: 5, intervalMs: 3_600_000, perGroup: false } });
          const claims = await Promise.all(
            Array.from({ length: 15 }, (_, index) => stores[index % stores.length]!.claim(request(now + index * 10, { [capped]: 2, [rated]: 2 }, 4, `w${index}`))),
          );
          const claimed = claims.flat();
          expect(new Set(claimed.map((job) => job.id)).size).toBe(claimed.length);
          expect(claimed.filter((job) => job.type === capped)).toHaveLength(4);
          expect(claimed.filter((job) => job.type === rated)).toHaveLength(5);
          expect(await store.countStarts(rated, new Date(now - 1))).toBe(5);
        } finally {
          for (const client of clients) await client.close();
        }
      });

      it('wakes subscribers of another store instance with { type } when a record is written, not when it is claimed', async (context) => {
        if (!database.replicaSet) context.skip('change streams and flow control need a replica set');
        const listening = new MongoJobStore({ db: database.db, collectionName: store.collectionName });
        const events: StoreWakeEvent[] = [];
        const unsubscribe = listening.subscribe((event) => events.push(event));
        const type = uniqueName('flow.wake');
        // The same filter as the store's stream, without its projection, to see what passes.
        const raw = database.db.collection(store.flowCollectionNames.controls).watch([TYPE_CONTROL_WAKE_PIPELINE[0]!, { $match: { 'documentKey._id': type } }]);
        try {
          await expect.poll(() => listening.wakeMode, { timeout: 10_000 }).toBe('change-stream');
          await raw.tryNext();
          await store.insert(makeJob({ type, runAt: new Date(Date.now() - 1000) }));
          await control(type, { maxRunning: 3 });
          await expect.poll(() => events.filter((event) => event.type === type).length, { timeout: 10_000 }).toBe(2);
          expect(await store.claim(request(Date.now(), { [type]: 1 }, 1, 'w'))).toHaveLength(1);
          const current = (await store.getTypeControl(type))!;
          await store.putTypeControl({ ...current, paused: true, version: current.version + 1 }, current.version);
          // Changes come in commit order: had the claim's mark passed the filter, it would be second.
          const changes = [await raw.next(), await raw.next()] as Array<{ operationType: string; updateDescription?: { updatedFields: object } }>;
          expect(changes.map((change) => change.operationType)).toEqual(['insert', 'update']);
          expect(changes[1]!.updateDescription!.updatedFields).toHaveProperty('version', current.version + 1);
          await expect.poll(() => events.filter((event) => event.type === type).length, { timeout: 10_000 }).toBe(3);
        } finally {
          unsubscribe();
          await raw.close();
          await listening.close();
        }
      });

      it('refuses to claim a controlled type on a standalone server with a StoreError that says why', async (context) => {
        if (database.replicaSet) context.skip('this deployment runs transactions');
        const type = uniqueName('flow.standalone');
        await store.insert(makeJob({ type, runAt: new Date(Date.now() - 1000) }));
        await control(type, { maxRunning: 1 });
        const error = await store.claim(request(Date.now(), { [type]: 1 }, 1, 'w')).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreError);
        expect((error as StoreError).message).toContain('replica set');
      });
    });

    describe('change feed', () => {
      it("hears another instance's writes, but not its lease renewals; the server sends routing fields only", async (context) => {
        if (!database.replicaSet) context.skip('change streams need a replica set');
        const listening = new MongoJobStore({ db: database.db, collectionName: store.collectionName });
        const events: JobChangeEvent[] = [];
        const unsubscribe = listening.subscribeChanges!((event) => events.push(event));
        const raw = database.db.collection(store.collectionName).watch([...CHANGE_FEED_PIPELINE], changeFeedOptions());
        try {
          // The stream runs once its opening gap arrives.
          await expect.poll(() => events.length, { timeout: 10_000 }).toBeGreaterThan(0);
          expect(events[0]).toEqual({ gap: true });
          await raw.tryNext();
          const type = uniqueName('feed-remote');
          const job = makeJob({ type, payload: { secret: 'never sent' } });
          await store.insert(job);
          const of = () => events.flatMap((event) => event.changes ?? []).filter((change) => change.jobId === job.id);
          await expect.poll(() => of().length, { timeout: 10_000 }).toBe(1);
          const now = new Date();
          const [claimed] = await store.claim({ limits: { [type]: 1 }, limit: 1, owner: 'w', now, leaseExpiresAt: new Date(now.getTime() + 60_000) });
          expect(claimed?.id).toBe(job.id);
          await expect.poll(() => of().length, { timeout: 10_000 }).toBe(2);
          expect(await store.heartbeat('w', [job.id], new Date(now.getTime() + 120_000))).toEqual([job.id]);
          const progressAt = new Date(now.getTime() + 1);
          expect(await store.updateProgress(job.id, { progress: 0.5, updatedAt: progressAt }, 'w', 1)).toBe(true);
          await expect.poll(() => of().some((change) => change.version === progressAt.getTime()), { timeout: 10_000 }).toBe(true);
          // The renewal came between claim and progress: had it been a change, it would sit between them.
          expect(of()).toHaveLength(3);

          const sent = await raw.next();
          expect(Object.keys(sent).sort()).toEqual(['_id', 'fullDocument', 'operationType']);
          expect(Object.keys((sent as { fullDocument: object }).fullDocument).sort()).toEqual(['_id', 'ownerId', 'status', 'tenantId', 'type', 'updatedAt']);
        } finally {
          unsubscribe();
          await raw.close();
          await listening.close();
        }
      });

      it('resumes after a token: a change stream reopened with changeFeedOptions(token) reports what happened while it was closed', async (context) => {
        if (!database.replicaSet) context.skip('change streams need a replica set');
        const first = database.db.collection(store.collectionName).watch([...CHANGE_FEED_PIPELINE], changeFeedOptions());
        await first.tryNext();
        const token = first.resumeToken;
        await first.close();
        const job = makeJob({ type: uniqueName('feed-resume') });
        await store.insert(job);
        const resumed = database.db.collection(store.collectionName).watch([...CHANGE_FEED_PIPELINE], changeFeedOptions(token));
        try {
          const event = (await resumed.next()) as unknown as { fullDocument: { _id: string } };
          expect(event.fullDocument._id).toBe(job.id);
        } finally {
          await resumed.close();
        }
      });

      it('reports a job document it cannot read as a gap and to onChangeStreamError, and carries on', async (context) => {
        if (!database.replicaSet) context.skip('change streams need a replica set');
        const errors: unknown[] = [];
        const listening = new MongoJobStore({ db: database.db, collectionName: store.collectionName, onChangeStreamError: (error) => errors.push(error) });
        const events: JobChangeEvent[] = [];
        const unsubscribe = listening.subscribeChanges!((event) => events.push(event));
        try {
          await expect.poll(() => events.length, { timeout: 10_000 }).toBeGreaterThan(0);
          const foreign = { _id: uniqueName('foreign'), type: 'x', status: 'sleeping', updatedAt: new Date() };
          await database.db.collection<{ _id: string }>(store.collectionName).insertOne(foreign);
          await expect.poll(() => errors.length, { timeout: 10_000 }).toBe(1);
          expect(errors[0]).toBeInstanceOf(ChangeEventError);
          expect(events.at(-1)).toEqual({ gap: true });
          const job = makeJob({ type: uniqueName('feed-after-foreign') });
          await store.insert(job);
          await expect.poll(() => events.some((event) => event.changes?.some((change) => change.jobId === job.id)), { timeout: 10_000 }).toBe(true);
          await database.db.collection<{ _id: string }>(store.collectionName).deleteOne({ _id: foreign._id });
        } finally {
          unsubscribe();
          await listening.close();
        }
      });

      it('on a standalone server: a last gap, then subscribing is a StoreError', async (context) => {
        if (database.replicaSet) context.skip('this deployment supports change streams');
        const listening = new MongoJobStore({ db: database.db, collectionName: store.collectionName });
        const events: JobChangeEvent[] = [];
        const unsubscribe = listening.subscribeChanges!((event) => events.push(event));
        await expect.poll(() => events, { timeout: 10_000 }).toEqual([{ gap: true }]);
        expect(() => listening.subscribeChanges!(() => {})).toThrow(StoreError);
        unsubscribe();
        await listening.close();
      });
    });

    it('falls back to polling-only on a standalone server', async (context) => {
      if (database.replicaSet) context.skip('this deployment supports change streams');
      const listening = new MongoJobStore({ db: database.db, collectionName: store.collectionName });
      const unsubscribe = listening.subscribe(() => {});
      await expect.poll(() => listening.wakeMode, { timeout: 10_000 }).toBe('polling-only');
      unsubscribe();
      await listening.close();
    });
  },
);
