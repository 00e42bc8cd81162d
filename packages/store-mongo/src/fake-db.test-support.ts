import { aggregate, find, update } from 'mingo';
import { BSON, MongoBulkWriteError, MongoServerError, MongoTransactionError, ObjectId, type Db } from 'mongodb';
import { FakeChangeStreams } from './fake-change-streams.test-support.js';

/**
 * A stand-in for a driver `Db` without a server, for tests only. Each collection is an array of
 * documents kept as BSON bytes would give them back (every write and read goes through
 * `BSON.serialize`/`deserialize`, as with the driver); filters, sorts, projections, updates and
 * aggregation pipelines are evaluated with mingo; `_id` is unique as MongoDB keeps it (no
 * secondary unique index is enforced).
 *
 * Sessions and multi-document transactions are emulated the way MongoDB's storage engine runs
 * them, because flow control rests on their concurrency rules (see `TypeClaim`):
 *
 * - A transaction reads from a snapshot of every collection taken at its first operation, plus
 *   its own writes.
 * - Writing a document that another transaction has written and not yet committed, or that was
 *   changed (written, inserted, deleted) by anyone after the snapshot, fails at once with
 *   WriteConflict (code 112, labelled `TransientTransactionError`) and aborts the transaction on
 *   the "server"; later operations and the commit fail with NoSuchTransaction (251, same label).
 *   Any other failure inside a transaction aborts it too.
 * - A write outside a transaction to a document a transaction holds waits until that
 *   transaction commits or aborts, then runs against what it left.
 * - A commit applies all of the transaction's writes at once.
 *
 * Committed documents are never changed in place (a write replaces the object), so a snapshot is
 * a copy of each collection's array, and "changed after the snapshot" is "not the same object".
 * Each call does all its work before its promise settles, so callers interleave between calls, as
 * they would between round trips. Change streams only with `fakeDb({ changeStreams: true })` (see
 * `FakeChangeStreams`).
 *
 * Unique indexes made with `createIndexes` (with their `partialFilterExpression`) are enforced on
 * inserts as MongoDB does: E11000 naming the index. `insertMany` runs as the driver's does: each
 * document in turn, an unordered one going on past failed documents (outside a transaction), then
 * a `MongoBulkWriteError` whose `writeErrors` carry each failed document's batch `index`, `code`
 * and `errmsg` (the driver's `WriteError` has no `keyPattern`); other failures (a write conflict)
 * are the command's own, wrapped in a `MongoBulkWriteError` without `writeErrors`. A collection
 * `validator` (see `fakeDb`) fails documents it does not match with code 121, as a server's does.
 * Not emulated: other indexes, unique indexes on updates, read or write concerns and preferences
 * (accepted and ignored), and time (transactions never expire).
 */
type MingoDoc = Parameters<typeof update>[0];
type Doc = Record<string, unknown> & { _id: unknown };

interface FindOptions {
  sort?: Record<string, 1 | -1>;
  limit?: number;
  projection?: Record<string, unknown>;
  session?: unknown;
}

interface WriteOptions {
  session?: unknown;
  upsert?: boolean;
}

type BulkOperation =
  | { insertOne: { document: Doc } }
  | { updateOne: { filter: object; update: object; upsert?: boolean } }
  | { updateMany: { filter: object; update: object; upsert?: boolean } }
  | { deleteOne: { filter: object } }
  | { deleteMany: { filter: object } };

const copy = <T>(value: T): T => BSON.deserialize(BSON.serialize(value as object)) as T;
const keyOf = (id: unknown): string => BSON.EJSON.stringify({ _id: id } as never, { relaxed: false });
const docKeys = new WeakMap<Doc, string>();
/** `keyOf(doc._id)`, remembered: stored documents never change, so neither does their key. */
function keyOfDoc(doc: Doc): string {
  let key = docKeys.get(doc);
  if (key === undefined) {
    key = keyOf(doc._id);
    docKeys.set(doc, key);
  }
  return key;
}

function duplicateId(collection: string, id: unknown): MongoServerError {
  return new MongoServerError({
    message: `E11000 duplicate key error collection: app.${collection} index: _id_ dup key: { _id: ${JSON.stringify(id)} }`,
    code: 11000,
    keyPattern: { _id: 1 },
    keyValue: { _id: id },
  });
}

/** A unique index as `createIndexes` gave it. */
interface UniqueIndex {
  name: string;
  key: Record<string, unknown>;
  partialFilterExpression?: object;
}

function duplicateIndexKey(collection: string, index: UniqueIndex, doc: Doc): MongoServerError {
  const keyValue = Object.fromEntries(Object.keys(index.key).map((field) => [field, doc[field] ?? null]));
  return new MongoServerError({
    message: `E11000 duplicate key error collection: app.${collection} index: ${index.name} dup key: ${JSON.stringify(keyValue)}`,
    code: 11000,
    keyPattern: index.key,
    keyValue,
  });
}

function failedValidation(): MongoServerError {
  return new MongoServerError({ message: 'Document failed validation', code: 121, codeName: 'DocumentValidationFailure' });
}

/** The driver's `WriteError` (not exported by it): the server's entry under `err`, read through getters. */
class FakeWriteError {
  constructor(readonly err: { index: number; code: unknown; errmsg: string; op: Doc }) {}
  get code(): unknown {
    return this.err.code;
  }
  get index(): number {
    return this.err.index;
  }
  get errmsg(): string {
    return this.err.errmsg;
  }
  get errInfo(): undefined {
    return undefined;
  }
}

function writeConflict(): MongoServerError {
  return new MongoServerError({
    message: 'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
    code: 112,
    codeName: 'WriteConflict',
    errorLabels: ['TransientTransactionError'],
  });
}

function noSuchTransaction(): MongoServerError {
  return new MongoServerError({
    message: 'Transaction with { txnNumber: 1 } has been aborted.',
    code: 251,
    codeName: 'NoSuchTransaction',
    errorLabels: ['TransientTransactionError'],
  });
}

function select(docs: readonly Doc[], filter: object, options: FindOptions = {}): Doc[] {
  let cursor = find(docs as unknown as MingoDoc[], filter as MingoDoc, options.projection as MingoDoc | undefined);
  if (options.sort) cursor = cursor.sort(options.sort);
  if (options.limit) cursor = cursor.limit(options.limit);
  return cursor.all() as unknown as Doc[];
}

/** A copy of `doc` with `updateDoc` applied, as MongoDB would store it. */
function updated(doc: Doc, updateDoc: object): Doc {
  const next = copy(doc);
  update(next as unknown as MingoDoc, updateDoc as Parameters<typeof update>[1]);
  return copy(next);
}

const isOperatorObject = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof ObjectId) && Object.keys(value).some((key) => key.startsWith('$'));

/** The document an upsert inserts: the filter's equalities, then the update (MongoDB's rule). */
function upserted(filter: object, updateDoc: object): Doc {
  const base: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(filter)) if (!field.startsWith('$') && !isOperatorObject(value)) base[field] = value;
  const doc = updated(base as Doc, updateDoc);
  if (doc._id === undefined) doc._id = new ObjectId();
  return copy(doc);
}

/** A collection's documents at one moment: in insertion order, and by key. */
interface Documents {
  readonly docs: Doc[];
  readonly byKey: Map<string, Doc>;
}

/** One collection's committed documents, and which transaction holds which of them. */
class Store implements Documents {
  docs: Doc[] = [];
  readonly byKey = new Map<string, Doc>();
  readonly locks = new Map<string, Transaction>();
  readonly uniqueIndexes: UniqueIndex[] = [];
  /** Documents must match it to be inserted (a collection validator); null: none. */
  validator: object | null = null;
  /** Told about every committed write (the change streams, when emulated). */
  onCommit: ((before: Doc | undefined, after: Doc | null) => void) | null = null;

  get(key: string): Doc | undefined {
    return this.byKey.get(key);
  }

  set(key: string, doc: Doc | null): void {
    const current = this.byKey.get(key);
    if (doc === null) {
      if (current === undefined) return;
      this.byKey.delete(key);
      this.docs = this.docs.filter((other) => other !== current);
    } else {
      docKeys.set(doc, key);
      this.byKey.set(key, doc);
      if (current === undefined) this.docs.push(doc);
      else this.docs[this.docs.indexOf(current)] = doc;
    }
    // After the write: a change stream looking the document up sees it written.
    this.onCommit?.(current, doc);
  }

  /** A snapshot: later writes replace objects and arrays, never change these. */
  copy(): Documents {
    return { docs: this.docs.slice(), byKey: new Map(this.byKey) };
  }
}

class Transaction {
  /** `active` until committed, or aborted by the client or (after a failure) by the "server". */
  state: 'active' | 'aborted' | 'committed' = 'active';
  readonly done: Promise<void>;
  private release!: () => void;
  private snapshot: Map<string, Documents> | null = null;
  private readonly writes = new Map<string, Map<string, Doc | null>>();

  constructor(private readonly database: FakeDatabase) {
    this.done = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  /** Throws NoSuchTransaction once the "server" has aborted the transaction. */
  check(): void {
    if (this.state !== 'active') throw noSuchTransaction();
  }

  /** What the transaction reads of `name`: its snapshot, with its own writes. */
  view(name: string): Doc[] {
    const base = this.ensureSnapshot().get(name)?.docs ?? [];
    const writes = this.writes.get(name);
    if (writes === undefined) return base;
    const seen = new Set<string>();
    const visible: Doc[] = [];
    for (const doc of base) {
      const key = keyOfDoc(doc);
      seen.add(key);
      const written = writes.get(key);
      if (written === undefined) visible.push(doc);
      else if (written !== null) visible.push(written);
    }
    for (const [key, doc] of writes) if (!seen.has(key) && doc !== null) visible.push(doc);
    return visible;
  }

  /** Writes `doc` (null: deletes) under `key`, or fails with a write conflict (see the file comment). */
  write(name: string, key: string, doc: Doc | null): void {
    const snapshot = this.ensureSnapshot();
    const store = this.database.store(name);
    const holder = store.locks.get(key);
    if (holder !== undefined && holder !== this) throw this.conflict();
    if (holder === undefined) {
      if (store.get(key) !== snapshot.get(name)?.byKey.get(key)) throw this.conflict();
      store.locks.set(key, this);
    }
    let writes = this.writes.get(name);
    if (writes === undefined) {
      writes = new Map();
      this.writes.set(name, writes);
    }
    writes.set(key, doc);
  }

  private conflict(): MongoServerError {
    this.database.conflicts++;
    return this.fail(writeConflict());
  }

  /** The "server" aborts the transaction after a failure inside it; answers the failure. */
  fail<E>(error: E): E {
    this.end('aborted');
    return error;
  }

  commit(): void {
    this.check();
    for (const [name, writes] of this.writes) {
      const store = this.database.store(name);
      for (const [key, doc] of writes) store.set(key, doc);
    }
    this.end('committed');
  }

  abort(): void {
    if (this.state === 'active') this.end('aborted');
  }

  private ensureSnapshot(): Map<string, Documents> {
    this.snapshot ??= new Map([...this.database.stores].map(([name, store]) => [name, store.copy()]));
    return this.snapshot;
  }

  private end(state: 'aborted' | 'committed'): void {
    this.state = state;
    for (const [name] of this.writes) {
      const store = this.database.store(name);
      for (const [key, holder] of store.locks) if (holder === this) store.locks.delete(key);
    }
    if (state === 'aborted') this.writes.clear();
    this.release();
  }
}

/** The part of the driver's `ClientSession` the store uses, over the fake transactions. */
class FakeSession {
  hasEnded = false;
  private transaction: Transaction | null = null;
  /** The driver's view: in a transaction from `startTransaction` until the client commits or aborts. */
  private inProgress = false;

  constructor(private readonly database: FakeDatabase) {}

  startTransaction(): void {
    if (this.hasEnded) throw new MongoTransactionError('Cannot use a session that has ended');
    if (this.inProgress) throw new MongoTransactionError('Transaction already in progress');
    this.transaction = new Transaction(this.database);
    this.inProgress = true;
  }

  inTransaction(): boolean {
    return this.inProgress;
  }

  /** The transaction operations with this session run in, or undefined outside one. */
  current(): Transaction | undefined {
    if (!this.inProgress) return undefined;
    const transaction = this.transaction!;
    transaction.check();
    return transaction;
  }

  async commitTransaction(): Promise<void> {
    if (!this.inProgress) throw new MongoTransactionError('No transaction started');
    this.inProgress = false;
    this.transaction!.commit();
  }

  async abortTransaction(): Promise<void> {
    if (!this.inProgress) throw new MongoTransactionError('No transaction started');
    this.inProgress = false;
    this.transaction!.abort();
  }

  async endSession(): Promise<void> {
    if (this.inProgress) await this.abortTransaction();
    this.hasEnded = true;
  }
}

/** Runs a write outside any transaction once no transaction holds the documents it targets. */
async function outside<T>(store: Store, targets: () => readonly string[], write: () => T): Promise<T> {
  for (;;) {
    const holder = targets()
      .map((key) => store.locks.get(key))
      .find((transaction) => transaction !== undefined);
    if (holder === undefined) return write();
    await holder.done;
  }
}

class FakeDatabase {
  readonly stores = new Map<string, Store>();
  /** Write conflicts raised so far (so a test can tell that its racers really met). */
  conflicts = 0;

  constructor(readonly changes: FakeChangeStreams | null = null) {}

  store(name: string): Store {
    let store = this.stores.get(name);
    if (store === undefined) {
      store = new Store();
      const changes = this.changes;
      if (changes !== null) store.onCommit = (before, after) => changes.committed(name, before, after);
      this.stores.set(name, store);
    }
    return store;
  }
}

function fakeCollection(database: FakeDatabase, name: string) {
  const store = database.store(name);
  const transactionOf = (options?: { session?: unknown }): Transaction | undefined => (options?.session as FakeSession | undefined)?.current();
  const visible = (transaction: Transaction | undefined): Doc[] => (transaction === undefined ? store.docs : transaction.view(name));
  /** Runs one write in `transaction`, or outside any once the documents are free. */
  const writing = async <T>(transaction: Transaction | undefined, targets: () => readonly string[], write: () => T): Promise<T> => {
    if (transaction === undefined) return outside(store, targets, write);
    try {
      return write();
    } catch (error) {
      throw transaction.state === 'active' ? transaction.fail(error) : error;
    }
  };
  const put = (transaction: Transaction | undefined, key: string, doc: Doc | null): void => {
    if (transaction === undefined) store.set(key, doc);
    else transaction.write(name, key, doc);
  };
  const keysOf = (docs: readonly Doc[]): string[] => docs.map(keyOfDoc);

  /** The unique index `doc` would break among `docs`, or undefined. */
  const brokenIndex = (docs: readonly Doc[], doc: Doc): UniqueIndex | undefined => {
    const covers = (index: UniqueIndex, candidate: Doc) =>
      index.partialFilterExpression === undefined || select([candidate], index.partialFilterExpression).length === 1;
    const same = (a: unknown, b: unknown) => a === b || (typeof a === 'object' && typeof b === 'object' && keyOf(a) === keyOf(b));
    const sameKey = (index: UniqueIndex, a: Doc, b: Doc) => Object.keys(index.key).every((field) => same(a[field] ?? null, b[field] ?? null));
    return store.uniqueIndexes.find((index) => covers(index, doc) && docs.some((other) => sameKey(index, other, doc) && covers(index, other)));
  };
  const insertOne = async (doc: Doc, options: WriteOptions = {}) => {
    // The driver gives a document without `_id` an ObjectId, on the caller's object.
    if (doc._id === undefined) doc._id = new ObjectId();
    const transaction = transactionOf(options);
    const key = keyOf(doc._id);
    return writing(transaction, () => [key], () => {
      const docs = visible(transaction);
      if (docs.some((other) => keyOfDoc(other) === key)) throw duplicateId(name, doc._id);
      const broken = brokenIndex(docs, doc);
      if (broken !== undefined) throw duplicateIndexKey(name, broken, doc);
      if (store.validator !== null && select([doc], store.validator).length === 0) throw failedValidation();
      put(transaction, key, copy(doc));
      return { acknowledged: true, insertedId: doc._id };
    });
  };
  const insertMany = async (docs: Doc[], options: WriteOptions & { ordered?: boolean } = {}) => {
    const transaction = transactionOf(options);
    const insertedIds: Record<number, unknown> = {};
    const writeErrors: FakeWriteError[] = [];
    for (const [index, doc] of docs.entries()) {
      try {
        await insertOne(doc, options);
        insertedIds[index] = doc._id;
      } catch (error) {
        const result = { insertedCount: Object.keys(insertedIds).length, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, insertedIds, upsertedIds: {} };
        // A write conflict (or an aborted transaction) fails the command, not one document.
        if (!(error instanceof MongoServerError) || (error.code !== 11000 && error.code !== 121)) throw new MongoBulkWriteError(error as MongoServerError, result as never);
        writeErrors.push(new FakeWriteError({ index, code: error.code, errmsg: error.message, op: doc }));
        // A failed write aborts a transaction: nothing after it runs.
        if (options.ordered !== false || transaction !== undefined) break;
      }
    }
    const result = { insertedCount: Object.keys(insertedIds).length, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, insertedIds, upsertedIds: {} };
    if (writeErrors.length > 0) {
      throw new MongoBulkWriteError({ message: writeErrors[0]!.errmsg, code: writeErrors[0]!.code as number, writeErrors: writeErrors as never }, result as never);
    }
    return { acknowledged: true, insertedCount: result.insertedCount, insertedIds };
  };
  const updateMatching = async (filter: object, updateDoc: object, options: WriteOptions & { many: boolean; sort?: FindOptions['sort'] }) => {
    const transaction = transactionOf(options);
    const targets = (): Doc[] => select(visible(transaction), filter, { sort: options.sort, limit: options.many ? undefined : 1 });
    return writing(transaction, () => keysOf(targets()), () => {
      const matched = targets();
      const after: Doc[] = [];
      for (const doc of matched) {
        const next = updated(doc, updateDoc);
        put(transaction, keyOfDoc(doc), next);
        after.push(next);
      }
      let upsertedId: unknown = null;
      if (matched.length === 0 && options.upsert === true) {
        const doc = upserted(filter, updateDoc);
        put(transaction, keyOf(doc._id), doc);
        upsertedId = doc._id;
      }
      return { before: matched, after, upsertedId };
    });
  };
  const deleteMatching = async (filter: object, options: WriteOptions & { many: boolean }) => {
    const transaction = transactionOf(options);
    const targets = (): Doc[] => select(visible(transaction), filter, { limit: options.many ? undefined : 1 });
    return writing(transaction, () => keysOf(targets()), () => {
      const doomed = targets();
      for (const doc of doomed) put(transaction, keyOfDoc(doc), null);
      return { acknowledged: true, deletedCount: doomed.length };
    });
  };
  const reading = <T>(options: { session?: unknown } | undefined, read: (docs: Doc[]) => T): T => {
    const transaction = transactionOf(options);
    try {
      return read(visible(transaction));
    } catch (error) {
      throw transaction?.state === 'active' ? transaction.fail(error) : error;
    }
  };

  return {
    collectionName: name,
    bsonOptions: {},
    insertOne,
    insertMany,
    async findOne(filter: object, options: FindOptions = {}) {
      const [doc] = reading(options, (docs) => select(docs, filter, { ...options, limit: 1 }));
      return doc === undefined ? null : copy(doc);
    },
    find(filter: object, options: FindOptions = {}) {
      return { toArray: async () => reading(options, (docs) => select(docs, filter, options).map(copy)) };
    },
    aggregate(pipeline: object[], options: { session?: unknown } = {}) {
      return { toArray: async () => reading(options, (docs) => aggregate(docs.map(copy) as unknown as MingoDoc[], pipeline as MingoDoc[]).map(copy)) };
    },
    async countDocuments(filter: object, options: { session?: unknown } = {}) {
      return reading(options, (docs) => select(docs, filter).length);
    },
    async findOneAndUpdate(filter: object, updateDoc: object, options: FindOptions & { returnDocument?: 'before' | 'after' } = {}) {
      const { before, after } = await updateMatching(filter, updateDoc, { session: options.session, many: false, sort: options.sort });
      const doc = options.returnDocument === 'after' ? after[0] : before[0];
      if (doc === undefined) return null;
      return options.projection === undefined ? copy(doc) : copy(select([doc], {}, { projection: options.projection })[0]!);
    },
    async updateOne(filter: object, updateDoc: object, options: WriteOptions = {}) {
      const { before, upsertedId } = await updateMatching(filter, updateDoc, { ...options, many: false });
      return { acknowledged: true, matchedCount: before.length, modifiedCount: before.length, upsertedId };
    },
    async updateMany(filter: object, updateDoc: object, options: WriteOptions = {}) {
      const { before } = await updateMatching(filter, updateDoc, { ...options, many: true });
      return { acknowledged: true, matchedCount: before.length, modifiedCount: before.length };
    },
    async deleteOne(filter: object, options: WriteOptions = {}) {
      return deleteMatching(filter, { ...options, many: false });
    },
    async deleteMany(filter: object, options: WriteOptions = {}) {
      return deleteMatching(filter, { ...options, many: true });
    },
    async bulkWrite(operations: BulkOperation[], options: WriteOptions = {}) {
      const result = { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
      for (const operation of operations) {
        if ('insertOne' in operation) {
          await insertOne(operation.insertOne.document, options);
          result.insertedCount++;
        } else if ('updateOne' in operation || 'updateMany' in operation) {
          const { filter, update: updateDoc, upsert } = 'updateOne' in operation ? operation.updateOne : operation.updateMany;
          const { before, upsertedId } = await updateMatching(filter, updateDoc, { session: options.session, upsert, many: 'updateMany' in operation });
          result.matchedCount += before.length;
          result.modifiedCount += before.length;
          if (upsertedId !== null) result.upsertedCount++;
        } else {
          const { filter } = 'deleteOne' in operation ? operation.deleteOne : operation.deleteMany;
          result.deletedCount += (await deleteMatching(filter, { session: options.session, many: 'deleteMany' in operation })).deletedCount;
        }
      }
      return result;
    },
    async createIndexes(definitions: Array<UniqueIndex & { unique?: boolean }>) {
      for (const definition of definitions) {
        if (definition.unique === true && !store.uniqueIndexes.some((index) => index.name === definition.name)) store.uniqueIndexes.push(definition);
      }
      return definitions.map((definition) => definition.name);
    },
    async dropIndex() {
      return { ok: 1 };
    },
    ...(database.changes === null
      ? {}
      : {
          watch(pipeline: object[] = [], options?: { fullDocument?: string; resumeAfter?: unknown }) {
            return database.changes!.watch(name, pipeline, options, (id) => store.get(keyOf(id)));
          },
        }),
  };
}

/**
 * A fake `Db` (see above), a collection's committed documents (copies), how many sessions it
 * started and how many write conflicts it raised. Several stores over one fake `Db` stand for several processes over one database.
 * `setValidator(collection, filter)` gives a collection a validator (null: none): inserts of
 * documents it does not match fail with DocumentValidationFailure (121).
 */
export function fakeDb(options: { changeStreams?: boolean } = {}): {
  db: Db;
  documents: (collection: string) => Doc[];
  sessions: () => number;
  conflicts: () => number;
  setValidator: (collection: string, filter: object | null) => void;
} {
  const database = new FakeDatabase(options.changeStreams ? new FakeChangeStreams() : null);
  const handles = new Map<string, ReturnType<typeof fakeCollection>>();
  let sessions = 0;
  const collection = (name: string) => {
    let handle = handles.get(name);
    if (handle === undefined) {
      handle = fakeCollection(database, name);
      handles.set(name, handle);
    }
    return handle;
  };
  const client = {
    startSession() {
      sessions++;
      return new FakeSession(database);
    },
  };
  const db = {
    databaseName: 'app',
    client,
    collection,
    async command(command: Record<string, unknown>) {
      if (command['hello'] === 1) return { localTime: new Date() };
      throw new Error(`the fake Db has no command ${Object.keys(command)[0]}`);
    },
  };
  const documents = (name: string): Doc[] => (database.stores.get(name)?.docs ?? []).map(copy);
  const setValidator = (name: string, filter: object | null): void => {
    database.store(name).validator = filter;
  };
  return { db: db as unknown as Db, documents, sessions: () => sessions, conflicts: () => database.conflicts, setValidator };
}
