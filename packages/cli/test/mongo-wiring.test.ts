import { JOB_INDEXES, SCHEDULE_INDEXES } from '@jobtrail/store-mongo';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from './support/cli-database.js';

// No MongoDB server runs here: a fake MongoClient records what the CLI asks of the driver, so the
// wiring from flags to client, database, collections and close is checked without one.
const driver = vi.hoisted(() => {
  interface IndexCall {
    collection: string;
    names: string[];
  }
  class FakeMongoClient {
    static instances: FakeMongoClient[] = [];
    static failConnect: Error | null = null;
    readonly databases: string[] = [];
    readonly indexCalls: IndexCall[] = [];
    closed = false;
    constructor(
      readonly url: string,
      readonly options: Record<string, unknown>,
    ) {
      FakeMongoClient.instances.push(this);
    }
    async connect(): Promise<this> {
      if (FakeMongoClient.failConnect) throw FakeMongoClient.failConnect;
      return this;
    }
    db(name: string) {
      this.databases.push(name);
      return {
        databaseName: name,
        client: this,
        command: async () => ({ localTime: new Date() }),
        collection: (collection: string) => ({
          collectionName: collection,
          createIndexes: async (indexes: { name: string }[]) => {
            this.indexCalls.push({ collection, names: indexes.map((index) => index.name) });
            return indexes.map((index) => index.name);
          },
          // IndexNotFound: no index of an older version to drop.
          dropIndex: async () => {
            throw Object.assign(new Error('index not found'), { code: 27 });
          },
        }),
      };
    }
    async close(): Promise<void> {
      this.closed = true;
    }
  }
  return { FakeMongoClient };
});

vi.mock('mongodb', async (importOriginal) => ({ ...(await importOriginal<object>()), MongoClient: driver.FakeMongoClient }));

const { FakeMongoClient } = driver;
const lastClient = () => FakeMongoClient.instances.at(-1)!;

beforeEach(() => {
  FakeMongoClient.instances = [];
  FakeMongoClient.failConnect = null;
});

describe('MongoDB wiring (fake driver)', () => {
  it('migrate ensures the indexes on the collections --collection names, in the database of the URL, then closes the client', async () => {
    const url = 'mongodb://u:pw@h1:27017,h2:27017/app?replicaSet=rs0';
    const result = await run(['migrate', '--mongodb-url', url, '--collection', 'my_jobs', '--connect-timeout', '3s', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const client = lastClient();
    expect(client.url).toBe(url);
    expect(client.options).toMatchObject({ serverSelectionTimeoutMS: 3_000, connectTimeoutMS: 3_000 });
    expect(client.databases).toEqual(['app']);
    expect(client.indexCalls.map((call) => call.collection)).toEqual(['my_jobs', 'my_jobs_schedules', 'my_jobs_type_starts', 'my_jobs_type_groups']);
    expect(client.indexCalls[0]!.names).toEqual(JOB_INDEXES.map((index) => index.name));
    expect(client.indexCalls[1]!.names).toEqual(SCHEDULE_INDEXES.map((index) => index.name));
    expect(result.json()).toEqual({ database: 'mongodb', indexes: client.indexCalls.flatMap((call) => call.names) });
    expect(client.closed).toBe(true);

    const text = await run(['migrate', '--mongodb-url', url]);
    expect(text.stdout).toMatch(/^Ensured \d+ indexes: /);
    expect(lastClient().indexCalls[0]!.collection).toBe('jobtrail_jobs');
  });

  it('reads MONGODB_URL, and --mongodb-database overrides the database of the URL', async () => {
    const result = await run(['migrate', '--mongodb-database', 'other'], { MONGODB_URL: 'mongodb+srv://cluster.example.net/app' });
    expect(result.code).toBe(0);
    expect(lastClient().url).toBe('mongodb+srv://cluster.example.net/app');
    expect(lastClient().databases).toEqual(['other']);
  });

  it('a failed connect is a connection error (exit 2), and the client is closed', async () => {
    FakeMongoClient.failConnect = new Error('Server selection timed out after 3000 ms');
    const result = await run(['stats', '--mongodb-url', 'mongodb://u:pw@db.example:27017/app']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe('jobtrail: could not connect to MongoDB at db.example:27017/app: Server selection timed out after 3000 ms\n');
    expect(lastClient().closed).toBe(true);
  });

  it('a command that fails once connected exits 1, and still closes the client', async () => {
    // The fake collections cannot count: the store's failure is the operation's.
    const result = await run(['stats', '--mongodb-url', 'mongodb://db.example/app', '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^jobtrail: [^\n]+\n$/);
    expect(lastClient().closed).toBe(true);
  });
});
