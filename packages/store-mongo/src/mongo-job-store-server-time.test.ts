import { StoreError } from '@jobtrail/core';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { guardStore } from '@jobtrail/core/store';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoJobStore } from './mongo-job-store.js';
import { failure } from './caught-error.test-support.js';

/**
 * `serverTime()` without a server: a fake Db records the command the store sends and answers
 * what each test scripts, so the command, the mapping of its reply and of driver errors are
 * checked here. Against a real server the contract suite (test/contract.test.ts) checks it too.
 */
function fakeDb(answer: (command: unknown, options: unknown) => Promise<unknown>) {
  const commands: Array<{ command: unknown; options: unknown }> = [];
  const db = {
    databaseName: 'jobtrail_unit',
    collection: () => ({ bsonOptions: {} }),
    command: async (command: unknown, options: unknown) => {
      commands.push({ command, options });
      return answer(command, options);
    },
  };
  return { db: db as unknown as Db, commands };
}


describe('MongoJobStore.serverTime', () => {
  const localTime = new Date(Date.UTC(2030, 0, 1, 12, 0, 0, 345));

  it('sends { hello: 1 } to the primary and answers its localTime', async () => {
    const { db, commands } = fakeDb(async () => ({ isWritablePrimary: true, localTime, ok: 1 }));
    const store = new MongoJobStore({ db, changeStreams: false });
    const time = await store.serverTime();
    expect(time).toBeInstanceOf(Date);
    expect(time.getTime()).toBe(localTime.getTime());
    expect(commands).toHaveLength(1);
    expect(commands[0]!.command).toEqual({ hello: 1 });
    // Plain values whatever BSON options the application set on its Db.
    expect(commands[0]!.options).toMatchObject({ readPreference: 'primary', raw: false, promoteValues: true });
  });

  it('refuses a reply without a valid localTime with a StoreError', async () => {
    for (const reply of [{ ok: 1 }, { ok: 1, localTime: '2030-01-01T00:00:00Z' }, { ok: 1, localTime: new Date(Number.NaN) }, { ok: 1, localTime: 1_893_456_000_000 }]) {
      const { db } = fakeDb(async () => reply);
      const error = await failure(() => new MongoJobStore({ db, changeStreams: false }).serverTime());
      expect(error, JSON.stringify(reply)).toBeInstanceOf(StoreError);
      expect((error as Error).message).toMatch(/localTime/);
    }
  });

  it('wraps driver errors in StoreError naming the operation, with the driver error as cause', async () => {
    const driverError = new MongoServerError({ message: 'not primary', code: 10107, codeName: 'NotWritablePrimary' });
    const { db } = fakeDb(async () => {
      throw driverError;
    });
    const error = await failure(() => new MongoJobStore({ db, changeStreams: false }).serverTime());
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('store_error');
    expect((error as Error).message).toMatch(/serverTime/);
    expect((error as Error).message).toMatch(/not primary/);
    expect((error as Error).cause).toBe(driverError);
  });

  it('refuses to run once the store is closed (through guardStore)', async () => {
    const { db, commands } = fakeDb(async () => ({ localTime, ok: 1 }));
    const store = guardStore(new MongoJobStore({ db, changeStreams: false }));
    await store.close();
    expect(await failure(() => store.serverTime!())).toBeInstanceOf(StoreError);
    expect(commands).toHaveLength(0);
  });
});

describe('MongoJobStore.serverTime with the real driver and no reachable server', () => {
  const client = new MongoClient('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100&connectTimeoutMS=100');
  afterAll(async () => {
    await client.close();
  });

  it('fails with a StoreError whose cause is the driver error', async () => {
    const store = new MongoJobStore({ db: client.db('jobtrail_unit'), changeStreams: false });
    const error = await failure(() => store.serverTime());
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/MongoDB serverTime/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
