import { MongoClient, type Db } from 'mongodb';

/**
 * Where the tests find a real MongoDB: `MONGODB_URL` (CI starts `mongo:7` as a single-node replica
 * set). Without it, the suites that need a server are reported as skipped with this reason.
 */
export const MONGODB_URL = process.env['MONGODB_URL'] ?? '';

export const SKIP_REASON =
  'MONGODB_URL is not set, so there is no MongoDB server to run against (see the README, "Running the tests")';

// CI sets JOBTRAIL_REQUIRE_MONGODB=1 next to MONGODB_URL: if the URL gets lost on the way (a task
// runner filtering the environment), the suites fail here instead of reporting themselves skipped.
if (MONGODB_URL === '' && process.env['JOBTRAIL_REQUIRE_MONGODB'] === '1') {
  throw new Error(`JOBTRAIL_REQUIRE_MONGODB=1, but ${SKIP_REASON}.`);
}

/** A throw-away database per test file run, dropped afterwards. */
export interface TestDatabase {
  client: MongoClient;
  db: Db;
  /** True on a replica set (transactions and change streams work there). */
  replicaSet: boolean;
  drop(): Promise<void>;
}

export async function openTestDatabase(label: string): Promise<TestDatabase> {
  const client = await MongoClient.connect(MONGODB_URL, { serverSelectionTimeoutMS: 10_000 });
  const name = `jobtrail_test_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const db = client.db(name);
  const hello = await db.admin().command({ hello: 1 });
  return {
    client,
    db,
    replicaSet: typeof hello['setName'] === 'string' || hello['msg'] === 'isdbgrid',
    async drop() {
      try {
        await db.dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

export function uniqueCollectionName(prefix: string): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
}
