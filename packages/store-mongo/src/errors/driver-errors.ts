import { JobtrailError, StoreError } from '@jobtrail/core';
import { DEDUPE_INDEX_NAME, GLOBAL_DEDUPE_INDEX_NAME } from '../indexes/index-definitions.js';

/**
 * Reading the driver's errors. Checked by shape (`code`, `keyPattern`, message), not by
 * `instanceof`: the application may load a different copy of the driver than this package.
 */

interface ErrorShape {
  code?: unknown;
  codeName?: unknown;
  message?: unknown;
  keyPattern?: unknown;
  writeErrors?: unknown;
  errorLabels?: unknown;
}

function shape(error: unknown): ErrorShape {
  return error !== null && typeof error === 'object' ? (error as ErrorShape) : {};
}

/** MongoDB's DuplicateKey error (11000; 11001 from very old servers), alone or in a bulk write. */
export function isDuplicateKeyError(error: unknown): boolean {
  const { code, writeErrors } = shape(error);
  if (code === 11000 || code === 11001) return true;
  return Array.isArray(writeErrors) && writeErrors.some((writeError) => isDuplicateKeyError(writeError));
}

/**
 * Which unique index a duplicate-key error is about: the job id, the (scoped) dedupe key, the
 * global dedupe index of older versions (`ensureIndexes()` was not run since the upgrade), or
 * another index (one the application added). Servers 4.2+ send `keyPattern`; the message names
 * the index too.
 */
export function duplicateKeyTarget(error: unknown): 'id' | 'dedupe' | 'global_dedupe' | 'other' {
  const { keyPattern, message } = shape(error);
  if (keyPattern !== null && typeof keyPattern === 'object') {
    const fields = Object.keys(keyPattern).sort().join(',');
    if (fields === '_id') return 'id';
    if (fields === 'key,ownerId,tenantId,type') return 'dedupe';
    if (fields === 'key,type') return 'global_dedupe';
    return 'other';
  }
  const index = typeof message === 'string' ? /index: (\S+) dup key/.exec(message)?.[1] : undefined;
  if (index === '_id_') return 'id';
  if (index === DEDUPE_INDEX_NAME) return 'dedupe';
  if (index === GLOBAL_DEDUPE_INDEX_NAME) return 'global_dedupe';
  return 'other';
}

/** One failed document of a bulk insert: its index in the batch, and the server's error for it. */
export interface FailedWrite {
  index: number;
  /** Shaped for `isDuplicateKeyError` and `duplicateKeyTarget`: `code`, `keyPattern`, `message`. */
  error: { code: unknown; keyPattern: unknown; message: unknown };
}

/**
 * The failed documents of an unordered `insertMany` (a MongoBulkWriteError: `writeErrors`, each
 * with the batch `index`, `code` and `errmsg`, and the server's reply under `err` holding
 * `keyPattern`), or null for any other error (a network failure, a write concern error): then
 * nothing can be said about which documents were written.
 */
export function failedWritesOf(error: unknown): FailedWrite[] | null {
  const { writeErrors } = shape(error);
  if (!Array.isArray(writeErrors) || writeErrors.length === 0) return null;
  const failed: FailedWrite[] = [];
  for (const writeError of writeErrors) {
    const entry = (writeError ?? {}) as { index?: unknown; code?: unknown; errmsg?: unknown; keyPattern?: unknown; err?: { keyPattern?: unknown } };
    if (typeof entry.index !== 'number') return null;
    failed.push({ index: entry.index, error: { code: entry.code, keyPattern: entry.keyPattern ?? entry.err?.keyPattern, message: entry.errmsg } });
  }
  return failed;
}

/**
 * Whether a driver error carries `label` (`TransientTransactionError`: run the whole transaction
 * again; `UnknownTransactionCommitResult`: commit again). Read through the error's own
 * `hasErrorLabel` when it has one, else its `errorLabels` list.
 */
export function hasErrorLabel(error: unknown, label: string): boolean {
  const candidate = error as { hasErrorLabel?: unknown } | null;
  if (candidate !== null && typeof candidate === 'object' && typeof candidate.hasErrorLabel === 'function') {
    return (candidate.hasErrorLabel as (name: string) => boolean).call(candidate, label) === true;
  }
  const { errorLabels } = shape(error);
  return Array.isArray(errorLabels) && errorLabels.includes(label);
}

/** WriteConflict (112): another writer changed or holds a document this transaction writes. */
export function isWriteConflict(error: unknown): boolean {
  const { code, codeName } = shape(error);
  return code === 112 || codeName === 'WriteConflict';
}

/**
 * The deployment cannot run transactions: a standalone server answers IllegalOperation (20)
 * "Transaction numbers are only allowed on a replica set member or mongos".
 */
export function isTransactionUnsupported(error: unknown): boolean {
  const { code, message } = shape(error);
  return (code === 20 || code === undefined) && typeof message === 'string' && /Transaction numbers are only allowed/i.test(message);
}

/**
 * The collection still has the dedupe index of an older version, unique per (type, key) across
 * tenants: the store must not answer (or even name) the other tenant's job it clashed with.
 */
export function globalDedupeIndexError(collection: string, cause: unknown): StoreError {
  return new StoreError(
    `The collection "${collection}" still has the dedupe index of an older version (${GLOBAL_DEDUPE_INDEX_NAME}, one key per type ` +
      'across tenants and owners): run `await store.ensureIndexes()` once to replace it with the per-tenant and owner index.',
    { cause },
  );
}

/**
 * Error codes meaning "this deployment cannot run a change stream here", as opposed to a passing
 * failure: 40573 — standalone server ("only supported on replica sets"); 40324 — the server does
 * not know `$changeStream` (too old, or an emulation); 115 — CommandNotSupported. Resumable
 * errors (network, elections) never get here: the driver resumes the stream itself.
 */
const UNSUPPORTED_CODES = new Set([40573, 40324, 115]);
const UNSUPPORTED_MESSAGE = /only supported on replica sets|change streams? (?:are|is) not (?:supported|enabled)|unrecognized pipeline stage name: '\$changeStream'/i;

export function isChangeStreamUnsupported(error: unknown): boolean {
  const { code, message } = shape(error);
  if (typeof code === 'number' && UNSUPPORTED_CODES.has(code)) return true;
  return typeof message === 'string' && UNSUPPORTED_MESSAGE.test(message);
}

/**
 * The application closed its MongoClient. Reopening a change stream then would make the driver
 * connect again behind the application's back (clients reconnect on use), so the waker stops.
 */
export function isClientClosed(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined;
  return name === 'MongoTopologyClosedError' || name === 'MongoClientClosedError' || name === 'MongoNotConnectedError';
}

/**
 * Error codes the change-streams specification calls resumable (for servers that do not label
 * their errors): HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress,
 * PrimarySteppedDown, ExceededTimeLimit, SocketException, NotWritablePrimary,
 * InterruptedAtShutdown, InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk,
 * NotPrimaryOrSecondary, StaleShardVersion, StaleEpoch, StaleConfig, RetryChangeStream,
 * FailedToSatisfyReadPreference, CursorNotFound.
 */
const RESUMABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63, 150, 13388, 234, 133, 43]);
/**
 * Driver errors of a connection or server selection that failed (the server never said no), and
 * the client-side timeout (`timeoutMS`), after which the driver has resumed the stream itself.
 */
const RESUMABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoServerClosedError',
  'MongoPoolClearedError',
  'MongoOperationTimeoutError',
]);

/**
 * A change-stream failure after which reopening the stream with the last resume token may still
 * work (the driver's own rule, by name, label and code, since the application's driver may be
 * another copy): the connection dropped, the primary changed. Anything else (the history behind
 * the token is gone — ChangeStreamHistoryLost, 286 —, a fatal or unknown error) is not: the feed
 * then starts afresh and reports a gap.
 */
export function isResumableChangeStreamError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (RESUMABLE_NAMES.has(error.name)) return true;
  const { code, errorLabels } = shape(error);
  if (Array.isArray(errorLabels) && errorLabels.includes('ResumableChangeStreamError')) return true;
  return typeof code === 'number' && RESUMABLE_CODES.has(code);
}

/** A driver error (a MongoError subclass) rather than ours or a programming error. */
export function isDriverError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  for (let proto = Object.getPrototypeOf(error) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'MongoError') return true;
  }
  return false;
}

/**
 * What a failed operation throws: jobtrail's own errors as they are; anything else wrapped in a
 * `StoreError` naming the operation, with the original as `cause`. Inside the caller's
 * transaction, driver errors pass through untouched: `session.withTransaction` retries on their
 * `TransientTransactionError` label, which only a real MongoError carries.
 */
export function toStoreError(error: unknown, operation: string, collection: string, inTransaction = false): Error {
  // By kind, not `instanceof`: core's errors may come from another copy of core (its CommonJS build).
  if (JobtrailError.isInstance(error)) return error;
  if (inTransaction && isDriverError(error)) return error as Error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError(`MongoDB ${operation} on collection "${collection}" failed: ${detail}`, { cause: error });
}

/** Why `ensureIndexes()` failed, with what to do about it. */
export function indexErrorMessage(error: unknown, collection: string): string {
  const { code, message } = shape(error);
  const detail = typeof message === 'string' ? message : String(error);
  if (code === 85 || code === 86) {
    return (
      `An index on "${collection}" has the name or keys of a jobtrail index but a different definition (${detail}). ` +
      `Drop it (db.${collection}.dropIndex('<name>')) and run ensureIndexes() again.`
    );
  }
  if (typeof message === 'string' && /partial|\$in/i.test(message)) {
    return `Could not create the jobtrail indexes on "${collection}": ${detail}. The dedupe index needs MongoDB 6.0 or newer ($in in a partial index).`;
  }
  return `Could not create the jobtrail indexes on "${collection}": ${detail}`;
}
