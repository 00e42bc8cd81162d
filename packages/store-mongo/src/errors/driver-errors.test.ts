import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { JobValidationError, JobtrailError, StoreError } from '@jobtrail/core';
import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  duplicateKeyTarget,
  failedWritesOf,
  globalDedupeIndexError,
  hasErrorLabel,
  indexErrorMessage,
  isChangeStreamUnsupported,
  isClientClosed,
  isDriverError,
  isResumableChangeStreamError,
  isDuplicateKeyError,
  isTransactionUnsupported,
  isWriteConflict,
  toStoreError,
} from './driver-errors.js';

function duplicateKey(index: string, keyPattern?: Record<string, number>): MongoServerError {
  return new MongoServerError({
    message: `E11000 duplicate key error collection: app.jobtrail_jobs index: ${index} dup key: { type: "a", key: "k" }`,
    code: 11000,
    ...(keyPattern === undefined ? {} : { keyPattern, keyValue: {} }),
  });
}

describe('duplicate-key errors', () => {
  it('are recognised by code, alone or inside a bulk write', () => {
    expect(isDuplicateKeyError(duplicateKey('jobtrail_dedupe'))).toBe(true);
    expect(isDuplicateKeyError({ code: 11001 })).toBe(true);
    const bulk = new MongoBulkWriteError(
      { message: 'bulk', code: 65, writeErrors: [{ code: 11000, errmsg: 'E11000', index: 0 }] } as never,
      { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, upsertedIds: {}, insertedIds: {} } as never,
    );
    expect(bulk.code).toBe(65);
    expect(isDuplicateKeyError(bulk)).toBe(true);
    expect(isDuplicateKeyError(new MongoServerError({ message: 'WriteConflict', code: 112 }))).toBe(false);
    expect(isDuplicateKeyError(null)).toBe(false);
    expect(isDuplicateKeyError('E11000')).toBe(false);
  });

  it('say which index objected: the id, the scoped dedupe key, the global one of older versions or another', () => {
    expect(duplicateKeyTarget(duplicateKey('_id_', { _id: 1 }))).toBe('id');
    expect(duplicateKeyTarget(duplicateKey('jobtrail_dedupe_scoped', { type: 1, key: 1, tenantId: 1, ownerId: 1 }))).toBe('dedupe');
    expect(duplicateKeyTarget(duplicateKey('jobtrail_dedupe', { type: 1, key: 1 }))).toBe('global_dedupe');
    expect(duplicateKeyTarget(duplicateKey('app_unique', { type: 1, key: 1, tenantId: 1 }))).toBe('other');
    expect(duplicateKeyTarget(duplicateKey('app_unique_email', { email: 1 }))).toBe('other');
    // Without keyPattern (old servers), from the index name in the message.
    expect(duplicateKeyTarget(duplicateKey('_id_'))).toBe('id');
    expect(duplicateKeyTarget(duplicateKey('jobtrail_dedupe_scoped'))).toBe('dedupe');
    expect(duplicateKeyTarget(duplicateKey('jobtrail_dedupe'))).toBe('global_dedupe');
    expect(duplicateKeyTarget(duplicateKey('something_else'))).toBe('other');
  });

  it("of an unordered insertMany are read per document from the driver's WriteErrors (index, code, errmsg; no keyPattern)", () => {
    // The driver's own WriteError class, not exported from its entry point.
    const common = createRequire(import.meta.url)(join(dirname(createRequire(import.meta.url).resolve('mongodb')), 'bulk', 'common.js')) as {
      WriteError: new (err: object) => object;
    };
    const writeError = (index: number, code: number, errmsg: string) => new common.WriteError({ index, code, errmsg, errInfo: undefined, op: {} });
    const result = { insertedCount: 1, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, upsertedIds: {}, insertedIds: { 0: 'a' } };
    const bulk = new MongoBulkWriteError(
      {
        message: 'E11000',
        code: 11000,
        writeErrors: [
          writeError(1, 11000, 'E11000 duplicate key error collection: app.jobtrail_jobs index: jobtrail_dedupe_scoped dup key: { type: "a" }'),
          writeError(2, 11000, 'E11000 duplicate key error collection: app.jobtrail_jobs index: _id_ dup key: { _id: "x" }'),
          writeError(3, 121, 'Document failed validation'),
        ],
      } as never,
      result as never,
    );
    const failed = failedWritesOf(bulk)!;
    expect(failed.map((write) => write.index)).toEqual([1, 2, 3]);
    expect(failed.map((write) => isDuplicateKeyError(write.error))).toEqual([true, true, false]);
    expect(failed.slice(0, 2).map((write) => duplicateKeyTarget(write.error))).toEqual(['dedupe', 'id']);
    // A server reply that carries keyPattern is read from it.
    expect(failedWritesOf({ writeErrors: [{ index: 0, code: 11000, errmsg: '', keyPattern: { _id: 1 } }] })![0]!.error.keyPattern).toEqual({ _id: 1 });
    // A failure that names no document: a command error wrapped by the driver, a network error.
    expect(failedWritesOf(new MongoBulkWriteError(new MongoServerError({ message: 'WriteConflict', code: 112 }), result as never))).toBeNull();
    expect(failedWritesOf(new MongoNetworkError('reset'))).toBeNull();
    expect(failedWritesOf({ writeErrors: [{ code: 11000 }] })).toBeNull();
    expect(failedWritesOf(null)).toBeNull();
  });

  it('from the global dedupe index say to run ensureIndexes, naming nothing of the job clashed with', () => {
    const cause = duplicateKey('jobtrail_dedupe', { type: 1, key: 1 });
    const error = globalDedupeIndexError('jobtrail_jobs', cause);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('ensureIndexes()');
    expect(error.message).not.toContain('dup key');
    expect(error.cause).toBe(cause);
  });
});

describe('change streams not supported', () => {
  it('is told apart from passing failures', () => {
    expect(isChangeStreamUnsupported(new MongoServerError({ message: 'The $changeStream stage is only supported on replica sets', code: 40573 }))).toBe(true);
    expect(isChangeStreamUnsupported(new MongoServerError({ message: "Unrecognized pipeline stage name: '$changeStream'", code: 40324 }))).toBe(true);
    expect(isChangeStreamUnsupported(new MongoServerError({ message: 'no such command', code: 115 }))).toBe(true);
    expect(isChangeStreamUnsupported({ message: 'Change streams are not supported on this cluster' })).toBe(true);
    expect(isChangeStreamUnsupported(new MongoNetworkError('connection reset'))).toBe(false);
    expect(isChangeStreamUnsupported(new MongoServerError({ message: 'Unauthorized', code: 13 }))).toBe(false);
    expect(isChangeStreamUnsupported(undefined)).toBe(false);
  });
});

describe('resumable change-stream failures', () => {
  it('are the connection and server-selection failures, labelled errors and the listed codes', () => {
    expect(isResumableChangeStreamError(new MongoNetworkError('connection reset'))).toBe(true);
    expect(isResumableChangeStreamError(new MongoServerSelectionError('no primary', { type: 'ReplicaSetNoPrimary' } as never))).toBe(true);
    expect(isResumableChangeStreamError(new MongoOperationTimeoutError('timed out'))).toBe(true);
    expect(isResumableChangeStreamError(new MongoServerError({ message: 'not primary', code: 10107 }))).toBe(true);
    expect(isResumableChangeStreamError(new MongoServerError({ message: 'cursor id 7 not found', code: 43 }))).toBe(true);
    expect(isResumableChangeStreamError(new MongoServerError({ message: 'some new failure', code: 99999, errorLabels: ['ResumableChangeStreamError'] }))).toBe(true);
  });

  it('are not: a lost history, a fatal or unknown server error, an error that is not a driver error', () => {
    expect(isResumableChangeStreamError(new MongoServerError({ message: 'history lost', code: 286, codeName: 'ChangeStreamHistoryLost' }))).toBe(false);
    expect(isResumableChangeStreamError(new MongoServerError({ message: 'fatal', code: 280, codeName: 'ChangeStreamFatalError' }))).toBe(false);
    expect(isResumableChangeStreamError(new MongoServerError({ message: 'Unauthorized', code: 13 }))).toBe(false);
    expect(isResumableChangeStreamError(new Error('boom'))).toBe(false);
    expect(isResumableChangeStreamError({ name: 'MongoNetworkError', code: 6 })).toBe(false);
    expect(isResumableChangeStreamError(undefined)).toBe(false);
  });
});

describe('client closed', () => {
  it('is recognised from the driver errors a closed client raises', () => {
    expect(isClientClosed(new MongoTopologyClosedError())).toBe(true);
    expect(isClientClosed(new MongoNotConnectedError('not connected'))).toBe(true);
    expect(isClientClosed(new MongoNetworkError('reset'))).toBe(false);
    expect(isClientClosed({ name: 'MongoTopologyClosedError' })).toBe(false);
  });
});

describe('toStoreError', () => {
  it('wraps driver failures in StoreError naming the operation and collection, keeping the cause', () => {
    const cause = new MongoNetworkError('connection refused');
    const error = toStoreError(cause, 'claim', 'jobs');
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toBe('MongoDB claim on collection "jobs" failed: connection refused');
    expect((error as StoreError).cause).toBe(cause);
    expect(toStoreError('odd', 'get', 'jobs').message).toContain('odd');
  });

  it("passes jobtrail's own errors through", () => {
    const own = new JobValidationError('limit', 'bad');
    expect(toStoreError(own, 'query', 'jobs')).toBe(own);
  });

  it("passes another copy of core's errors through (core's CommonJS build), but wraps look-alikes", () => {
    const cjsCore = createRequire(import.meta.url)('@jobtrail/core') as typeof import('@jobtrail/core');
    const theirs = new cjsCore.JobValidationError('limit', 'bad');
    expect(theirs instanceof JobtrailError).toBe(false);
    expect(toStoreError(theirs, 'query', 'jobs')).toBe(theirs);
    const lookAlike = Object.assign(new Error('bad'), { code: 'invalid_input', name: 'JobValidationError' });
    const wrapped = toStoreError(lookAlike, 'query', 'jobs');
    expect(StoreError.isInstance(wrapped)).toBe(true);
    expect((wrapped as StoreError).cause).toBe(lookAlike);
  });

  it('passes driver errors through untouched inside a transaction, so withTransaction can retry them', () => {
    const transient = new MongoServerError({ message: 'WriteConflict', code: 112, errorLabels: ['TransientTransactionError'] });
    expect(isDriverError(transient)).toBe(true);
    expect(toStoreError(transient, 'insert', 'jobs', true)).toBe(transient);
    expect(toStoreError(transient, 'insert', 'jobs', false)).toBeInstanceOf(StoreError);
    // Not a driver error (a bug of ours or the caller's): still wrapped.
    expect(isDriverError(new TypeError('x'))).toBe(false);
    expect(toStoreError(new TypeError('x'), 'insert', 'jobs', true)).toBeInstanceOf(StoreError);
  });
});

describe('indexErrorMessage', () => {
  it('says what to do about a conflicting index and about servers older than 6.0', () => {
    expect(indexErrorMessage(new MongoServerError({ message: 'Index already exists with a different name', code: 85 }), 'jobs')).toContain("dropIndex('<name>')");
    expect(indexErrorMessage(new MongoServerError({ message: 'Expression not supported in partial index: $in', code: 67 }), 'jobs')).toContain('MongoDB 6.0 or newer');
    expect(indexErrorMessage(new Error('boom'), 'jobs')).toBe('Could not create the jobtrail indexes on "jobs": boom');
  });
});

describe('transaction errors', () => {
  const conflict = new MongoServerError({ message: 'WriteConflict error', code: 112, codeName: 'WriteConflict', errorLabels: ['TransientTransactionError'] });

  it('read error labels through the driver, or from a plain errorLabels list', () => {
    expect(hasErrorLabel(conflict, 'TransientTransactionError')).toBe(true);
    expect(hasErrorLabel(conflict, 'UnknownTransactionCommitResult')).toBe(false);
    expect(hasErrorLabel({ errorLabels: ['UnknownTransactionCommitResult'] }, 'UnknownTransactionCommitResult')).toBe(true);
    expect(hasErrorLabel(new MongoNetworkError('reset'), 'TransientTransactionError')).toBe(false);
    expect(hasErrorLabel(null, 'TransientTransactionError')).toBe(false);
    expect(hasErrorLabel('TransientTransactionError', 'TransientTransactionError')).toBe(false);
  });

  it('tell a write conflict from other transient failures', () => {
    expect(isWriteConflict(conflict)).toBe(true);
    expect(isWriteConflict({ codeName: 'WriteConflict' })).toBe(true);
    expect(isWriteConflict(new MongoServerError({ message: 'aborted', code: 251, codeName: 'NoSuchTransaction', errorLabels: ['TransientTransactionError'] }))).toBe(false);
  });

  it("recognise a standalone server's refusal of transactions", () => {
    const standalone = new MongoServerError({ message: 'Transaction numbers are only allowed on a replica set member or mongos', code: 20, codeName: 'IllegalOperation' });
    expect(isTransactionUnsupported(standalone)).toBe(true);
    expect(isTransactionUnsupported(new MongoServerError({ message: 'not allowed', code: 20 }))).toBe(false);
    expect(isTransactionUnsupported(conflict)).toBe(false);
  });
});
