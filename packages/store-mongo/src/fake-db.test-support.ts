import { find, update } from 'mingo';
import { BSON, MongoServerError, type Db } from 'mongodb';

/**
 * A stand-in for a driver `Db` without a server, for tests only: each collection is an array of
 * documents kept as BSON bytes would give them back (every write and read goes through
 * `BSON.serialize`/`deserialize`, as with the driver), filters, sorts, projections and updates
 * are evaluated with mingo, and `_id` is unique as MongoDB keeps it. It has only the surface the
 * store's schedule and plain job paths use (no aggregation, no secondary unique index, no change
 * streams, no transactions), and none of MongoDB's concurrency: each call runs alone.
 */
type MingoDoc = Parameters<typeof update>[0];
type Doc = Record<string, unknown> & { _id: unknown };

interface FindOptions {
  sort?: Record<string, 1 | -1>;
  limit?: number;
  projection?: Record<string, unknown>;
}

const copy = <T>(value: T): T => BSON.deserialize(BSON.serialize(value as object)) as T;

function duplicateId(collection: string, id: unknown): MongoServerError {
  return new MongoServerError({
    message: `E11000 duplicate key error collection: app.${collection} index: _id_ dup key: { _id: ${JSON.stringify(id)} }`,
    code: 11000,
    keyPattern: { _id: 1 },
    keyValue: { _id: id },
  });
}

function fakeCollection(name: string, docs: Doc[]) {
  const select = (filter: object, options: FindOptions = {}): Doc[] => {
    let cursor = find(docs as unknown as MingoDoc[], filter as MingoDoc, options.projection as MingoDoc | undefined);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.limit) cursor = cursor.limit(options.limit);
    return cursor.all() as unknown as Doc[];
  };
  const stored = (filter: object, options: FindOptions = {}): Doc[] => select(filter, { ...options, projection: undefined });
  const apply = (doc: Doc, updateDoc: object): void => {
    const next = copy(doc);
    update(next as unknown as MingoDoc, updateDoc as Parameters<typeof update>[1]);
    docs.splice(docs.indexOf(doc), 1, copy(next));
  };
  return {
    bsonOptions: {},
    async insertOne(doc: Doc) {
      if (docs.some((other) => other._id === doc._id)) throw duplicateId(name, doc._id);
      docs.push(copy(doc));
      return { acknowledged: true, insertedId: doc._id };
    },
    async findOne(filter: object, options: FindOptions = {}) {
      const [doc] = select(filter, { ...options, limit: 1 });
      return doc === undefined ? null : copy(doc);
    },
    find(filter: object, options: FindOptions = {}) {
      return { toArray: async () => select(filter, options).map(copy) };
    },
    async findOneAndUpdate(filter: object, updateDoc: object, options: FindOptions & { returnDocument?: 'before' | 'after' } = {}) {
      const [doc] = stored(filter, options);
      if (doc === undefined) return null;
      const id = doc._id;
      apply(doc, updateDoc);
      const [after] = select({ _id: id }, { projection: options.projection });
      return options.returnDocument === 'after' ? copy(after) : copy(doc);
    },
    async updateOne(filter: object, updateDoc: object) {
      const [doc] = stored(filter, { limit: 1 });
      if (doc !== undefined) apply(doc, updateDoc);
      return { acknowledged: true, matchedCount: doc === undefined ? 0 : 1 };
    },
    async updateMany(filter: object, updateDoc: object) {
      const matched = stored(filter);
      for (const doc of matched) apply(doc, updateDoc);
      return { acknowledged: true, matchedCount: matched.length };
    },
    async deleteOne(filter: object) {
      const [doc] = stored(filter, { limit: 1 });
      if (doc !== undefined) docs.splice(docs.indexOf(doc), 1);
      return { acknowledged: true, deletedCount: doc === undefined ? 0 : 1 };
    },
    async deleteMany(filter: object) {
      const doomed = stored(filter);
      for (const doc of doomed) docs.splice(docs.indexOf(doc), 1);
      return { acknowledged: true, deletedCount: doomed.length };
    },
    async createIndexes(definitions: Array<{ name: string }>) {
      return definitions.map((definition) => definition.name);
    },
    async dropIndex() {
      return { ok: 1 };
    },
  };
}

/** A fake `Db` (see above) and its collections' documents by collection name. */
export function fakeDb(): { db: Db; collections: Map<string, Doc[]> } {
  const collections = new Map<string, Doc[]>();
  const handles = new Map<string, ReturnType<typeof fakeCollection>>();
  const collection = (name: string) => {
    let handle = handles.get(name);
    if (handle === undefined) {
      const docs: Doc[] = [];
      collections.set(name, docs);
      handle = fakeCollection(name, docs);
      handles.set(name, handle);
    }
    return handle;
  };
  const db = {
    databaseName: 'app',
    collection,
    async command(command: Record<string, unknown>) {
      if (command['hello'] === 1) return { localTime: new Date() };
      throw new Error(`the fake Db has no command ${Object.keys(command)[0]}`);
    },
  };
  return { db: db as unknown as Db, collections };
}
