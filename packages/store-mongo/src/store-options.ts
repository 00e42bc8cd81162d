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
   * Wake subscribers (workers) through a change stream when the deployment supports one (replica
   * sets, sharded clusters). Default true; false means polling only, as on a standalone server.
   */
  changeStreams?: boolean;
  /**
   * Told when the change stream fails (the store then falls back to polling on its own).
   * For logs and metrics; default: nothing.
   */
  onChangeStreamError?: (error: unknown) => void;
}

export interface ResolvedOptions {
  db: Db;
  collectionName: string;
  changeStreams: boolean;
  onChangeStreamError: ((error: unknown) => void) | undefined;
}

/** Rules for collection names: the server's, plus "not a system collection". */
function checkCollectionName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new JobValidationError('collectionName', 'must be a non-empty string.');
  if (name.includes('$') || name.includes('\u0000')) {
    throw new JobValidationError('collectionName', `must not contain "$" or NUL characters; got ${JSON.stringify(name)}.`);
  }
  if (name.startsWith('system.')) throw new JobValidationError('collectionName', `"system." names are reserved by MongoDB; got ${JSON.stringify(name)}.`);
  if (name.length > 200) throw new JobValidationError('collectionName', 'must be at most 200 characters.');
  return name;
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
  return {
    db: options.db,
    collectionName: checkCollectionName(options.collectionName ?? DEFAULT_COLLECTION_NAME),
    changeStreams: options.changeStreams ?? true,
    onChangeStreamError: options.onChangeStreamError,
  };
}
