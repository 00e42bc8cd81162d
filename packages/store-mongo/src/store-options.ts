import { JobValidationError } from '@jobtrail/core';
import type { Db } from 'mongodb';

export const DEFAULT_COLLECTION_NAME = 'jobtrail_jobs';

export interface MongoJobStoreOptions {
  /**
   * The database to keep jobs in, from your own `MongoClient` (`client.db('app')`). The store
   * never connects or closes the client: you own it.
   */
  db: Db;
  /** Default `jobtrail_jobs`. */
  collectionName?: string;
  /**
   * Where recurring schedules live. Default: the jobs collection's name followed by
   * `_schedules` (`jobtrail_jobs_schedules`). Must differ from the jobs collection.
   */
  schedulesCollectionName?: string;
  /**
   * Wake subscribers (workers and their schedulers) through change streams, one on the jobs and
   * one on the schedules collection, when the deployment supports them (replica sets, sharded
   * clusters), and run the change feed (`subscribeChanges`, one more stream on the jobs). Default
   * true; false means polling only, as on a standalone server, and no change feed
   * (`subscribeChanges` is undefined, so `tracker.watch` is unavailable).
   */
  changeStreams?: boolean;
  /**
   * Told when a change stream fails (the store then falls back to polling, or reopens the change
   * feed's stream, on its own), and with a `ChangeEventError` for a change event the feed cannot
   * read. For logs and metrics; default: nothing.
   */
  onChangeStreamError?: (error: unknown) => void;
}

/** Where flow control lives, beside the jobs (see `flowCollectionsOf`). */
export interface FlowCollectionNames {
  /** One record per job type: limits, pause, version. */
  controls: string;
  /** The recent starts of rate-limited types. */
  starts: string;
  /** The latest start of each group of a controlled type (round-robin). */
  groups: string;
}

export interface ResolvedOptions {
  db: Db;
  collectionName: string;
  schedulesCollectionName: string;
  flowCollectionNames: FlowCollectionNames;
  changeStreams: boolean;
  onChangeStreamError: ((error: unknown) => void) | undefined;
}

/** The suffix of the schedules collection's default name. */
export const SCHEDULES_COLLECTION_SUFFIX = '_schedules';

/** Rules for collection names: the server's, plus "not a system collection". */
function checkCollectionName(name: unknown, field = 'collectionName'): string {
  if (typeof name !== 'string' || name === '') throw new JobValidationError(field, 'must be a non-empty string.');
  if (name.includes('$') || name.includes('\u0000')) {
    throw new JobValidationError(field, `must not contain "$" or NUL characters; got ${JSON.stringify(name)}.`);
  }
  if (name.startsWith('system.')) throw new JobValidationError(field, `"system." names are reserved by MongoDB; got ${JSON.stringify(name)}.`);
  if (name.length > 200) throw new JobValidationError(field, 'must be at most 200 characters.');
  return name;
}

/**
 * The schedules collection: the given name, or the jobs collection's with
 * {@link SCHEDULES_COLLECTION_SUFFIX}. The derived name is not checked again: it keeps the checked
 * jobs name's start and characters, and is not held to the 200-character cap, so a jobs name
 * valid before schedules existed stays valid. (Neither cap guarantees MongoDB's own limit of 255
 * bytes for database and collection name together; the server reports a longer one on first use.)
 */
function schedulesCollectionOf(name: unknown, collectionName: string): string {
  if (name === undefined) return `${collectionName}${SCHEDULES_COLLECTION_SUFFIX}`;
  const checked = checkCollectionName(name, 'schedulesCollectionName');
  if (checked === collectionName) {
    throw new JobValidationError('schedulesCollectionName', `must differ from the jobs collection ("${collectionName}"): schedules are documents of their own.`);
  }
  return checked;
}

/**
 * The flow-control collections: the jobs collection's name followed by `_type_controls`,
 * `_type_starts` and `_type_groups`. Not options: they belong to the jobs collection as its
 * indexes do, and are not held to the 200-character cap, like the schedules collection's default.
 */
export function flowCollectionsOf(collectionName: string): FlowCollectionNames {
  return { controls: `${collectionName}_type_controls`, starts: `${collectionName}_type_starts`, groups: `${collectionName}_type_groups` };
}

export function resolveOptions(options: MongoJobStoreOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new JobValidationError('options', 'pass { db }, where db is a Db from your MongoClient (client.db("app")).');
  }
  const db = options.db as unknown;
  // Checked by shape: the application's driver may be another copy than the one we import types from.
  if (db === null || typeof db !== 'object' || typeof (db as Db).collection !== 'function' || typeof (db as Db).databaseName !== 'string') {
    throw new JobValidationError('db', 'must be a Db from the official mongodb driver (client.db("app")), not a MongoClient or a connection string.');
  }
  if (options.changeStreams !== undefined && typeof options.changeStreams !== 'boolean') {
    throw new JobValidationError('changeStreams', `must be true or false; got ${String(options.changeStreams)}.`);
  }
  if (options.onChangeStreamError !== undefined && typeof options.onChangeStreamError !== 'function') {
    throw new JobValidationError('onChangeStreamError', 'must be a function.');
  }
  const collectionName = checkCollectionName(options.collectionName ?? DEFAULT_COLLECTION_NAME);
  return {
    db: options.db,
    collectionName,
    schedulesCollectionName: schedulesCollectionOf(options.schedulesCollectionName, collectionName),
    flowCollectionNames: flowCollectionsOf(collectionName),
    changeStreams: options.changeStreams ?? true,
    onChangeStreamError: options.onChangeStreamError,
  };
}
