import { JobValidationError, StoreError, type Job, type JobStatus } from '@jobtrail/core';
import {
  checkReadOptions,
  toReadPlan,
  metricOverflowError,
  systemClock,
  type ClaimRequest,
  type Expectation,
  type InsertOptions,
  type InsertManyResult,
  type InsertResult,
  type JobPatch,
  type JobStore,
  type ProgressPatch,
  type PruneRequest,
  type StatusCount,
  type ActivityBucket,
  type ActivityQuery,
  type StoreFilter,
  type StoreLimits,
  type StoreQuery,
  type ReadOptions,
  type ScheduleInsertResult,
  type SchedulePatch,
  type ScheduleQuery,
  type ScheduleRecord,
  type ScheduleStore,
  type ScheduleUpdateResult,
  type StoreQueryResult,
  type StoreWakeEvent,
  type TransitionResult,
  type FlowStore,
  type JobChangeListener,
  type TypeControl,
  type TypeControlWrite,
} from '@jobtrail/core/store';
import type { ClientSession, Collection, Db, IndexDescription, MongoClient } from 'mongodb';
import { claimBatch, type ClaimBatchResult } from './documents/claim-batch.js';
import { CHANGE_FEED_PIPELINE, changeFeedOptions } from './documents/change-feed-documents.js';
import { claimPlan, type ClaimPlan } from './documents/claim-documents.js';
import type { TypeGroupDocument, TypeStartDocument } from './documents/flow-claim-documents.js';
import { insertClashFilter, keyHolderFilter, sharesKey } from './documents/dedupe-documents.js';
import { expectationFilter } from './documents/expectation-filter.js';
import { EXPIRED_LEASES_SORT, expiredLeasesFilter, heldLeasesFilter, progressFilter, renewLeaseUpdate } from './documents/lease-documents.js';
import {
  countPipeline,
  headroomFilter,
  incrementMetricsFilter,
  incrementMetricsUpdate,
  MISSED_INCREMENT_PROJECTION,
  missedIncrement,
  overflowingMetric,
  sumMetricsPipeline,
} from './documents/metrics-documents.js';
import { patchUpdate, progressUpdate } from './documents/patch-update.js';
import { PRUNE_SORT, prunePlan } from './documents/prune-documents.js';
import { finishedActivityPipeline, startedActivityPipeline, type FinishedActivityRow, type StartedActivityRow } from './documents/activity-documents.js';
import { isClaimable, KEY_HOLDING_STATUSES } from './documents/statuses.js';
import { queryFilter, storeFilter } from './documents/store-filter.js';
import { readProjection, scopedIdFilter, toJobRead } from './documents/read-projection.js';
import { duplicateKeyTarget, globalDedupeIndexError, indexErrorMessage, isDuplicateKeyError, toStoreError } from './errors/driver-errors.js';
import { TransactionDedupeError } from './errors/transaction-dedupe-error.js';
import { JOB_INDEXES, SCHEDULE_INDEXES, TYPE_GROUP_INDEXES, TYPE_START_INDEXES } from './indexes/index-definitions.js';
import { dropRetiredIndexes } from './indexes/retired-indexes.js';
import { insertBatch } from './insert/batch-insert.js';
import { asStored, decodeMetrics, toDocument, toJob, type JobDocument } from './mapping/job-document.js';
import { decodeMetricName } from './mapping/metric-names.js';
import { setOwn } from './mapping/own-property.js';
import type { ScheduleDocument } from './mapping/schedule-document.js';
import type { TypeControlDocument } from './mapping/type-control-document.js';
import { claimWithFlow } from './flow/flow-claim.js';
import type { FlowCollections } from './flow/flow-collections.js';
import { FlowOperations } from './flow/flow-operations.js';
import { ChangeStreamFeed } from './feed/change-stream-feed.js';
import { ScheduleOperations } from './schedules/schedule-operations.js';
import { resolveOptions, type FlowCollectionNames, type MongoJobStoreOptions } from './store-options.js';
import { watchCommit } from './transaction/commit-watch.js';
import { sessionFrom } from './transaction/session.js';
import { SYSTEM_TIMING } from './transaction/transaction-retry.js';
import { ChangeStreamWaker, combinedWakeMode, type WakeMode } from './wake/change-stream-waker.js';
import { SCHEDULE_WAKE_PIPELINE, scheduleChangeToWakeEvent } from './wake/schedule-wake-pipeline.js';
import { TYPE_CONTROL_WAKE_PIPELINE, typeControlChangeToWakeEvent } from './wake/type-control-wake-pipeline.js';
import { WAKE_PIPELINE } from './wake/wake-pipeline.js';

/**
 * How often an insert or transition retries when the job holding a dedupe key finished between
 * the duplicate-key error and the lookup of the holder (the key is free again by then).
 */
const KEY_RACE_ROUNDS = 5;

function duplicateIdError(id: string): JobValidationError {
  return new JobValidationError('id', `a job with id ${id} already exists; generate a fresh id per job.`);
}

/** `hello.localTime` as a Date; a reply without a valid one is a StoreError. */
function serverTimeOf(reply: { localTime?: unknown }): Date {
  const value = reply?.localTime;
  if (Object.prototype.toString.call(value) === '[object Date]' && Number.isFinite((value as Date).getTime())) return value as Date;
  throw new StoreError(`MongoDB's hello reply has no valid localTime (got ${String(value)}); the server's clock cannot be read.`);
}

/**
 * A new session of the application's MongoClient, for the store's own transactions (claims of
 * controlled types). `Db.client` is the driver's public link back to the client; checked by
 * shape, like the Db itself.
 */
function startSessionOf(db: Db): ClientSession {
  const client = (db as { client?: Partial<MongoClient> }).client;
  if (client == null || typeof client.startSession !== 'function') {
    throw new StoreError('Flow control needs transactions, and the Db given to the MongoDB store has no MongoClient to start a session with (db.client).');
  }
  return client.startSession();
}

/** Creates `indexes` on a collection; a failure is a StoreError that says what to do. */
async function createIndexesOn(
  collection: { createIndexes(indexes: IndexDescription[]): Promise<string[]> },
  name: string,
  indexes: readonly IndexDescription[],
): Promise<string[]> {
  try {
    return await collection.createIndexes([...indexes]);
  } catch (error) {
    throw new StoreError(indexErrorMessage(error, name), { cause: error });
  }
}

function holdsKey(status: JobStatus): boolean {
  return KEY_HOLDING_STATUSES.includes(status);
}

/** Among the jobs a clash lookup `found`, the one answering `doc` (its key holder), or the refusal of a taken id. */
function clashIn(doc: JobDocument, found: readonly JobDocument[]): InsertResult | null {
  const holder = found.find((other) => sharesKey(doc, other) && holdsKey(other.status));
  if (holder !== undefined) return { job: toJob(holder), created: false };
  if (found.some((other) => other._id === doc._id)) throw duplicateIdError(doc._id);
  return null;
}

/**
 * The BSON options of the store's collections: the mappers expect plain JavaScript values back,
 * whatever BSON options the application set on its client or Db (raw buffers or bigint longs
 * would break them).
 */
const PLAIN_VALUES = {
  raw: false,
  promoteValues: true,
  promoteLongs: true,
  promoteBuffers: false,
  useBigInt64: false,
  bsonRegExp: false,
} as const;

/**
 * The jobtrail store for MongoDB, over your own `Db` from the official driver.
 *
 * Every operation is one atomic document update where the contract needs atomicity: transitions
 * are `findOneAndUpdate` with the expectation in the filter, claims take one job per
 * `findOneAndUpdate` in claim order, metrics use `$inc`, and dedupe is a partial unique index.
 * Recurring schedules live in a collection of their own (`schedulesCollectionName`), one document
 * per schedule keyed by its name, updated by compare-and-set on `version`. Flow control (limits
 * and pauses per job type) lives in three collections beside the jobs (`flowCollectionNames`);
 * a claim of a type with a record that asks anything runs in a transaction of its own (see
 * `TypeClaim`), and every other type is claimed exactly as without flow control.
 * Call `ensureIndexes()` once at start-up: dedupe depends on its unique index.
 *
 * @example
 * const client = await MongoClient.connect(process.env.MONGODB_URL!);
 * const store = new MongoJobStore({ db: client.db('app') });
 * await store.ensureIndexes();
 * const tracker = createTracker({ store });
 */
export class MongoJobStore implements JobStore, ScheduleStore, FlowStore {
  /**
   * MongoDB documents hold at most 16 MiB and nest at most 100 levels: core refuses a payload,
   * metadata or result over 15 MiB of JSON, or nested deeper than 98 levels (it sits one level
   * down in the job's document), before anything is written.
   */
  readonly limits: StoreLimits = { maxJsonBytes: 15 * 1024 * 1024, maxJsonDepth: 98 };
  readonly collectionName: string;
  /** Where the schedules live (default: the jobs collection's name followed by `_schedules`). */
  readonly schedulesCollectionName: string;
  /**
   * Where flow control lives: the jobs collection's name followed by `_type_controls` (one record
   * per type), `_type_starts` (recent starts of rate-limited types) and `_type_groups` (each
   * group's latest start, for round-robin).
   */
  readonly flowCollectionNames: FlowCollectionNames;

  private readonly collection: Collection<JobDocument>;
  private readonly scheduleCollection: Collection<ScheduleDocument>;
  private readonly db: Db;
  /** Wake-ups for jobs (the jobs collection's change stream) and for schedules (theirs). */
  private readonly waker: ChangeStreamWaker;
  private readonly scheduleWaker: ChangeStreamWaker;
  /** Wake-ups for written type controls (the type-controls collection's stream). */
  private readonly controlWaker: ChangeStreamWaker;
  /** The change feed (`subscribeChanges`): the jobs collection's second stream, null without change streams. */
  private readonly feed: ChangeStreamFeed | null;
  private readonly schedules: ScheduleOperations;
  private readonly flowCollections: FlowCollections;
  private readonly flow: FlowOperations;
  private isClosed = false;

  /**
   * The change feed of the jobs (see `JobStore.subscribeChanges`): calls `listener` with
   * `{ changes }` after every committed insert, claim, progress, metrics write and transition of a
   * job, made by any process — one change per event, with routing fields only (`jobId`, `type`,
   * `tenantId`, `ownerId`, `status`, `version` = the job's `updatedAt` in ms, as the job stood when
   * the server read it for the event) — and with `{ gap: true }` when changes may have been missed:
   * when its stream starts (the first subscription, or a stream reopened afresh after a failure it
   * could not resume from, ChangeStreamHistoryLost say), for an event it cannot read, and when the
   * deployment turns out not to support change streams (then nothing more follows). Lease renewals
   * and deletions (`prune`) are not changes. One change stream over the jobs collection (with
   * `fullDocument: 'updateLookup'`: one lookup per update on the server) serves all listeners; it
   * opens with the first listener and closes with the last, or with `close()`. Failures and
   * unreadable events are told to `onChangeStreamError`. Answers the unsubscribe function.
   *
   * Absent (undefined) with `changeStreams: false`: MongoDB has no other way to hear other
   * processes' writes, so the store has no change feed and `tracker.watch` refuses with
   * `change_feed_unavailable`. Throws `StoreError` once the store is closed or once the feed has
   * found that the deployment cannot run change streams (or the client was closed), and
   * `JobValidationError` for a listener that is not a function.
   */
  readonly subscribeChanges?: (listener: JobChangeListener) => () => void;

  constructor(options: MongoJobStoreOptions) {
    const resolved = resolveOptions(options);
    this.collectionName = resolved.collectionName;
    this.schedulesCollectionName = resolved.schedulesCollectionName;
    this.flowCollectionNames = resolved.flowCollectionNames;
    this.db = resolved.db;
    this.collection = resolved.db.collection<JobDocument>(resolved.collectionName, PLAIN_VALUES);
    this.scheduleCollection = resolved.db.collection<ScheduleDocument>(resolved.schedulesCollectionName, PLAIN_VALUES);
    const collection = this.collection;
    const scheduleCollection = this.scheduleCollection;
    const onError = resolved.onChangeStreamError ? { onError: resolved.onChangeStreamError } : {};
    this.waker = new ChangeStreamWaker({
      open: resolved.changeStreams ? () => collection.watch([...WAKE_PIPELINE]) : null,
      clock: systemClock,
      ...onError,
    });
    // A stream of its own: a database-wide stream over both collections would need read access
    // to the whole database, where two collection streams need it on these two only.
    this.scheduleWaker = new ChangeStreamWaker({
      open: resolved.changeStreams ? () => scheduleCollection.watch([...SCHEDULE_WAKE_PIPELINE]) : null,
      toEvent: scheduleChangeToWakeEvent,
      clock: systemClock,
      ...onError,
    });
    // A stream of its own beside the waker's: wake-ups need no post-image lookups and only a few
    // events, the feed needs every write.
    this.feed = resolved.changeStreams
      ? new ChangeStreamFeed({ open: (resumeToken) => collection.watch([...CHANGE_FEED_PIPELINE], changeFeedOptions(resumeToken)), clock: systemClock, ...onError })
      : null;
    if (this.feed !== null) {
      const feed = this.feed;
      this.subscribeChanges = (listener) => {
        if (this.isClosed) throw this.closedError();
        if (typeof listener !== 'function') throw new JobValidationError('listener', 'must be a function.');
        if (feed.state === 'unavailable') {
          throw new StoreError(
            `The change feed of "${this.collectionName}" is unavailable: the deployment does not run change streams (a standalone server?) ` +
              'or the MongoClient was closed (see onChangeStreamError for the cause). Watch jobs on a replica set, or poll them.',
          );
        }
        return feed.subscribe(listener);
      };
    }
    const db = resolved.db;
    const names = resolved.flowCollectionNames;
    this.flowCollections = {
      jobs: collection,
      controls: db.collection<TypeControlDocument>(names.controls, PLAIN_VALUES),
      starts: db.collection<TypeStartDocument>(names.starts, PLAIN_VALUES),
      groups: db.collection<TypeGroupDocument>(names.groups, PLAIN_VALUES),
      startSession: () => startSessionOf(db),
      timing: SYSTEM_TIMING,
    };
    const controls = this.flowCollections.controls;
    this.controlWaker = new ChangeStreamWaker({
      open: resolved.changeStreams ? () => controls.watch([...TYPE_CONTROL_WAKE_PIPELINE]) : null,
      toEvent: typeControlChangeToWakeEvent,
      clock: systemClock,
      ...onError,
    });
    const controlWaker = this.controlWaker;
    this.flow = new FlowOperations({ collections: this.flowCollections, wake: (type) => controlWaker.notifyLocal(type) });
    const scheduleWaker = this.scheduleWaker;
    this.schedules = new ScheduleOperations({
      collection: scheduleCollection,
      collectionName: resolved.schedulesCollectionName,
      // Always at once, even while the stream runs (which reports the change again): a scheduler
      // of this process must not wait for the stream to learn that it has to recompute.
      wake: (name) => scheduleWaker.notifyDirect({ schedule: name }),
    });
  }

  /** How subscribers are woken right now (see `WakeMode`): `change-stream` once every stream runs. */
  get wakeMode(): WakeMode {
    return combinedWakeMode([this.waker.mode, this.scheduleWaker.mode, this.controlWaker.mode]);
  }

  /**
   * Creates the indexes the store needs on the jobs, the schedules and the flow-control
   * collections (see the README); existing ones are left as they are. Then drops the indexes of older versions that
   * would break this one (the global dedupe index `jobtrail_dedupe`, see `RETIRED_INDEX_NAMES`),
   * once their replacements exist. Answers the names of the indexes it ensured: jobs', schedules',
   * then the flow-control collections'.
   * Fails with `StoreError` when an index of the same name exists with another definition, or the
   * server is older than 6.0.
   */
  async ensureIndexes(): Promise<string[]> {
    if (this.isClosed) throw this.closedError();
    const names = [
      ...(await createIndexesOn(this.collection, this.collectionName, JOB_INDEXES)),
      ...(await createIndexesOn(this.scheduleCollection, this.schedulesCollectionName, SCHEDULE_INDEXES)),
      ...(await createIndexesOn(this.flowCollections.starts, this.flowCollectionNames.starts, TYPE_START_INDEXES)),
      ...(await createIndexesOn(this.flowCollections.groups, this.flowCollectionNames.groups, TYPE_GROUP_INDEXES)),
    ];
    try {
      await dropRetiredIndexes(this.collection);
    } catch (error) {
      throw this.failure(error, 'ensureIndexes (dropping retired indexes)');
    }
    return names;
  }

  async insert(job: Job, options?: InsertOptions): Promise<InsertResult> {
    const session = sessionFrom(options);
    const inTransaction = session?.inTransaction() ?? false;
    const doc = toDocument(job);
    try {
      // Inside a transaction a duplicate-key error would abort the caller's whole transaction, so
      // look first. A finished job never holds its key (the unique index leaves it out), so only a
      // lookup can find the unfinished job that the port says it must answer instead.
      if (inTransaction || (doc.key !== null && !holdsKey(doc.status))) {
        const clash = await this.findInsertClash(doc, session);
        if (clash !== null) return clash;
      }
      for (let round = 0; round < KEY_RACE_ROUNDS; round++) {
        try {
          await this.collection.insertOne(doc, session === undefined ? {} : { session });
          // Inside a transaction the job is not visible before the commit; the change stream (or
          // the next poll) reports it once it is.
          if (isClaimable(doc.status) && !inTransaction) this.waker.notifyLocal(doc.type);
          const stored = asStored(doc, this.collection.bsonOptions);
          return inTransaction && session ? { job: stored, created: true, committed: watchCommit(session) } : { job: stored, created: true };
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          const target = duplicateKeyTarget(error);
          if (inTransaction) throw this.transactionDuplicateError(doc, error, error);
          if (target === 'other') throw error;
          if (doc.key !== null) {
            const holder = await this.collection.findOne(keyHolderFilter(doc, doc.key));
            if (holder !== null) return { job: toJob(holder), created: false };
          }
          // No job of this scope holds the key: the global index of an older version objected to
          // another scope's job, which must not be answered.
          if (target === 'global_dedupe') throw globalDedupeIndexError(this.collectionName, error);
          if (target === 'id') throw duplicateIdError(doc._id);
          // The job that held the key finished before we looked it up: the key is free, insert again.
        }
      }
      throw new StoreError(`The dedupe key "${String(doc.key)}" of type "${doc.type}" kept changing hands; insert again.`);
    } catch (error) {
      throw this.failure(error, 'insert', inTransaction);
    }
  }

  /**
   * Inserts up to 1,000 jobs (core's chunk) with one unordered `insertMany`, each as `insert`
   * would (same documents): results in the order of `jobs`, a job whose key an unfinished job
   * holds — stored, or an earlier job of the call — answered with that job and `created: false`.
   * Duplicate-key failures are resolved with one lookup of the holders afterwards; inside the
   * caller's transaction (`options.transaction`, a ClientSession) one lookup comes first instead,
   * as a duplicate-key error would abort the transaction. Wakes this process's workers once per
   * type. A taken id or any other failure stores nothing (see `insertBatch`): `JobValidationError`
   * for a taken id, `TransactionDedupeError` for a key taken concurrently inside a transaction,
   * `StoreError` otherwise.
   */
  async insertMany(jobs: readonly Job[], options?: InsertOptions): Promise<InsertManyResult> {
    const session = sessionFrom(options);
    const inTransaction = session?.inTransaction() ?? false;
    const docs = jobs.map(toDocument);
    try {
      return await insertBatch(docs, session, {
        collection: this.collection,
        collectionName: this.collectionName,
        keyRaceRounds: KEY_RACE_ROUNDS,
        clashIn,
        transactionDuplicateError: (doc, error, cause) => this.transactionDuplicateError(doc, error, cause),
        duplicateIdError,
        wake: (type) => this.waker.notifyLocal(type),
      });
    } catch (error) {
      throw this.failure(error, 'insertMany', inTransaction);
    }
  }

  async get(id: string, options?: ReadOptions): Promise<Job | null> {
    const { scope, plan } = checkReadOptions(options);
    try {
      const projection = readProjection(plan);
      const doc = await this.collection.findOne(scopedIdFilter(id, scope), projection ? { projection } : {});
      return doc === null ? null : toJobRead(doc, plan);
    } catch (error) {
      throw this.failure(error, 'get');
    }
  }

  async transition(id: string, expected: Expectation, patch: JobPatch): Promise<TransitionResult> {
    const filter = expectationFilter(id, expected);
    const update = patchUpdate(patch);
    try {
      for (let round = 0; round < KEY_RACE_ROUNDS; round++) {
        try {
          const doc = await this.collection.findOneAndUpdate(filter, update, { returnDocument: 'after' });
          if (doc !== null) {
            if (isClaimable(doc.status) && (patch.status !== undefined || patch.runAt !== undefined)) this.waker.notifyLocal(doc.type);
            return { ok: true, job: toJob(doc) };
          }
          const current = await this.collection.findOne({ _id: id });
          return current === null ? { ok: false, reason: 'not_found' } : { ok: false, reason: 'conflict', current: toJob(current) };
        } catch (error) {
          // Ids never change, so only the dedupe index can object: the patch made a finished job
          // unfinished (a manual retry) while another unfinished job holds its key.
          if (!isDuplicateKeyError(error)) throw error;
          const target = duplicateKeyTarget(error);
          if (target !== 'dedupe' && target !== 'global_dedupe') throw error;
          const current = await this.collection.findOne({ _id: id });
          if (current === null) return { ok: false, reason: 'not_found' };
          if (current.key !== null) {
            const holder = await this.collection.findOne(keyHolderFilter(current, current.key, id));
            if (holder !== null) return { ok: false, reason: 'duplicate_key', holder: toJob(holder) };
          }
          if (target === 'global_dedupe') throw globalDedupeIndexError(this.collectionName, error);
          // The holder finished meanwhile: the key is free, try the transition again.
        }
      }
      throw new StoreError(`The dedupe key of job ${id} kept changing hands; try the transition again.`);
    } catch (error) {
      throw this.failure(error, 'transition');
    }
  }

  /**
   * First reads the flow-control records of the requested types (one query by `_id`). Types
   * without one that asks anything are claimed with one `findOneAndUpdate` per job, each taking the
   * best due job among the types that still have budget — see the README ("Claiming") for why this
   * and not a claim-token `updateMany`. Each other type is claimed in a transaction of its own that
   * enforces its record (`claimWithFlow`, `TypeClaim`).
   */
  async claim(request: ClaimRequest): Promise<Job[]> {
    const plan = claimPlan(request);
    if (plan.budget.spent) return [];
    let result: ClaimBatchResult;
    try {
      const controls = await this.flow.claimControls(plan.budget.openTypes());
      result =
        controls.size === 0
          ? await this.plainClaim(plan)
          : await claimWithFlow(request, controls, { collections: this.flowCollections, plainClaim: (plain) => this.plainClaim(claimPlan(plain)) });
    } catch (error) {
      throw this.failure(error, 'claim');
    }
    // Jobs already leased must reach the worker, or they would sit idle until their lease
    // expires; a failure after some were leased shows again on the next claim.
    if ('error' in result && result.claimed.length === 0) throw this.failure(result.error, 'claim');
    return result.claimed.map(toJob);
  }

  async heartbeat(owner: string, ids: readonly string[], expiresAt: Date): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const filter = heldLeasesFilter(owner, unique);
    try {
      // Renew, then read back which leases are still held: a job lost in between is reported
      // lost, never reported held without having been renewed.
      await this.collection.updateMany(filter, renewLeaseUpdate(expiresAt));
      const held = await this.collection.find(filter, { projection: { _id: 1 } }).toArray();
      const heldIds = new Set(held.map((doc) => doc._id));
      return unique.filter((id) => heldIds.has(id));
    } catch (error) {
      throw this.failure(error, 'heartbeat');
    }
  }

  async findExpired(now: Date, limit: number): Promise<Job[]> {
    // limit 0 would mean "no limit" to MongoDB.
    if (limit === 0) return [];
    try {
      const docs = await this.collection.find(expiredLeasesFilter(now), { sort: EXPIRED_LEASES_SORT, limit }).toArray();
      return docs.map(toJob);
    } catch (error) {
      throw this.failure(error, 'findExpired');
    }
  }

  async updateProgress(id: string, patch: ProgressPatch, owner?: string | null, attempt?: number): Promise<boolean> {
    try {
      const result = await this.collection.updateOne(progressFilter(id, owner, attempt), progressUpdate(patch));
      return result.matchedCount === 1;
    } catch (error) {
      throw this.failure(error, 'updateProgress');
    }
  }

  async incrementMetrics(
    id: string,
    deltas: Readonly<Record<string, number>>,
    updatedAt: Date,
    owner?: string | null,
    attempt?: number,
  ): Promise<Record<string, number> | null | 'finished' | 'stale'> {
    const names = Object.keys(deltas);
    const filter = { ...incrementMetricsFilter(id, owner, attempt), ...headroomFilter(deltas, names) };
    const update = incrementMetricsUpdate(deltas, names, updatedAt);
    try {
      for (let round = 0; round < KEY_RACE_ROUNDS; round++) {
        const doc = await this.collection.findOneAndUpdate(filter, update, {
          returnDocument: 'after',
          projection: { metrics: 1 },
        });
        if (doc !== null) return decodeMetrics(doc.metrics);
        const current = await this.collection.findOne({ _id: id }, { projection: MISSED_INCREMENT_PROJECTION });
        // Missing, finished, or (fenced) not the attempt the write belongs to: nothing is written.
        const answer = missedIncrement(current, owner, attempt);
        if (answer !== 'again') return answer;
        const overflow = overflowingMetric(current?.metrics, deltas, names);
        if (overflow !== null) {
          throw metricOverflowError(overflow);
        }
        // Retried by hand (or claimed) between the update and the read: it takes increments now.
      }
      throw new StoreError(`Job ${id} kept finishing and being retried; increment its metrics again.`);
    } catch (error) {
      throw this.failure(error, 'incrementMetrics');
    }
  }

  async query(filter: StoreQuery): Promise<StoreQueryResult> {
    const { filter: match, limit, sort } = queryFilter(filter);
    try {
      // One row more than the page tells whether another page follows.
      const plan = toReadPlan(filter.read);
      const projection = readProjection(plan);
      const docs = await this.collection.find(match, { sort, limit: limit + 1, ...(projection ? { projection } : {}) }).toArray();
      const more = docs.length > limit;
      const jobs = (more ? docs.slice(0, limit) : docs).map((doc) => toJobRead(doc, plan));
      return { jobs, nextCursor: more ? jobs[jobs.length - 1]!.id : null };
    } catch (error) {
      throw this.failure(error, 'query');
    }
  }

  async count(filter: StoreFilter): Promise<StatusCount[]> {
    const match = storeFilter(filter);
    try {
      const rows = await this.collection
        .aggregate<{ _id: { type: string; status: JobStatus }; count: number }>(countPipeline(match))
        .toArray();
      return rows
        .map((row) => ({ type: row._id.type, status: row._id.status, count: row.count }))
        .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.status < b.status ? -1 : a.status > b.status ? 1 : 0));
    } catch (error) {
      throw this.failure(error, 'count');
    }
  }

  async sumMetrics(filter: StoreFilter): Promise<Record<string, number>> {
    const match = storeFilter(filter);
    try {
      const rows = await this.collection.aggregate<{ _id: string; sum: number }>(sumMetricsPipeline(match)).toArray();
      const sums: Record<string, number> = {};
      for (const row of rows) setOwn(sums, decodeMetricName(row._id), row.sum);
      return sums;
    } catch (error) {
      throw this.failure(error, 'sumMetrics');
    }
  }

  /** See `JobStore.activity`: two aggregations (starts, finishes), buckets keyed by their offset from `since`. */
  async activity(query: ActivityQuery): Promise<ActivityBucket[]> {
    const match = storeFilter(query.filter);
    try {
      const [started, finished] = await Promise.all([
        this.collection.aggregate<StartedActivityRow>(startedActivityPipeline(match, query)).toArray(),
        this.collection.aggregate<FinishedActivityRow>(finishedActivityPipeline(match, query)).toArray(),
      ]);
      const since = query.since.getTime();
      const buckets = new Map<number, ActivityBucket>();
      const bucketAt = (offset: unknown): ActivityBucket => {
        const key = Number(offset);
        let bucket = buckets.get(key);
        if (bucket === undefined) {
          bucket = { start: new Date(since + key), started: 0, completed: 0, failed: 0, waitMsAvg: null, waitMsMax: null };
          buckets.set(key, bucket);
        }
        return bucket;
      };
      for (const row of started) {
        const bucket = bucketAt(row._id);
        bucket.started = Number(row.started);
        bucket.waitMsAvg = row.waitAvg == null ? null : Number(row.waitAvg);
        bucket.waitMsMax = row.waitMax == null ? null : Number(row.waitMax);
      }
      for (const row of finished) bucketAt(row._id.offset)[row._id.status] = Number(row.n);
      return [...buckets.values()];
    } catch (error) {
      throw this.failure(error, 'activity');
    }
  }

  async prune(request: PruneRequest): Promise<number> {
    const { filter, limit } = prunePlan(request);
    if (filter === null) return 0;
    try {
      // deleteMany has no limit: pick the oldest `limit` ids, then delete those that still match
      // (a job retried in between is no longer finished and stays).
      const doomed = await this.collection.find(filter, { projection: { _id: 1 }, sort: PRUNE_SORT, limit }).toArray();
      if (doomed.length === 0) return 0;
      const result = await this.collection.deleteMany({ $and: [{ _id: { $in: doomed.map((doc) => doc._id) } }, filter] });
      return result.deletedCount;
    } catch (error) {
      throw this.failure(error, 'prune');
    }
  }

  /**
   * The server's clock: `localTime` of the `hello` command (sent to the primary). Core measures
   * each process's offset to it, so every process judges leases and due times on this one clock.
   */
  async serverTime(): Promise<Date> {
    let reply: { localTime?: unknown };
    try {
      reply = await this.db.command({ hello: 1 }, { readPreference: 'primary', raw: false, promoteValues: true });
    } catch (error) {
      throw this.failure(error, 'serverTime');
    }
    return serverTimeOf(reply);
  }

  /**
   * Inserts a new schedule; a schedule of that name already there (whatever its tenant) is
   * answered (`exists`) and nothing is written. Wakes subscribers with `{ schedule: name }`.
   */
  insertSchedule(record: ScheduleRecord): Promise<ScheduleInsertResult> {
    return this.schedules.insertSchedule(record);
  }

  getSchedule(name: string): Promise<ScheduleRecord | null> {
    return this.schedules.getSchedule(name);
  }

  /** A page of schedules by name (code point order), of one tenant or without one when asked. */
  listSchedules(query: ScheduleQuery): Promise<ScheduleRecord[]> {
    return this.schedules.listSchedules(query);
  }

  /** Schedules with pending ticks, and firing ones due at `now`; `nextRunAt` (none first), then name. */
  dueSchedules(now: Date, limit: number): Promise<ScheduleRecord[]> {
    return this.schedules.dueSchedules(now, limit);
  }

  /** The earliest `nextRunAt` of the enabled, unpaused schedules, or null. */
  nextScheduleRunAt(): Promise<Date | null> {
    return this.schedules.nextScheduleRunAt();
  }

  /** Compare-and-set on `version`; wakes subscribers with `{ schedule: name }` when it writes. */
  updateSchedule(name: string, expectedVersion: number, patch: SchedulePatch): Promise<ScheduleUpdateResult> {
    return this.schedules.updateSchedule(name, expectedVersion, patch);
  }

  /** Deletes the schedule (its jobs stay); answers whether it existed, and wakes subscribers if it did. */
  deleteSchedule(name: string, expectedVersion?: number): Promise<boolean> {
    return this.schedules.deleteSchedule(name, expectedVersion);
  }

  /** The type's flow-control record, or null. */
  getTypeControl(type: string): Promise<TypeControl | null> {
    return this.flow.getTypeControl(type);
  }

  /** Every flow-control record, by type (code point order). */
  listTypeControls(): Promise<TypeControl[]> {
    return this.flow.listTypeControls();
  }

  /**
   * Compare-and-set on `version` (null: only when there is no record); wakes subscribers with
   * `{ type }` when it writes.
   */
  putTypeControl(control: TypeControl, expectedVersion: number | null): Promise<TypeControlWrite> {
    return this.flow.putTypeControl(control, expectedVersion);
  }

  /** The starts recorded for `type` after `since`, of `group` when given (see `FlowStore`). */
  countStarts(type: string, since: Date, group?: string | null): Promise<number> {
    return this.flow.countStarts(type, since, group);
  }

  /**
   * Calls `listener` when jobs become claimable (`{ type }` when known; also when a type's
   * flow-control record is written) and when schedules are
   * inserted, updated or deleted (`{ schedule: name }`): through one change stream per collection
   * where the deployment supports them, otherwise (silently) only for this instance's own writes,
   * leaving the rest to the worker's poll. This instance's schedule changes are reported at once
   * in any mode, and while the schedules stream runs a second time through it. See `wakeMode`.
   */
  subscribe(listener: (event: StoreWakeEvent) => void): () => void {
    const jobs = this.waker.subscribe(listener);
    const schedules = this.scheduleWaker.subscribe(listener);
    const controls = this.controlWaker.subscribe(listener);
    return () => {
      jobs();
      schedules();
      controls();
    };
  }

  /** True once `close()` has been called (see `guardStore`). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Stops the change streams (wake-ups and the change feed). Your `MongoClient` stays open: it is yours to close. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.feed?.close();
    await Promise.all([this.waker.close(), this.scheduleWaker.close(), this.controlWaker.close()]);
  }

  /** Today's claim loop, for types without flow control (see `claimBatch`). */
  private plainClaim(plan: ClaimPlan): Promise<ClaimBatchResult> {
    return claimBatch(plan, (filter, update, sort) => this.collection.findOneAndUpdate(filter, update, { sort, returnDocument: 'after' }));
  }

  private closedError(): StoreError {
    return new StoreError(`The MongoDB job store on "${this.collectionName}" is closed; create a new store to keep working.`);
  }

  private failure(error: unknown, operation: string, inTransaction = false): Error {
    return toStoreError(error, operation, this.collectionName, inTransaction);
  }

  /** An existing job that answers this insert (key holder), or the refusal of a taken id. */
  private async findInsertClash(doc: JobDocument, session: ClientSession | undefined): Promise<InsertResult | null> {
    const found = await this.collection.find(insertClashFilter(doc), { limit: 2, ...(session === undefined ? {} : { session }) }).toArray();
    return clashIn(doc, found);
  }

  /**
   * A duplicate key met inside the caller's transaction (`error` the server's error for `doc`,
   * `cause` what the driver threw): MongoDB has aborted the transaction, so it cannot be answered.
   */
  private transactionDuplicateError(doc: JobDocument, error: unknown, cause: unknown): unknown {
    const target = duplicateKeyTarget(error);
    if (target === 'dedupe' && doc.key !== null) return new TransactionDedupeError(doc.type, doc.key, { cause });
    if (target === 'global_dedupe') return globalDedupeIndexError(this.collectionName, cause);
    if (target === 'id') return duplicateIdError(doc._id);
    return cause;
  }
}

