import { StoreError, type Job } from '@jobtrail/core';
import { makeJob } from '@jobtrail/core/testing';
import { find, update } from 'mingo';
import { MongoServerError, type Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { KEY_HOLDING_STATUSES } from './documents/statuses.js';
import { DEDUPE_INDEX_NAME, GLOBAL_DEDUPE_INDEX_NAME, JOB_INDEXES, SCHEDULE_INDEXES, TYPE_GROUP_INDEXES, TYPE_START_INDEXES } from './indexes/index-definitions.js';
import type { JobDocument } from './mapping/job-document.js';
import { MongoJobStore } from './mongo-job-store.js';

/**
 * The store's dedupe paths over a fake collection (no server here): documents in an array, filters
 * and updates evaluated with mingo, and the unique dedupe indexes enforced the way MongoDB does —
 * the scoped one of this version, the global one of older versions, or both (mid-upgrade).
 */
type MingoDoc = Parameters<typeof update>[0];
type IndexName = typeof DEDUPE_INDEX_NAME | typeof GLOBAL_DEDUPE_INDEX_NAME;

const INDEX_FIELDS: Record<IndexName, Array<keyof JobDocument>> = {
  [DEDUPE_INDEX_NAME]: ['type', 'key', 'tenantId', 'ownerId'],
  [GLOBAL_DEDUPE_INDEX_NAME]: ['type', 'key'],
};

function fakeDb(docs: JobDocument[], indexes: IndexName[]): Db {
  const holdsKey = (doc: JobDocument) => typeof doc.key === 'string' && KEY_HOLDING_STATUSES.includes(doc.status);
  const check = (doc: JobDocument) => {
    if (!holdsKey(doc)) return;
    for (const name of indexes) {
      const fields = INDEX_FIELDS[name];
      const clash = docs.find((other) => other._id !== doc._id && holdsKey(other) && fields.every((field) => other[field] === doc[field]));
      if (clash !== undefined) {
        throw new MongoServerError({
          message: `E11000 duplicate key error collection: app.jobtrail_jobs index: ${name} dup key: { type: "${doc.type}" }`,
          code: 11000,
          keyPattern: Object.fromEntries(fields.map((field) => [field, 1])),
          keyValue: {},
        });
      }
    }
  };
  const select = (filter: object) => find(docs as unknown as MingoDoc[], filter as MingoDoc).all() as unknown as JobDocument[];
  const collection = {
    bsonOptions: {},
    async insertOne(doc: JobDocument) {
      if (docs.some((other) => other._id === doc._id)) throw new MongoServerError({ message: 'E11000 index: _id_ dup key', code: 11000, keyPattern: { _id: 1 } });
      check(doc);
      docs.push(structuredClone(doc));
      return { acknowledged: true, insertedId: doc._id };
    },
    find(filter: object, options: { limit?: number } = {}) {
      return { toArray: async () => select(filter).slice(0, options.limit) };
    },
    async findOne(filter: object) {
      return select(filter)[0] ?? null;
    },
    async findOneAndUpdate(filter: object, updateDoc: object) {
      const [doc] = select(filter);
      if (doc === undefined) return null;
      const next = structuredClone(doc);
      update(next as unknown as MingoDoc, updateDoc as Parameters<typeof update>[1]);
      check(next);
      Object.assign(doc, next);
      return doc;
    },
  };
  return { databaseName: 'app', collection: () => collection } as unknown as Db;
}

/** A stored job, as the store would have written it. */
async function seed(docs: JobDocument[], job: Job): Promise<Job> {
  const store = new MongoJobStore({ db: fakeDb(docs, []), changeStreams: false });
  await store.insert(job);
  return job;
}

async function rejection(action: () => Promise<unknown>): Promise<Error> {
  const error = await action().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('MongoJobStore dedupe scope (fake collection)', () => {
  const type = 'reports.build';
  const key = 'weekly-07';

  it("creates a second job for another tenant's key under the scoped index", async () => {
    const docs: JobDocument[] = [];
    const ofA = await seed(docs, makeJob({ type, key, tenantId: 'tenant-a', payload: { secret: 'a' } }));
    const store = new MongoJobStore({ db: fakeDb(docs, [DEDUPE_INDEX_NAME]), changeStreams: false });
    const ofB = makeJob({ type, key, tenantId: 'tenant-b' });
    expect(await store.insert(ofB)).toMatchObject({ job: { id: ofB.id, tenantId: 'tenant-b' }, created: true });
    expect(await store.insert(makeJob({ type, key, tenantId: 'tenant-a' }))).toMatchObject({ job: { id: ofA.id }, created: false });
  });

  it("answers the same scope's holder even while the global index of an older version is still there", async () => {
    const docs: JobDocument[] = [];
    const ofA = await seed(docs, makeJob({ type, key, tenantId: 'tenant-a' }));
    const store = new MongoJobStore({ db: fakeDb(docs, [GLOBAL_DEDUPE_INDEX_NAME]), changeStreams: false });
    expect(await store.insert(makeJob({ type, key, tenantId: 'tenant-a' }))).toMatchObject({ job: { id: ofA.id }, created: false });
  });

  it("refuses, naming nothing of it, an insert the global index rejects for another tenant's job", async () => {
    const docs: JobDocument[] = [];
    const ofA = await seed(docs, makeJob({ type, key, tenantId: 'tenant-a', payload: { secret: 'of-a' } }));
    const store = new MongoJobStore({ db: fakeDb(docs, [DEDUPE_INDEX_NAME, GLOBAL_DEDUPE_INDEX_NAME]), changeStreams: false });
    const error = await rejection(() => store.insert(makeJob({ type, key, tenantId: 'tenant-b' })));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('ensureIndexes()');
    for (const secret of [ofA.id, 'tenant-a', 'of-a']) expect(error.message).not.toContain(secret);
    expect(docs).toHaveLength(1);
  });

  it('answers duplicate_key on a retry only with a holder of the same scope', async () => {
    const docs: JobDocument[] = [];
    const failed = await seed(docs, makeJob({ type, key, tenantId: 'tenant-a', status: 'failed', finishedAt: new Date() }));
    await seed(docs, makeJob({ type, key, tenantId: 'tenant-b' }));
    const holder = await seed(docs, makeJob({ type, key, tenantId: 'tenant-a' }));
    const store = new MongoJobStore({ db: fakeDb(docs, [DEDUPE_INDEX_NAME]), changeStreams: false });
    const retry = () => store.transition(failed.id, { status: 'failed' }, { status: 'queued', finishedAt: null, updatedAt: new Date() });
    expect(await retry()).toMatchObject({ ok: false, reason: 'duplicate_key', holder: { id: holder.id, tenantId: 'tenant-a' } });
  });

  it("lets a retry through past another tenant's holder, and refuses it without naming that job under the global index", async () => {
    const docs: JobDocument[] = [];
    const failed = await seed(docs, makeJob({ type, key, tenantId: 'tenant-a', status: 'failed', finishedAt: new Date() }));
    const ofB = await seed(docs, makeJob({ type, key, tenantId: 'tenant-b' }));
    const retry = (store: MongoJobStore) =>
      store.transition(failed.id, { status: 'failed' }, { status: 'queued', finishedAt: null, updatedAt: new Date() });

    const legacy = new MongoJobStore({ db: fakeDb(docs, [GLOBAL_DEDUPE_INDEX_NAME]), changeStreams: false });
    const error = await rejection(() => retry(legacy));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).not.toContain(ofB.id);

    const scoped = new MongoJobStore({ db: fakeDb(docs, [DEDUPE_INDEX_NAME]), changeStreams: false });
    expect(await retry(scoped)).toMatchObject({ ok: true, job: { id: failed.id, status: 'queued' } });
  });

  it('ensureIndexes creates the scoped index (and the schedule and flow-control indexes) before it drops the global one', async () => {
    const calls: string[] = [];
    const collection = (collectionName: string) => ({
      async createIndexes(definitions: Array<{ name: string }>) {
        calls.push(`create on ${collectionName}: ${definitions.map((definition) => definition.name).join(',')}`);
        return definitions.map((definition) => definition.name);
      },
      async dropIndex(name: string) {
        calls.push(`drop on ${collectionName}: ${name}`);
      },
    });
    const store = new MongoJobStore({ db: { databaseName: 'app', collection } as unknown as Db, changeStreams: false });
    const names = await store.ensureIndexes();
    expect(names).toEqual([...JOB_INDEXES, ...SCHEDULE_INDEXES, ...TYPE_START_INDEXES, ...TYPE_GROUP_INDEXES].map((definition) => definition.name));
    expect(calls).toEqual([
      `create on jobtrail_jobs: ${JOB_INDEXES.map((definition) => definition.name).join(',')}`,
      `create on jobtrail_jobs_schedules: ${SCHEDULE_INDEXES.map((definition) => definition.name).join(',')}`,
      'create on jobtrail_jobs_type_starts: jobtrail_type_starts',
      'create on jobtrail_jobs_type_groups: jobtrail_type_group',
      `drop on jobtrail_jobs: ${GLOBAL_DEDUPE_INDEX_NAME}`,
    ]);
    expect(calls[0]).toContain(DEDUPE_INDEX_NAME);
  });

  it('ensureIndexes names the schedules collection when its indexes cannot be created, and drops nothing then', async () => {
    const calls: string[] = [];
    const collection = (collectionName: string) => ({
      async createIndexes(definitions: Array<{ name: string }>) {
        if (collectionName === 'queue_schedules') {
          throw new MongoServerError({ message: 'An existing index has the same name as the requested index', code: 86, codeName: 'IndexKeySpecsConflict' });
        }
        return definitions.map((definition) => definition.name);
      },
      async dropIndex(name: string) {
        calls.push(`drop ${name}`);
      },
    });
    const store = new MongoJobStore({ db: { databaseName: 'app', collection } as unknown as Db, collectionName: 'queue', changeStreams: false });
    const error = await rejection(() => store.ensureIndexes());
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('An index on "queue_schedules" has the name or keys of a jobtrail index but a different definition');
    expect(calls).toEqual([]);
  });
});
