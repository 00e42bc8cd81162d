import { JobValidationError } from '@jobtrail/core';
import type { InsertOptions } from '@jobtrail/core/store';
import type { ClientSession } from 'mongodb';

/**
 * The caller's `ClientSession` from `InsertOptions.transaction`, checked by shape (the
 * application's driver copy may not be ours). The driver itself refuses a session of another
 * MongoClient.
 */
export function sessionFrom(options: InsertOptions | undefined): ClientSession | undefined {
  const candidate = options?.transaction;
  if (candidate == null) return undefined;
  const session = candidate as Partial<ClientSession>;
  if (typeof candidate !== 'object' || typeof session.inTransaction !== 'function' || typeof session.endSession !== 'function') {
    throw new JobValidationError(
      'transaction',
      'must be a MongoDB ClientSession (from client.startSession(), usually inside session.withTransaction(...)).',
    );
  }
  if (session.hasEnded === true) throw new JobValidationError('transaction', 'the ClientSession has already ended.');
  return candidate as ClientSession;
}
