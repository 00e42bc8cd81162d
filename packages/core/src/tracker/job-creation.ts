import { EnqueueManyError, JobValidationError } from '../errors/jobtrail-error.js';
import { newJob } from '../model/new-job.js';
import type { Job } from '../model/job.js';
import type { InsertManyResult, InsertResult, JobStore, StoreLimits } from '../store/job-store.js';
import { MAX_INSERT_MANY } from '../store/store-input.js';
import type { JobTelemetry } from '../telemetry/telemetry-port.js';
import { dateTime } from '../util/dates.js';
import { asInputError, readInput } from '../util/read-input.js';
import { uuidv7 } from '../util/uuid-v7.js';
import type { ClockSync } from './clock-sync.js';
import { checkedInsertAnswer, keySlot } from './key-scope.js';
import type { TrackerEmitter } from './tracker-emitter.js';
import type { TypePolicies } from './type-policies.js';
import { assertJobType, assertKnownKeys, DATE_MAX, DATE_MIN, isPlainObject, readCreateInput, show, type CreateJobInput } from './validate-input.js';
import { vouchForDrafts } from '../store/vouched-drafts.js';
import { newJobBatch, NO_METADATA, type NewJobBatch } from '../store/new-job-batch.js';

export interface JobCreationDeps {
  store: JobStore;
  clock: ClockSync;
  limits: StoreLimits;
  policies: TypePolicies;
  emitter: TrackerEmitter;
  telemetry: { current: JobTelemetry | null };
}

/**
 * Makes new job records: checks the caller's input, drafts the job (defaults, due time), and
 * inserts it, deduped by key within its type, tenant and owner. The `created` event and the
 * telemetry's create span end when the job exists: at once, or when the caller's transaction commits.
 */
export class JobCreation {
  constructor(private readonly deps: JobCreationDeps) {}

  /** See `Tracker.create`. */
  async create(type: string, input: CreateJobInput | undefined): Promise<Job> {
    assertJobType(type);
    const checked = readInput('options', () => readCreateInput(input, [], this.deps.limits));
    const { clock } = this.deps;
    if (clock.pending) await clock.ready();
    return this.insert(this.draft(type, checked, 'queued'), checked.transaction, true);
  }

  /**
   * See `Tracker.enqueueMany`: checks every item before anything is written, then drafts and
   * inserts them in chunks of `MAX_INSERT_MANY` (one `insertMany` each, or one `insert` per job
   * for a store without it). Each chunk is drafted just before its insert, so the call holds the
   * items, the answer and the chunks in flight, never a draft of every job at once.
   */
  async createMany(items: readonly EnqueueManyItem[], options: EnqueueManyOptions | undefined): Promise<EnqueueManyResult> {
    const { transaction } = readInput('options', () => checkManyOptions(options));
    const { inputs, delayed } = readInput('jobs', () => checkManyItems(items, this.deps.limits));
    const { clock } = this.deps;
    if (clock.pending) await clock.ready();
    // One instant for the whole call, so every due time is checked now, before anything is
    // written: drafting a later chunk cannot fail after earlier ones are stored.
    const now = clock.clock.now();
    if (delayed.length > 0) readInput('jobs', () => checkDueTimes(inputs, delayed, now));
    const chunkCount = Math.ceil(inputs.length / MAX_INSERT_MANY);
    const insertChunk = (index: number, transaction: unknown): Promise<Array<{ job: Job; created: boolean }>> => {
      const chunk = inputs.slice(index * MAX_INSERT_MANY, (index + 1) * MAX_INSERT_MANY);
      if (this.takesBatch(chunk, now)) return this.insertBatch(this.draftBatch(chunk, now), transaction);
      return this.insertChunk(
        chunk.map(({ type, input }) => this.draft(type, input, 'queued', now)),
        transaction,
      );
    };
    const results: Array<{ job: Job; created: boolean }> = new Array(inputs.length);
    let created = 0;
    const keep = (index: number, answer: Array<{ job: Job; created: boolean }>): void => {
      const offset = index * MAX_INSERT_MANY;
      for (let at = 0; at < answer.length; at++) {
        const result = answer[at]!;
        results[offset + at] = result;
        if (result.created) created++;
      }
    };
    let stored = 0;
    let failure: { error: unknown } | null = null;
    const keepStored = (index: number, answer: Array<{ job: Job; created: boolean }>): void => {
      keep(index, answer);
      stored += answer.length;
    };
    if (transaction === undefined && !keysSpanChunks(inputs)) {
      // Independent chunks (no key scope in two of them): a few in flight at once, so a large
      // batch pays about one commit per CHUNKS_IN_FLIGHT chunks instead of one per chunk. After a
      // failure no lane starts another chunk: the call must not go on writing once it has failed.
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < chunkCount && failure === null) {
          const index = next++;
          try {
            keepStored(index, await insertChunk(index, undefined));
          } catch (error) {
            failure ??= { error };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, chunkCount) }, lane));
    } else {
      // In order: a later item of a key scope must meet the earlier one (and a transaction's
      // statements run one at a time anyway).
      for (let index = 0; index < chunkCount && failure === null; index++) {
        try {
          keepStored(index, await insertChunk(index, transaction));
        } catch (error) {
          failure = { error };
        }
      }
    }
    if (failure !== null) {
      // Nothing stored yet: the store's own error, as a single insert would throw it.
      if (stored === 0) throw failure.error;
      throw new EnqueueManyError(Array.from(results), stored, failure.error);
    }
    return { results, created, existing: results.length - created };
  }

  private async insertChunk(drafts: Job[], transaction: unknown): Promise<Array<{ job: Job; created: boolean }>> {
    const { store } = this.deps;
    const telemetry = this.deps.telemetry.current;
    const onCreate = telemetry?.onCreate;
    const scopes =
      onCreate === undefined
        ? []
        : drafts.map((job) => {
            const scope = onCreate.call(telemetry, job);
            if (scope?.trace) job.trace = scope.trace;
            return scope;
          });
    const options = transaction === undefined ? undefined : { transaction };
    let answer: InsertManyResult;
    try {
      if (store.insertMany !== undefined) {
        // Drafted from checked snapshots in this turn, seen by no hook: see `vouched-drafts.ts`.
        if (onCreate === undefined && isStorableNow(drafts)) vouchForDrafts(drafts);
        answer = await store.insertMany(drafts, options);
      } else {
        const results = await insertOneByOne(store, drafts, options);
        const commits = results.map((result) => result.committed).filter((commit) => commit !== undefined);
        answer = { results, ...(commits.length > 0 ? { committed: Promise.all(commits).then((all) => all.every(Boolean)) } : {}) };
      }
      for (let index = 0; index < answer.results.length; index++) {
        const result = answer.results[index]!;
        // Only an existing holder is checked: a created job is the draft (`job` not read for it).
        if (!result.created) checkedInsertAnswer(drafts[index]!, result.job, false);
      }
    } catch (error) {
      for (const scope of scopes) scope?.end({ job: null, created: false, error });
      throw error;
    }
    this.announceMany(answer, scopes);
    return answer.results.map(asManyResult);
  }

  /**
   * Whether a chunk goes to the store's `insertNewJobs` as columns, without a draft per item:
   * the store has it, no item has a key (those go through `insertMany`, which dedupes), no
   * telemetry hook wants the drafts, and `now` is a time every store holds (else the drafts go
   * to the guard, which refuses them as before).
   */
  private takesBatch(chunk: ReadonlyArray<{ input: CreateJobInput }>, now: number): boolean {
    if (this.deps.store.insertNewJobs === undefined || this.deps.telemetry.current?.onCreate !== undefined) return false;
    if (!(now >= DATE_MIN && now <= DATE_MAX)) return false;
    for (let index = 0; index < chunk.length; index++) if (chunk[index]!.input.key != null) return false;
    return true;
  }

  /**
   * The columns of a chunk's new jobs, from the checked snapshots: what `draft` would make of each,
   * ids drawn in the same order, without making the jobs.
   */
  private draftBatch(chunk: ReadonlyArray<{ type: string; input: CreateJobInput }>, now: number): NewJobBatch {
    const { policies } = this.deps;
    const count = chunk.length;
    const ids = new Array<string>(count);
    const types = new Array<string>(count);
    const payloads = new Array<unknown>(count);
    const runAt = new Array<number>(count);
    const maxAttempts = new Array<number>(count);
    const priorities = new Array<number>(count);
    let metadata: Array<Record<string, unknown>> | null = null;
    let parentIds: Array<string | null> | null = null;
    let tenantIds: Array<string | null> | null = null;
    let ownerIds: Array<string | null> | null = null;
    let groups: Array<string | null> | null = null;
    let lastType = '';
    let lastMaxAttempts = 0;
    for (let index = 0; index < count; index++) {
      const { type, input } = chunk[index]!;
      ids[index] = uuidv7(now);
      types[index] = type;
      payloads[index] = input.payload === undefined ? null : input.payload;
      runAt[index] = input.runAt === undefined ? now + (input.delayMs ?? 0) : dateTime(input.runAt);
      if (input.maxAttempts !== undefined) maxAttempts[index] = input.maxAttempts;
      else {
        if (type !== lastType || index === 0) {
          lastType = type;
          lastMaxAttempts = policies.maxAttemptsFor(type);
        }
        maxAttempts[index] = lastMaxAttempts;
      }
      priorities[index] = input.priority ?? 0;
      // A column is made on its first value, so a chunk where no job has one sends none.
      if (input.metadata !== undefined && !isEmpty(input.metadata)) {
        metadata ??= filled<Record<string, unknown>>(count, NO_METADATA);
        metadata[index] = input.metadata;
      }
      if (input.parentId != null) {
        parentIds ??= filled<string | null>(count, null);
        parentIds[index] = input.parentId;
      }
      if (input.tenantId != null) {
        tenantIds ??= filled<string | null>(count, null);
        tenantIds[index] = input.tenantId;
      }
      if (input.ownerId != null) {
        ownerIds ??= filled<string | null>(count, null);
        ownerIds[index] = input.ownerId;
      }
      if (input.group != null) {
        groups ??= filled<string | null>(count, null);
        groups[index] = input.group;
      }
    }
    return newJobBatch({ createdAt: now, ids, types, payloads, metadata, runAt, maxAttempts, priorities, parentIds, tenantIds, ownerIds, groups });
  }

  /** `insertChunk` for a batch of new keyless jobs (see `takesBatch`): no telemetry scope, every job created. */
  private async insertBatch(batch: NewJobBatch, transaction: unknown): Promise<Array<{ job: Job; created: boolean }>> {
    const answer = await this.deps.store.insertNewJobs!(batch, transaction === undefined ? undefined : { transaction });
    this.announceMany(answer, []);
    return answer.results.map(asManyResult);
  }

  /**
   * Ends the telemetry scopes and fires `created` for an `insertMany`'s answer: at once, or when
   * the caller's transaction commits.
   */
  private announceMany(answer: InsertManyResult, scopes: ReadonlyArray<ReturnType<NonNullable<JobTelemetry['onCreate']>>>): void {
    const { emitter } = this.deps;
    const announce = () => {
      // Nobody to tell: no job read, so a store answering them lazily never builds them here.
      if (scopes.length === 0 && !emitter.wantsJob('created')) return;
      answer.results.forEach((result, index) => {
        scopes[index]?.end({ job: result.job, created: result.created });
        if (result.created) emitter.job('created', result.job);
      });
    };
    if (answer.committed) {
      answer.committed.then(
        (committed) => {
          if (committed) announce();
        },
        (error: unknown) => emitter.error(error, { operation: 'create' }),
      );
    } else {
      announce();
    }
  }

  /** A new job record (not yet stored) from checked input, at `now` (default: the tracker's clock). */
  draft(type: string, input: CreateJobInput, status: 'queued' | 'running', now = this.deps.clock.clock.now()): Job {
    const at = new Date(now);
    // A copy: the caller's Date (of any realm) is neither kept nor mutated through the record.
    const runAt = input.runAt === undefined ? new Date(now + (input.delayMs ?? 0)) : new Date(dateTime(input.runAt));
    checkDelay(input, now);
    return newJob({
      id: uuidv7(now),
      type,
      key: input.key ?? null,
      parentId: input.parentId ?? null,
      tenantId: input.tenantId ?? null,
      ownerId: input.ownerId ?? null,
      group: input.group ?? null,
      status,
      maxAttempts: input.maxAttempts ?? this.deps.policies.maxAttemptsFor(type),
      priority: input.priority ?? 0,
      runAt,
      payload: input.payload === undefined ? null : input.payload,
      metadata: input.metadata ?? {},
      createdAt: at,
    });
  }

  /**
   * Stores the draft, or answers the unfinished job of the same key and scope. `fromCheckedInput`:
   * `job` is a fresh draft of input read by `readCreateInput`, so the store's guard need not check it again.
   *
   * @throws {StoreError} when the store fails, or answers a job of another scope.
   */
  async insert(job: Job, transaction: unknown, fromCheckedInput = false): Promise<Job> {
    const { store, emitter } = this.deps;
    const telemetry = this.deps.telemetry.current;
    const scope = telemetry?.onCreate?.(job);
    if (scope?.trace) job.trace = scope.trace;
    try {
      // Drafted from a checked snapshot in this turn, seen by no hook: see `vouched-drafts.ts`.
      if (fromCheckedInput && telemetry?.onCreate === undefined && isStorableNow([job])) vouchForDrafts(job);
      const result = await store.insert(job, transaction === undefined ? undefined : { transaction });
      checkedInsertAnswer(job, result.job, result.created);
      const announce = () => {
        scope?.end({ job: result.job, created: result.created });
        if (result.created) emitter.job('created', result.job);
      };
      if (result.committed) {
        // Inside the caller's transaction: the job exists only once it commits.
        result.committed.then(
          (committed) => {
            if (committed) announce();
          },
          (error: unknown) => emitter.error(error, { operation: 'create', jobId: job.id, type: job.type }),
        );
      } else {
        announce();
      }
      return result.job;
    } catch (error) {
      scope?.end({ job: null, created: false, error });
      throw error;
    }
  }
}

/** One job of `tracker.enqueueMany`: its type and what `enqueue` takes (but a transaction). */
export type EnqueueManyItem<TPayload = unknown> = Omit<CreateJobInput<TPayload>, 'transaction'> & { type: string };

export interface EnqueueManyOptions {
  /** Store-specific transaction handle: every job is inserted inside the caller's transaction. */
  transaction?: unknown;
}

/** What `tracker.enqueueMany` answers. */
export interface EnqueueManyResult {
  /**
   * One per item, in order: the job, and whether it was created (`false`: an unfinished job of
   * the same type, key, tenant and owner already existed, or an earlier item of the call made it;
   * `job` is that one).
   */
  results: Array<{ job: Job; created: boolean }>;
  /** How many jobs were created. */
  created: number;
  /** How many items answered an existing job (by key). */
  existing: number;
}

/** Most items one `enqueueMany` call takes (they are inserted in chunks of `MAX_INSERT_MANY`). */
export const MAX_ENQUEUE_MANY = 1_000_000;
const MANY_OPTION_KEYS: ReadonlySet<string> = new Set(['transaction']);

function checkManyOptions(options: EnqueueManyOptions | undefined): EnqueueManyOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new JobValidationError('options', `must be an object such as { transaction }; got ${show(options)}.`);
  assertKnownKeys(options, MANY_OPTION_KEYS, 'an enqueueMany');
  return options.transaction === undefined || options.transaction === null ? {} : { transaction: options.transaction };
}

const ITEM_EXTRA_KEYS: readonly string[] = ['type'];
const ITEM_WITHOUT_KEYS: readonly string[] = ['transaction'];

/**
 * Every item checked before anything is written; a bad one is named by its index. `delayed`:
 * the indexes of the items with a `delayMs`, whose due time `checkDueTimes` checks.
 */
function checkManyItems(
  items: readonly EnqueueManyItem[],
  limits: StoreLimits,
): { inputs: Array<{ type: string; input: CreateJobInput }>; delayed: number[] } {
  if (!Array.isArray(items)) throw new JobValidationError('jobs', `must be an array of { type, payload?, ...options }; got ${show(items)}.`);
  if (items.length > MAX_ENQUEUE_MANY) throw new JobValidationError('jobs', `must hold at most ${MAX_ENQUEUE_MANY} items per call; got ${items.length}.`);
  const checked: Array<{ type: string; input: CreateJobInput }> = [];
  const delayed: number[] = [];
  for (let index = 0; index < items.length; index++) {
    try {
      const item = items[index];
      if (!isPlainObject(item)) throw new JobValidationError('item', `must be an object { type, payload?, ...options }; got ${show(item)}.`);
      const type = item['type'];
      assertJobType(type);
      if (Object.hasOwn(item, 'transaction')) throw new JobValidationError('transaction', 'goes in the second argument of enqueueMany, for every job at once.');
      const input = readCreateInput(item, ITEM_EXTRA_KEYS, limits, ITEM_WITHOUT_KEYS);
      if (input.delayMs !== undefined) delayed.push(index);
      checked.push({ type, input });
    } catch (error) {
      const inner = asInputError(error, 'item');
      if (inner instanceof JobValidationError) {
        const field = inner.field === 'item' ? `jobs[${index}]` : `jobs[${index}].${inner.field}`;
        throw new JobValidationError(field, inner.message.slice(inner.field.length + 2));
      }
      throw inner;
    }
  }
  return { inputs: checked, delayed };
}

/**
 * Whether every draft's creation time (the tracker's clock) is one every store holds; every other
 * field of a draft comes from checked input or constants. A clock gone past the year 9999 gets no
 * vouch, so the guard refuses the drafts as before.
 */
function isStorableNow(drafts: readonly Job[]): boolean {
  return drafts.every((job) => {
    const time = job.createdAt.getTime();
    return time >= DATE_MIN && time <= DATE_MAX;
  });
}

/**
 * A `delayMs` whose due time, `now` + delay, is past the latest time every store holds.
 *
 * @throws {JobValidationError} (field `delayMs`).
 */
function checkDelay(input: CreateJobInput, now: number): void {
  if (input.delayMs === undefined || input.runAt !== undefined) return;
  const runAt = now + input.delayMs;
  if (!(runAt >= DATE_MIN && runAt <= DATE_MAX)) {
    throw new JobValidationError('delayMs', `${input.delayMs} ms from now is past the year 9999, the latest time every store can hold.`);
  }
}

/** The `delayMs` of each item at `delayed` (indexes, ascending) checked at `now`; a bad one is named by its index. */
function checkDueTimes(inputs: ReadonlyArray<{ input: CreateJobInput }>, delayed: readonly number[], now: number): void {
  for (const index of delayed) {
    try {
      checkDelay(inputs[index]!.input, now);
    } catch (error) {
      if (error instanceof JobValidationError) throw new JobValidationError(`jobs[${index}].${error.field}`, error.message.slice(error.field.length + 2));
      throw error;
    }
  }
}

/**
 * A store's answer for one item as `enqueueMany` answers it: `{ job, created }`. One with no
 * other property is taken as it is, without reading `job` (a store may build it lazily, on first
 * read); anything more (an `insert`'s `committed`) is left out of a copy.
 */
function asManyResult(result: { job: Job; created: boolean }): { job: Job; created: boolean } {
  let keys = 0;
  for (const key in result) {
    if (key !== 'job' && key !== 'created') return { job: result.job, created: result.created };
    keys++;
  }
  return keys === 2 && Object.getPrototypeOf(result) === Object.prototype ? result : { job: result.job, created: result.created };
}

/** Chunks of one `enqueueMany` inserted at once when they are independent (see `keysSpanChunks`). */
// Two: one chunk's rows go through PostgreSQL while the next is drafted, encoded and sent, and
// one commit waits while the other chunk works. More only adds backends competing for the same
// CPUs (W1 on two CPUs: 10,000 jobs in ~200 ms with two, ~255 ms with four; bench/README.md).
const CHUNKS_IN_FLIGHT = 2;

/** Whether a key scope (type, key, tenant, owner) appears in more than one chunk of `MAX_INSERT_MANY` items. */
function keysSpanChunks(inputs: ReadonlyArray<{ type: string; input: CreateJobInput }>): boolean {
  if (inputs.length <= MAX_INSERT_MANY) return false;
  const chunkOf = new Map<string, number>();
  for (let index = 0; index < inputs.length; index++) {
    const { type, input } = inputs[index]!;
    if (input.key == null) continue;
    const scope = keySlot({ type, key: input.key, tenantId: input.tenantId ?? null, ownerId: input.ownerId ?? null });
    const chunk = Math.floor(index / MAX_INSERT_MANY);
    const seen = chunkOf.get(scope!);
    if (seen !== undefined && seen !== chunk) return true;
    chunkOf.set(scope!, chunk);
  }
  return false;
}

/**
 * A store without `insertMany`: one `insert` per job, each stored on its own (not all or
 * nothing). Outside a transaction, the first job of each key scope goes at once, concurrently;
 * a job repeating an earlier one's scope waits until those are in, so it meets the earlier job
 * as `insertMany` would. In a transaction, one at a time (a session runs one operation at once).
 */
async function insertOneByOne(store: JobStore, drafts: readonly Job[], options: { transaction: unknown } | undefined): Promise<InsertResult[]> {
  const results: InsertResult[] = new Array(drafts.length);
  if (options !== undefined) {
    for (let index = 0; index < drafts.length; index++) results[index] = await store.insert(drafts[index]!, options);
    return results;
  }
  const seen = new Set<string>();
  const first: number[] = [];
  const repeats: number[] = [];
  drafts.forEach((job, index) => {
    const scope = keySlot(job);
    if (scope !== null && seen.has(scope)) repeats.push(index);
    else {
      if (scope !== null) seen.add(scope);
      first.push(index);
    }
  });
  await Promise.all(
    first.map(async (index) => {
      results[index] = await store.insert(drafts[index]!);
    }),
  );
  for (const index of repeats) results[index] = await store.insert(drafts[index]!);
  return results;
}

function filled<T>(count: number, value: T): T[] {
  return new Array<T>(count).fill(value);
}

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}
