import { JobValidationError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import type { NewJobBatch } from '../store/new-job-batch.js';
import { isTerminal, type JobStatus } from '../model/job-status.js';
import type {
  ActivityBucket,
  ActivityQuery,
  ClaimRequest,
  Expectation,
  InsertManyResult,
  InsertOptions,
  InsertResult,
  JobPatch,
  JobStore,
  ProgressPatch,
  PruneRequest,
  ReadOptions,
  StatusCount,
  StoreFilter,
  StoreQuery,
  StoreQueryResult,
  StoreWakeEvent,
  TransitionResult,
} from '../store/job-store.js';
import { metricOverflowError } from '../store/store-refusals.js';
import { DEFAULT_PRUNE_LIMIT } from '../store/store-input.js';
import { addOwn, getOwn } from '../util/own-property.js';
import { checkReadOptions, inReadScope, toReadPlan } from '../store/field-reads.js';
import { takeDue, TypeQueue, type GroupQueues, type QueueEntry, type TypePlan } from './claim-queue.js';
import { FlowTable } from './flow-table.js';
import type { TypeControl, TypeControlWrite } from '../store/flow-store.js';
import { cloneMetrics, toJob, toRow, type Row } from './clone.js';
import { applyPatch, compileFilter, dedupeKey, isClaimable, lowerBound, matches } from './row-updates.js';
import { ChangeListeners } from './change-listeners.js';
import type { JobChangeListener } from '../store/change-feed.js';
import { WakeListeners } from './wake-listeners.js';
import { ScheduleTable } from './schedule-table.js';
import type {
  ScheduleInsertResult,
  SchedulePatch,
  ScheduleQuery,
  ScheduleRecord,
  ScheduleUpdateResult,
} from '../store/schedule-store.js';

export interface MemoryJobStoreOptions {
  /** Shown in error messages, to tell several stores of one process apart. */
  name?: string;
}

/**
 * The store for tests, demos, single-process apps and the worker benchmark: every operation of
 * the store contract, in process memory, nothing persisted.
 *
 * Each method does all its work synchronously before it returns its promise, so concurrent async
 * callers can never interleave inside one operation — that is what makes the compare-and-set,
 * dedupe and claim guarantees hold without locks. Records are copied on the way in and out: what
 * a caller holds is never the stored object.
 *
 * Claims use a per-type index of claimable jobs (see `TypeQueue`), so claiming stays fast with
 * many queued jobs; queries scan in id order, which is fine for the sizes a memory store holds.
 *
 * Memory-specific behaviour: `insert`'s `transaction` option is ignored (there is nothing to
 * join); `heartbeat` leaves `updatedAt` alone (a renewed lease is not a visible change); wake-up
 * events are coalesced to one per type per microtask; `close()` drops the data and sets `closed`.
 *
 * Like every store, it checks no input and never asks whether it is closed: `guardStore` (which
 * every tracker puts around its store) does both, so use it through a tracker or wrap it with
 * `guardStore` before calling it directly.
 */
export class MemoryJobStore implements JobStore {
  readonly name: string;

  private readonly jobs = new Map<string, Row>();
  /** Every stored id, ascending (ids are UUIDv7, so this is creation order). */
  private ids: string[] = [];
  /** {@link dedupeKey} → id of the non-finished job holding that key in its type, tenant and owner. */
  private readonly keys = new Map<string, string>();
  /** Each type's claimable jobs: what claims in plain claim order read. */
  private readonly queues = new Map<string, TypeQueue>();
  /**
   * The same jobs again, one queue per group, for the types whose claims serve groups (flow
   * control): built on a type's first such claim, kept up while it is controlled, dropped after.
   * Types without limits never pay for groups.
   */
  private readonly groupQueues = new Map<string, GroupQueues>();
  /** Ids of running jobs: what `findExpired` looks through. */
  private readonly running = new Set<string>();
  /** Ids of terminal jobs: what `prune` looks through. */
  private readonly finished = new Set<string>();
  private readonly children = new Map<string, Set<string>>();
  private readonly listeners = new WakeListeners();
  private readonly changes = new ChangeListeners();
  private readonly schedules = new ScheduleTable();
  private readonly flow = new FlowTable();
  private isClosed = false;
  private nextSeq = 1;

  /**
   * Whether a claim-queue entry still describes a claimable job. Deleted rows need no check:
   * only terminal jobs are ever deleted, and they are not claimable.
   */
  private readonly isValidEntry = (entry: QueueEntry): boolean => entry.row.seq === entry.seq && isClaimable(entry.row.status);

  constructor(options: MemoryJobStoreOptions = {}) {
    this.name = options.name ?? 'memory';
  }

  /** How many jobs are stored (all statuses). */
  get size(): number {
    return this.jobs.size;
  }

  async insert(job: Job, _options?: InsertOptions): Promise<InsertResult> {
    // Copied first, as PostgreSQL serialises first: a value no store can hold is refused whether
    // or not the job's key or id is taken.
    const row = toRow(job);
    if (job.key != null) {
      const holder = this.keys.get(dedupeKey(job, job.key));
      if (holder !== undefined) {
        const existing = this.jobs.get(holder);
        if (existing !== undefined) return { job: toJob(existing), created: false };
      }
    }
    if (this.jobs.has(job.id)) {
      throw new JobValidationError('id', `a job with id ${job.id} already exists; generate a fresh id per job.`);
    }
    this.jobs.set(row.id, row);
    this.addId(row.id);
    if (row.parentId !== null) {
      let set = this.children.get(row.parentId);
      if (set === undefined) {
        set = new Set();
        this.children.set(row.parentId, set);
      }
      set.add(row.id);
    }
    if (row.key !== null && !isTerminal(row.status)) this.keys.set(dedupeKey(row, row.key), row.id);
    if (row.status === 'running') this.running.add(row.id);
    else if (isTerminal(row.status)) this.finished.add(row.id);
    else {
      this.enqueue(row);
      this.wake(row.type);
    }
    this.changes.changed(row);
    return { job: toJob(row), created: true };
  }

  /** `insertMany` of the batch's jobs: memory gains nothing from columns, it keeps one row per job anyway. */
  async insertNewJobs(batch: NewJobBatch, options?: InsertOptions): Promise<InsertManyResult> {
    const jobs = new Array<Job>(batch.length);
    for (let index = 0; index < batch.length; index++) jobs[index] = batch.job(index);
    return this.insertMany(jobs, options);
  }

  async insertMany(jobs: readonly Job[], _options?: InsertOptions): Promise<InsertManyResult> {
    // All or nothing: every id is checked before anything is inserted, and each insert below does
    // all its work before the next starts (see the class comment).
    for (let index = 0; index < jobs.length; index++) {
      if (this.jobs.has(jobs[index]!.id)) {
        throw new JobValidationError(`jobs[${index}].id`, `a job with id ${jobs[index]!.id} already exists; generate a fresh id per job.`);
      }
    }
    const answers = jobs.map((job) => this.insert(job));
    return { results: await Promise.all(answers) };
  }

  async get(id: string, options?: ReadOptions): Promise<Job | null> {
    const { scope, plan } = checkReadOptions(options);
    const row = this.jobs.get(id);
    return row === undefined || !inReadScope(row, scope) ? null : toJob(row, plan);
  }

  async transition(id: string, expected: Expectation, patch: JobPatch): Promise<TransitionResult> {
    const row = this.jobs.get(id);
    if (row === undefined) return { ok: false, reason: 'not_found' };
    if (!matches(row, expected)) return { ok: false, reason: 'conflict', current: toJob(row) };

    const from = row.status;
    const to = patch.status ?? from;
    const wasActive = !isTerminal(from);
    const willBeActive = !isTerminal(to);
    if (row.key !== null && !wasActive && willBeActive) {
      // A manual retry takes the dedupe key back; if another active job holds it meanwhile, the
      // retry would create a second active job with the key in its scope; say who holds it.
      const holder = this.keys.get(dedupeKey(row, row.key));
      const holderRow = holder !== undefined && holder !== id ? this.jobs.get(holder) : undefined;
      if (holderRow !== undefined) return { ok: false, reason: 'duplicate_key', holder: toJob(holderRow) };
    }

    const previousRunAt = row.runAt;
    applyPatch(row, patch);

    if (row.key !== null && wasActive !== willBeActive) {
      const indexKey = dedupeKey(row, row.key);
      if (willBeActive) this.keys.set(indexKey, id);
      else if (this.keys.get(indexKey) === id) this.keys.delete(indexKey);
    }
    if (from !== to) {
      if (from === 'running') this.running.delete(id);
      else if (to === 'running') this.running.add(id);
      if (!wasActive) this.finished.delete(id);
      else if (!willBeActive) this.finished.add(id);
    }
    const wasClaimable = isClaimable(from);
    const isNowClaimable = isClaimable(to);
    if (isNowClaimable && (!wasClaimable || row.runAt !== previousRunAt)) {
      if (wasClaimable) this.queues.get(row.type)?.markStale(row.priority);
      this.enqueue(row);
      this.wake(row.type);
    } else if (wasClaimable && !isNowClaimable) {
      this.queues.get(row.type)?.markStale(row.priority);
    }
    this.changes.changed(row);
    return { ok: true, job: toJob(row) };
  }

  async claim(request: ClaimRequest): Promise<Job[]> {
    const now = request.now.getTime();
    const expiresAt = request.leaseExpiresAt.getTime();
    const owner = request.owner;

    const claimed: Job[] = [];
    const plans = new Map<string, TypePlan>();
    const sources = new Map<string, GroupQueues>();
    for (const type of Object.keys(request.limits)) {
      const requested = request.limits[type]!;
      const queue = this.queues.get(type);
      const plan = this.flow.plan(type, requested, now, () => this.runningByGroup(type));
      if (plan === null) {
        this.groupQueues.delete(type);
        plans.set(type, { limit: requested });
        if (queue !== undefined) sources.set(type, new Map([[null, queue]]));
      } else {
        plans.set(type, plan);
        if (queue !== undefined && plan.limit > 0) sources.set(type, this.groupQueuesOf(type, queue));
      }
    }
    takeDue(sources, plans, request.limit, now, (row) => {
      row.status = 'running';
      row.attempt += 1;
      row.leaseOwner = owner;
      row.leaseExpiresAt = expiresAt;
      row.startedAt = now;
      row.updatedAt = now;
      this.running.add(row.id);
      this.flow.recordStart(row.type, row.group, now);
      this.changes.changed(row);
      claimed.push(toJob(row));
    });
    for (const type of sources.keys()) {
      if (this.queues.get(type)?.empty === true) this.queues.delete(type);
      const groups = this.groupQueues.get(type);
      if (groups !== undefined) for (const [group, queue] of groups) if (queue.empty) groups.delete(group);
    }
    return claimed;
  }

  async heartbeat(owner: string, ids: readonly string[], expiresAt: Date): Promise<string[]> {
    const until = expiresAt.getTime();
    const held: string[] = [];
    const seen = ids.length > 1 ? new Set<string>() : undefined;
    for (const id of ids) {
      if (seen !== undefined) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      const row = this.jobs.get(id);
      if (row === undefined || row.status !== 'running' || row.leaseOwner !== owner) continue;
      row.leaseExpiresAt = until;
      held.push(id);
    }
    return held;
  }

  async findExpired(now: Date, limit: number): Promise<Job[]> {
    const at = now.getTime();
    const expired: Row[] = [];
    for (const id of this.running) {
      const row = this.jobs.get(id)!;
      if (row.leaseOwner !== null && row.leaseExpiresAt < at) expired.push(row);
    }
    expired.sort((a, b) => a.leaseExpiresAt - b.leaseExpiresAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const answer = new Array<Job>(Math.min(limit, expired.length));
    for (let i = 0; i < answer.length; i++) answer[i] = toJob(expired[i]!);
    return answer;
  }

  async updateProgress(id: string, patch: ProgressPatch, owner?: string | null, attempt?: number): Promise<boolean> {
    const updatedAt = patch.updatedAt.getTime();
    const row = this.jobs.get(id);
    if (row === undefined || row.status !== 'running') return false;
    if (owner != null && row.leaseOwner !== owner) return false;
    if (attempt != null && row.attempt !== attempt) return false;
    if (patch.progress !== undefined) row.progress = patch.progress;
    if (patch.stage !== undefined) row.stage = patch.stage;
    if (patch.current !== undefined) row.current = patch.current;
    if (patch.total !== undefined) row.total = patch.total;
    row.updatedAt = updatedAt;
    this.changes.changed(row);
    return true;
  }

  async incrementMetrics(
    id: string,
    deltas: Readonly<Record<string, number>>,
    updatedAt: Date,
    owner?: string | null,
    attempt?: number,
  ): Promise<Record<string, number> | null | 'finished' | 'stale'> {
    const at = updatedAt.getTime();
    const leaseOwner = owner ?? undefined;
    const fence = attempt ?? undefined;
    const names = Object.keys(deltas);
    const row = this.jobs.get(id);
    if (row === undefined) return null;
    if (isTerminal(row.status)) return 'finished';
    if (
      (leaseOwner !== undefined || fence !== undefined) &&
      (row.status !== 'running' ||
        (leaseOwner !== undefined && row.leaseOwner !== leaseOwner) ||
        (fence !== undefined && row.attempt !== fence))
    ) {
      // A fenced write from an attempt that is no longer the job's running one.
      return 'stale';
    }
    row.metrics ??= {};
    const metrics = row.metrics;
    // All or nothing: every sum is checked before any is written.
    for (const name of names) {
      if (!Number.isFinite((getOwn(metrics, name) ?? 0) + deltas[name]!)) throw metricOverflowError(name);
    }
    for (const name of names) addOwn(metrics, name, deltas[name]!);
    row.updatedAt = at;
    this.changes.changed(row);
    return cloneMetrics(metrics);
  }

  async query(filter: StoreQuery): Promise<StoreQueryResult> {
    const limit = filter.limit;
    const plan = toReadPlan(filter.read);
    const test = compileFilter(filter);
    const ids = this.candidateIds(filter);
    const oldest = filter.order === 'oldest';
    // Newest first walks down from below the cursor; oldest first walks up from above it.
    let index: number;
    if (filter.cursor === undefined) index = oldest ? 0 : ids.length - 1;
    else {
      const at = lowerBound(ids, filter.cursor);
      index = oldest ? (ids[at] === filter.cursor ? at + 1 : at) : at - 1;
    }
    const step = oldest ? 1 : -1;
    const page: Job[] = [];
    let more = false;
    for (; index >= 0 && index < ids.length; index += step) {
      const row = this.jobs.get(ids[index]!)!;
      if (!test(row)) continue;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(toJob(row, plan));
    }
    return { jobs: page, nextCursor: more ? page[page.length - 1]!.id : null };
  }

  async count(filter: StoreFilter): Promise<StatusCount[]> {
    const test = compileFilter(filter);
    const counts = new Map<string, StatusCount>();
    for (const id of this.candidateIds(filter)) {
      const row = this.jobs.get(id)!;
      if (!test(row)) continue;
      const bucket = `${row.type}\u0000${row.status}`;
      const entry = counts.get(bucket);
      if (entry === undefined) counts.set(bucket, { type: row.type, status: row.status, count: 1 });
      else entry.count++;
    }
    return [...counts.values()].sort((a, b) =>
      a.type < b.type ? -1 : a.type > b.type ? 1 : a.status < b.status ? -1 : a.status > b.status ? 1 : 0,
    );
  }

  async sumMetrics(filter: StoreFilter): Promise<Record<string, number>> {
    const test = compileFilter(filter);
    const sums: Record<string, number> = {};
    for (const id of this.candidateIds(filter)) {
      const row = this.jobs.get(id)!;
      const metrics = row.metrics;
      if (metrics === null || !test(row)) continue;
      for (const name of Object.keys(metrics)) addOwn(sums, name, metrics[name]!);
    }
    return sums;
  }

  async activity(query: ActivityQuery): Promise<ActivityBucket[]> {
    const test = compileFilter(query.filter);
    const since = query.since.getTime();
    const until = query.until.getTime();
    const { bucketMs } = query;
    const buckets = new Map<number, ActivityBucket & { waitSum: number }>();
    const bucketAt = (time: number): (ActivityBucket & { waitSum: number }) | undefined => {
      if (time < since || time >= until) return undefined;
      const start = since + Math.floor((time - since) / bucketMs) * bucketMs;
      let bucket = buckets.get(start);
      if (bucket === undefined) {
        bucket = { start: new Date(start), started: 0, completed: 0, failed: 0, waitMsAvg: null, waitMsMax: null, waitSum: 0 };
        buckets.set(start, bucket);
      }
      return bucket;
    };
    for (const id of this.candidateIds(query.filter)) {
      const row = this.jobs.get(id)!;
      if (!test(row)) continue;
      if (row.startedAt !== null) {
        const bucket = bucketAt(row.startedAt);
        if (bucket !== undefined) {
          const wait = Math.max(0, row.startedAt - row.runAt);
          bucket.started++;
          bucket.waitSum += wait;
          bucket.waitMsMax = Math.max(bucket.waitMsMax ?? 0, wait);
        }
      }
      if (row.finishedAt !== null && (row.status === 'completed' || row.status === 'failed')) {
        const bucket = bucketAt(row.finishedAt);
        if (bucket !== undefined) bucket[row.status]++;
      }
    }
    return [...buckets.values()]
      .sort((a, b) => a.start.getTime() - b.start.getTime())
      .map(({ waitSum, ...bucket }) => ({ ...bucket, waitMsAvg: bucket.started === 0 ? null : waitSum / bucket.started }));
  }

  async prune(request: PruneRequest): Promise<number> {
    const limit = request.limit ?? DEFAULT_PRUNE_LIMIT;
    const cutOffs = new Map<JobStatus, number>();
    for (const [status, date] of Object.entries(request.before ?? {})) {
      if (date !== undefined) cutOffs.set(status as JobStatus, date.getTime());
    }
    if (cutOffs.size === 0) return 0;

    const doomed: Row[] = [];
    for (const id of this.finished) {
      const row = this.jobs.get(id)!;
      const cutOff = cutOffs.get(row.status);
      if (cutOff !== undefined && row.finishedAt !== null && row.finishedAt < cutOff) doomed.push(row);
    }
    if (doomed.length > limit) {
      // Oldest first, so repeated bounded calls make steady progress through the backlog.
      doomed.sort((a, b) => a.finishedAt! - b.finishedAt! || (a.id < b.id ? -1 : 1));
      doomed.length = limit;
    }
    if (doomed.length === 0) return 0;
    for (const row of doomed) {
      this.jobs.delete(row.id);
      this.finished.delete(row.id);
      if (row.parentId !== null) {
        const set = this.children.get(row.parentId);
        set?.delete(row.id);
        if (set?.size === 0) this.children.delete(row.parentId);
      }
    }
    this.ids = this.ids.filter((id) => this.jobs.has(id));
    return doomed.length;
  }

  subscribe(listener: (event: StoreWakeEvent) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  subscribeChanges(listener: JobChangeListener): () => void {
    return this.changes.subscribe(listener);
  }

  async insertSchedule(record: ScheduleRecord): Promise<ScheduleInsertResult> {
    const result = this.schedules.insert(record);
    if (result.ok) this.listeners.wakeSchedule(record.name);
    return result;
  }

  async getSchedule(name: string): Promise<ScheduleRecord | null> {
    return this.schedules.get(name);
  }

  async listSchedules(query: ScheduleQuery): Promise<ScheduleRecord[]> {
    return this.schedules.list(query);
  }

  async dueSchedules(now: Date, limit: number): Promise<ScheduleRecord[]> {
    return this.schedules.due(now, limit);
  }

  async nextScheduleRunAt(): Promise<Date | null> {
    return this.schedules.nextRunAt();
  }

  async updateSchedule(name: string, expectedVersion: number, patch: SchedulePatch): Promise<ScheduleUpdateResult> {
    const result = this.schedules.update(name, expectedVersion, patch);
    if (result.ok) this.listeners.wakeSchedule(name);
    return result;
  }

  async deleteSchedule(name: string, expectedVersion?: number): Promise<boolean> {
    const deleted = this.schedules.delete(name, expectedVersion);
    if (deleted) this.listeners.wakeSchedule(name);
    return deleted;
  }

  async getTypeControl(type: string): Promise<TypeControl | null> {
    return this.flow.get(type);
  }

  async listTypeControls(): Promise<TypeControl[]> {
    return this.flow.list();
  }

  async putTypeControl(control: TypeControl, expectedVersion: number | null): Promise<TypeControlWrite> {
    const result = this.flow.put(control, expectedVersion);
    if (result.ok) this.wake(control.type);
    return result;
  }

  async countStarts(type: string, since: Date, group?: string | null): Promise<number> {
    return this.flow.countStarts(type, since.getTime(), group);
  }

  /** Every rejection is a jobtrail error already: `guardStore` passes its promises through. */
  readonly mapsErrors = true;

  /** True once `close()` has been called (the data is gone; see `guardStore`). */
  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.listeners.clear();
    this.changes.clear();
    this.jobs.clear();
    this.ids = [];
    this.keys.clear();
    this.queues.clear();
    this.groupQueues.clear();
    this.running.clear();
    this.finished.clear();
    this.children.clear();
    this.schedules.clear();
    this.flow.clear();
  }

  private addId(id: string): void {
    const ids = this.ids;
    if (ids.length === 0 || ids[ids.length - 1]! < id) ids.push(id);
    else ids.splice(lowerBound(ids, id), 0, id);
  }

  private enqueue(row: Row): void {
    row.seq = this.nextSeq++;
    let queue = this.queues.get(row.type);
    if (queue === undefined) {
      queue = new TypeQueue(this.isValidEntry);
      this.queues.set(row.type, queue);
    }
    const entry: QueueEntry = { runAt: row.runAt, id: row.id, seq: row.seq, row };
    queue.add(row.priority, entry);
    const groups = this.groupQueues.get(row.type);
    if (groups !== undefined) groupQueue(groups, row.group, this.isValidEntry).add(row.priority, entry);
  }

  /**
   * The type's claimable jobs by group, built from its queue on the first claim that serves groups.
   * Both hold the same entries: a job taken through one is a stale entry in the other, dropped
   * when it comes to the top (see `TypeQueue`).
   */
  private groupQueuesOf(type: string, queue: TypeQueue): GroupQueues {
    let groups = this.groupQueues.get(type);
    if (groups === undefined) {
      groups = new Map();
      for (const { priority, entry } of queue.liveEntries()) groupQueue(groups, entry.row.group, this.isValidEntry).add(priority, entry);
      this.groupQueues.set(type, groups);
    }
    return groups;
  }


  /** The running jobs of `type`, counted per group. */
  private runningByGroup(type: string): Map<string | null, number> {
    const counts = new Map<string | null, number>();
    for (const id of this.running) {
      const row = this.jobs.get(id)!;
      if (row.type === type) counts.set(row.group, (counts.get(row.group) ?? 0) + 1);
    }
    return counts;
  }

  /** Ascending ids worth testing against `filter`: a parent's children when it names one. */
  private candidateIds(filter: StoreFilter): readonly string[] {
    // Running jobs only (flow control's counts, read by every tracker.get of a held job): the
    // running set, not every stored id.
    if (filter.parentId == null && filter.status?.length === 1 && filter.status[0] === 'running') return [...this.running].sort();
    if (filter.parentId == null) return this.ids;
    const set = this.children.get(filter.parentId);
    return set === undefined ? [] : [...set].sort();
  }

  private wake(type: string): void {
    this.listeners.wake(type);
  }
}

function groupQueue(groups: GroupQueues, group: string | null, isValid: (entry: QueueEntry) => boolean): TypeQueue {
  let queue = groups.get(group);
  if (queue === undefined) {
    queue = new TypeQueue(isValid);
    groups.set(group, queue);
  }
  return queue;
}
