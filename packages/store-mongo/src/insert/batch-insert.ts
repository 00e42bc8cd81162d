import { StoreError } from '@jobtrail/core';
import type { InsertManyResult, InsertResult } from '@jobtrail/core/store';
import type { ClientSession, Collection } from 'mongodb';
import { earlierKeyHolders, insertClashesFilter, keyHoldersFilter, sharesKey } from '../documents/dedupe-documents.js';
import { isClaimable, KEY_HOLDING_STATUSES } from '../documents/statuses.js';
import { duplicateKeyTarget, failedWritesOf, globalDedupeIndexError, isDuplicateKeyError, type FailedWrite } from '../errors/driver-errors.js';
import { asStored, toJob, type JobDocument } from '../mapping/job-document.js';
import { watchCommit } from '../transaction/commit-watch.js';

/** What a batch insert shares with the store's single insert, so both answer alike. */
export interface BatchInsertDeps {
  collection: Collection<JobDocument>;
  collectionName: string;
  /** Rounds to retry documents whose key holder finished between the write and the lookup. */
  keyRaceRounds: number;
  /** The single insert's answer from its clash lookup: the key holder, a refusal (thrown) of a taken id, or null. */
  clashIn(doc: JobDocument, found: readonly JobDocument[]): InsertResult | null;
  /** The single insert's error for a duplicate key inside a transaction (which MongoDB has aborted). */
  transactionDuplicateError(doc: JobDocument, writeError: FailedWrite['error'], cause: unknown): unknown;
  /** The single insert's error for a taken id. */
  duplicateIdError(id: string): Error;
  wake(type: string): void;
}

const holdsKey = (doc: JobDocument): boolean => KEY_HOLDING_STATUSES.includes(doc.status);

/**
 * Inserts `docs` (as `toDocument` maps them) with one unordered `insertMany` per round, answering
 * each as the single insert would: a document whose key an unfinished job holds (stored, or an
 * earlier document of the batch) answers that job with `created: false`.
 *
 * Outside a transaction, duplicate-key failures of the dedupe index are resolved afterwards with
 * one lookup of their holders; a holder that finished meanwhile frees the key and the document is
 * sent again next round. Any other failure of a document (a taken id, another unique index, a
 * validator) deletes again the documents the call wrote — those no worker started yet — and
 * throws, so the call stores nothing as the contract asks (the change feed may still have reported
 * them). A failure that names no document (a network error) leaves unknown what was written: it
 * is thrown as it came, and what the server wrote stays.
 *
 * Inside the caller's transaction a duplicate-key error would abort it, so one lookup first finds
 * taken ids and key holders; a failure that still happens (a concurrent insert) is thrown as the
 * single insert throws it, and the server has aborted the whole transaction: nothing is written.
 */
export async function insertBatch(docs: readonly JobDocument[], session: ClientSession | undefined, deps: BatchInsertDeps): Promise<InsertManyResult> {
  const inTransaction = session?.inTransaction() ?? false;
  const withSession = session === undefined ? {} : { session };
  const answers: Array<InsertResult | undefined> = new Array(docs.length);
  const earlier = earlierKeyHolders(docs);

  // Inside a transaction every document is looked up first; outside one only finished jobs with
  // keys, which the partial unique index leaves out.
  const needsLookup = (doc: JobDocument): boolean => inTransaction || (doc.key !== null && !holdsKey(doc));
  const looked = docs.map((_, index) => index).filter((index) => earlier[index] === -1 && needsLookup(docs[index]!));
  if (looked.length > 0) {
    const found = await deps.collection.find(insertClashesFilter(looked.map((index) => docs[index]!)), withSession).toArray();
    for (const index of looked) answers[index] = deps.clashIn(docs[index]!, found) ?? undefined;
  }

  const inserted: number[] = [];
  let pending = docs.map((_, index) => index).filter((index) => earlier[index] === -1 && answers[index] === undefined);
  try {
    for (let round = 0; round < deps.keyRaceRounds && pending.length > 0; round++) {
      const failed = await insertUnordered(deps.collection, pending.map((index) => docs[index]!), withSession);
      const failedAt = new Map(failed.writes.map((write) => [pending[write.index]!, write.error]));
      for (const index of pending) if (!failedAt.has(index)) inserted.push(index);
      if (failedAt.size === 0) {
        pending = [];
        break;
      }
      if (failed.writes.some((write) => !isDuplicateKeyError(write.error))) throw failed.cause;
      if (inTransaction) {
        const [index, writeError] = failedAt.entries().next().value!;
        throw deps.transactionDuplicateError(docs[index]!, writeError, failed.cause);
      }
      pending = await answerKeyHolders(docs, failedAt, answers, failed.cause, deps);
    }
    if (pending.length > 0) {
      throw new StoreError(`The dedupe keys of ${pending.length} jobs (type "${docs[pending[0]!]!.type}") kept changing hands; insert again.`);
    }
  } catch (error) {
    // The failure matters more than a failed clean-up, which would hide it.
    if (!inTransaction) await undo(deps.collection, inserted.map((index) => docs[index]!._id)).catch(() => undefined);
    throw error;
  }

  for (const index of inserted) answers[index] = { job: asStored(docs[index]!, deps.collection.bsonOptions), created: true };
  const results = docs.map((_, index) => {
    const holder = earlier[index]!;
    return holder === -1 ? { job: answers[index]!.job, created: answers[index]!.created } : { job: answers[holder]!.job, created: false };
  });
  if (inTransaction && session !== undefined) return { results, committed: watchCommit(session) };
  // Once per type: the change stream (or the next poll) tells the other processes.
  const woken = new Set(inserted.map((index) => docs[index]!).filter((doc) => isClaimable(doc.status)).map((doc) => doc.type));
  for (const type of woken) deps.wake(type);
  return { results };
}

/**
 * One unordered `insertMany`: every document is tried. Answers the failed ones by batch index
 * (none: all written) with what the driver threw; throws a failure that names no document (a
 * network error, a write conflict), after which what was written is unknown.
 */
async function insertUnordered(
  collection: Collection<JobDocument>,
  docs: JobDocument[],
  withSession: { session?: ClientSession },
): Promise<{ writes: FailedWrite[]; cause: unknown }> {
  try {
    await collection.insertMany(docs, { ordered: false, ...withSession });
    return { writes: [], cause: null };
  } catch (error) {
    const writes = failedWritesOf(error);
    if (writes === null) throw error;
    return { writes, cause: error };
  }
}

/**
 * Answers the documents refused for a held key with their holders (one lookup), and answers the
 * ones to send again: their holder finished meanwhile. Throws for a taken id or another index,
 * as the single insert does.
 */
async function answerKeyHolders(
  docs: readonly JobDocument[],
  failedAt: ReadonlyMap<number, FailedWrite['error']>,
  answers: Array<InsertResult | undefined>,
  cause: unknown,
  deps: BatchInsertDeps,
): Promise<number[]> {
  const keyed: number[] = [];
  for (const [index, writeError] of failedAt) {
    const target = duplicateKeyTarget(writeError);
    if (target === 'id') throw deps.duplicateIdError(docs[index]!._id);
    if (target === 'other' || docs[index]!.key === null) throw cause;
    keyed.push(index);
  }
  const holders = await deps.collection.find(keyHoldersFilter(keyed.map((index) => docs[index]!))).toArray();
  const again: number[] = [];
  for (const index of keyed) {
    const doc = docs[index]!;
    const holder = holders.find((other) => sharesKey(doc, other));
    if (holder !== undefined) answers[index] = { job: toJob(holder), created: false };
    // No job of this scope holds the key: the global index of an older version objected to
    // another scope's job, which must not be answered.
    else if (duplicateKeyTarget(failedAt.get(index)) === 'global_dedupe') throw globalDedupeIndexError(deps.collectionName, cause);
    else again.push(index);
  }
  return again.sort((a, b) => a - b);
}

/** Deletes the documents a failed call wrote, unless a worker started one meanwhile. */
async function undo(collection: Collection<JobDocument>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await collection.deleteMany({ _id: { $in: ids }, startedAt: null });
}
