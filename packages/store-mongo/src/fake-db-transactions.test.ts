import type { ClientSession, Collection } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { failure } from './caught-error.test-support.js';
import { fakeDb } from './fake-db.test-support.js';

/**
 * The fake Db's transactions keep MongoDB's rules (see `fake-db.test-support.ts`), which the
 * flow-control tests over it depend on: snapshot reads, immediate write conflicts, writes outside
 * a transaction waiting for it, atomic commits.
 */
interface Item {
  _id: string;
  n?: number;
  k?: string;
}

function setup() {
  const fake = fakeDb();
  const items = fake.db.collection<Item>('items');
  const session = (): ClientSession => fake.db.client.startSession();
  return { fake, items, session };
}

async function seeded(items: Collection<Item>): Promise<void> {
  await items.insertOne({ _id: 'a', n: 1 });
  await items.insertOne({ _id: 'b', n: 1 });
}

const errorOf = async (action: () => Promise<unknown>) => (await failure(action)) as { code?: number; hasErrorLabel?: (label: string) => boolean };

describe('fake Db transactions', () => {
  it('read from a snapshot taken at their first operation, plus their own writes', async () => {
    const { items, session } = setup();
    await seeded(items);
    const one = session();
    one.startTransaction();
    // Not yet started: a write before the first operation is seen.
    await items.updateOne({ _id: 'b' }, { $set: { n: 2 } });
    expect(await items.findOne({ _id: 'a' }, { session: one })).toMatchObject({ n: 1 });
    await items.updateOne({ _id: 'a' }, { $set: { n: 5 } });
    await items.insertOne({ _id: 'c', n: 1 });
    expect(await items.findOne({ _id: 'a' }, { session: one })).toMatchObject({ n: 1 });
    expect(await items.findOne({ _id: 'b' }, { session: one })).toMatchObject({ n: 2 });
    expect(await items.countDocuments({}, { session: one })).toBe(2);
    await items.insertOne({ _id: 'd', n: 1 }, { session: one });
    expect((await items.find({}, { session: one }).toArray()).map((doc) => doc._id)).toEqual(['a', 'b', 'd']);
    expect(await items.findOne({ _id: 'd' })).toBeNull();
    await one.commitTransaction();
    expect((await items.find({}).toArray()).map((doc) => doc._id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fail a write to a document another transaction holds at once, with a transient write conflict, and abort', async () => {
    const { fake, items, session } = setup();
    await seeded(items);
    const [one, two] = [session(), session()];
    one.startTransaction();
    two.startTransaction();
    await items.updateOne({ _id: 'a' }, { $inc: { n: 1 } }, { session: one });
    const conflict = await errorOf(() => items.updateOne({ _id: 'a' }, { $inc: { n: 10 } }, { session: two }));
    expect(conflict.code).toBe(112);
    expect(conflict.hasErrorLabel?.('TransientTransactionError')).toBe(true);
    expect(fake.conflicts()).toBe(1);
    // The "server" aborted it: every later operation, and the commit, fail as transient too.
    expect((await errorOf(() => items.findOne({ _id: 'b' }, { session: two }))).code).toBe(251);
    expect((await errorOf(() => two.commitTransaction())).code).toBe(251);
    await one.commitTransaction();
    expect(await items.findOne({ _id: 'a' })).toMatchObject({ n: 2 });
  });

  it('fail a write to a document changed after the snapshot, even when the change committed first', async () => {
    const { items, session } = setup();
    await seeded(items);
    const one = session();
    one.startTransaction();
    expect(await items.findOne({ _id: 'b' }, { session: one })).not.toBeNull();
    await items.deleteOne({ _id: 'a' });
    expect((await errorOf(() => items.updateMany({}, { $set: { n: 0 } }, { session: one }))).code).toBe(112);
    const two = session();
    two.startTransaction();
    await items.findOne({}, { session: two });
    await items.insertOne({ _id: 'x' });
    expect((await errorOf(() => items.insertOne({ _id: 'x' }, { session: two }))).code).toBe(112);
  });

  it('let a write outside a transaction wait for the transaction holding its document, then apply it to what the transaction left', async () => {
    const { items, session } = setup();
    await seeded(items);
    const one = session();
    one.startTransaction();
    await items.updateOne({ _id: 'a' }, { $set: { n: 7 } }, { session: one });
    let done = false;
    const outside = items.findOneAndUpdate({ _id: 'a' }, { $inc: { n: 1 } }, { returnDocument: 'after' }).then((doc) => {
      done = true;
      return doc;
    });
    // Other documents are not held.
    await items.updateOne({ _id: 'b' }, { $set: { n: 3 } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    await one.commitTransaction();
    expect(await outside).toMatchObject({ n: 8 });
  });

  it('apply every write of a commit at once, and none of an abort', async () => {
    const { items, session } = setup();
    await seeded(items);
    const one = session();
    one.startTransaction();
    await items.bulkWrite([{ insertOne: { document: { _id: 'c' } } }, { updateOne: { filter: { _id: 'a' }, update: { $set: { n: 9 } } } }, { deleteMany: { filter: { _id: 'b' } } }], { session: one });
    await one.abortTransaction();
    expect(await items.find({}).toArray()).toEqual([
      { _id: 'a', n: 1 },
      { _id: 'b', n: 1 },
    ]);
    const two = session();
    two.startTransaction();
    await items.bulkWrite(
      [{ insertOne: { document: { _id: 'c' } } }, { updateOne: { filter: { _id: 'a' }, update: { $set: { n: 9 } } } }, { updateOne: { filter: { k: 'new' }, update: { $set: { n: 1 } }, upsert: true } }, { deleteMany: { filter: { _id: 'b' } } }],
      { session: two },
    );
    expect(await items.countDocuments({})).toBe(2);
    await two.commitTransaction();
    const after = await items.find({}, { projection: { _id: 0 } }).toArray();
    expect(after).toEqual([{ n: 9 }, {}, { k: 'new', n: 1 }]);
  });

  it('refuse a duplicate _id inside a transaction and abort it', async () => {
    const { items, session } = setup();
    await seeded(items);
    const one = session();
    one.startTransaction();
    expect((await errorOf(() => items.insertOne({ _id: 'a' }, { session: one }))).code).toBe(11000);
    expect((await errorOf(() => one.commitTransaction())).code).toBe(251);
  });
});
