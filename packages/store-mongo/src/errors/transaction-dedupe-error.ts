import { JobtrailError, defineErrorKind } from '@jobtrail/core';

/**
 * An insert inside the caller's transaction met a job with the same type, key, tenant and owner
 * that another client inserted concurrently (keys are scoped: another tenant's job never clashes). MongoDB aborts a transaction on any duplicate-key error, so the
 * store cannot answer `created: false` and carry on: the caller's transaction is already gone.
 * Run the transaction again; the retry finds the existing job and answers `created: false`.
 */
export class TransactionDedupeError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/store-mongo:TransactionDedupeError');
  }

  readonly type: string;
  readonly key: string;

  constructor(type: string, key: string, options?: { cause?: unknown }) {
    super(
      'dedupe_conflict_in_transaction',
      `Another job of type "${type}" with key "${key}" in the same tenant and owner was inserted while your transaction ran, and MongoDB aborted the transaction ` +
        '(it always does on a duplicate key). Run the transaction again: the retry will find that job and answer created: false.',
      options,
    );
    this.type = type;
    this.key = key;
  }
}
