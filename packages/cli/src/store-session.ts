import { createTracker, type Tracker } from '@jobtrail/core';
import type { JobStore } from '@jobtrail/core/store';
import type { MongoTarget, PostgresTarget, StoreTarget } from './connection-options.js';
import { CliConnectionError, CliUsageError } from './cli-errors.js';

/** What `migrate` did: PostgreSQL schema versions, or the MongoDB indexes ensured. */
export type MigrationReport =
  | { database: 'postgres'; applied: number[]; version: number }
  | { database: 'mongodb'; indexes: string[] };

/** An open connection to one job store, and a tracker over it. */
export interface StoreSession {
  tracker: Tracker;
  /** Creates or updates the job tables (PostgreSQL) or indexes (MongoDB); safe to repeat. */
  migrate(): Promise<MigrationReport>;
  /** Now on the database's clock, in ms since the epoch (the local clock if it cannot tell). */
  now(): Promise<number>;
  /** Closes the tracker, the store and the connection, so the process can exit. */
  close(): Promise<void>;
}

/** Opens `target`. @throws {CliConnectionError} when it cannot be reached; {@link CliUsageError} for a URL the driver refuses. */
export function openStore(target: StoreTarget): Promise<StoreSession> {
  return target.kind === 'postgres' ? openPostgres(target) : openMongo(target);
}

/**
 * A tracker for one-off commands: it runs no lease recovery (that is the workers' job, and a CLI
 * that changed running jobs as a side effect of `list` would surprise).
 */
function trackerOver(store: JobStore): Tracker {
  return createTracker({ store, recoverIntervalMs: false });
}

async function openPostgres(target: PostgresTarget): Promise<StoreSession> {
  const [{ DataSource }, { PostgresJobStore }] = await Promise.all([import('typeorm'), import('@jobtrail/store-postgres')]);
  const dataSource = new DataSource({
    type: 'postgres',
    url: target.url,
    poolSize: 4,
    connectTimeoutMS: target.connectTimeoutMs,
    applicationName: 'jobtrail-cli',
    logging: false,
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new CliConnectionError(`could not connect to PostgreSQL at ${target.display}: ${reasonOf(error)}`, { cause: error });
  }
  // listen: false, a command never waits for wake-ups (and must not hold a LISTEN connection open).
  const store = new PostgresJobStore({
    dataSource,
    listen: false,
    ...(target.schema !== undefined ? { schema: target.schema } : {}),
    ...(target.tableName !== undefined ? { tableName: target.tableName } : {}),
  });
  const tracker = trackerOver(store);
  return {
    tracker,
    migrate: async () => ({ database: 'postgres', ...(await store.migrate()) }),
    now: async () => (await store.serverTime()).getTime(),
    close: async () => {
      await closeAll([() => tracker.close(), () => store.close(), () => dataSource.destroy()]);
    },
  };
}

async function openMongo(target: MongoTarget): Promise<StoreSession> {
  let driver: typeof import('mongodb');
  try {
    driver = await import('mongodb');
  } catch (error) {
    throw new CliUsageError(`MongoDB needs the mongodb package beside @jobtrail/cli (npm install mongodb): ${reasonOf(error)}`);
  }
  const { MongoJobStore } = await import('@jobtrail/store-mongo');
  let client: InstanceType<typeof driver.MongoClient>;
  try {
    client = new driver.MongoClient(target.url, {
      serverSelectionTimeoutMS: target.connectTimeoutMs,
      connectTimeoutMS: target.connectTimeoutMs,
      appName: 'jobtrail-cli',
    });
  } catch (error) {
    throw new CliUsageError(`--mongodb-url / MONGODB_URL is not a valid MongoDB URL: ${reasonOf(error)}`);
  }
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => {});
    throw new CliConnectionError(`could not connect to MongoDB at ${target.display}: ${reasonOf(error)}`, { cause: error });
  }
  // changeStreams: false, a command never waits for wake-ups.
  const store = new MongoJobStore({
    db: client.db(target.database),
    changeStreams: false,
    ...(target.collectionName !== undefined ? { collectionName: target.collectionName } : {}),
  });
  const tracker = trackerOver(store);
  return {
    tracker,
    migrate: async () => ({ database: 'mongodb', indexes: await store.ensureIndexes() }),
    now: async () => (await store.serverTime()).getTime(),
    close: async () => {
      await closeAll([() => tracker.close(), () => store.close(), () => client.close()]);
    },
  };
}

/** Runs every step even when one fails, then throws the first failure. */
async function closeAll(steps: (() => Promise<unknown>)[]): Promise<void> {
  let failure: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}

/**
 * A driver error's reason in one line. A refused connection to a host with IPv4 and IPv6
 * addresses is an AggregateError with an empty message: its parts say what happened.
 */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '' && error.errors.length > 0) {
    return [...new Set(error.errors.map(reasonOf))].join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message.split('\n')[0]?.trim() ?? '';
    if (message !== '') return message;
    return typeof code === 'string' ? code : error.name;
  }
  return String(error);
}
