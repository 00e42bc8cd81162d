import { JobValidationError, StoreError } from '../errors/jobtrail-error.js';
import type { Job, JobError, JobHistoryEntry } from '../model/job.js';
import { isJobStatus, isTerminal, type JobStatus } from '../model/job-status.js';
import type {
  ClaimRequest,
  Expectation,
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
import { metricOverflowError, refusePartialJob } from '../store/store-refusals.js';
import { addOwn, getOwn, setOwn } from '../util/own-property.js';
import { checkReadOptions, inReadScope, toReadPlan } from '../store/field-reads.js';
import { isUuid } from '../util/uuid-v7.js';
import { TypeQueue, type DueEntry, type QueueEntry } from './claim-queue.js';
import { cloneError, cloneMetrics, cloneValue, rowErrors, rowHistory, rowMetrics, toJob, toRow, type Row } from './clone.js';

export interface MemoryJobStoreOptions {
  /** Shown in error messages, to tell several stores of one process apart. */
  name?: string;
}

const MAX_QUERY_LIMIT = 1000;
const DEFAULT_PRUNE_LIMIT = 1000;

function isClaimable(status: JobStatus): boolean {
  return status === 'queued' || status === 'retrying';
}

/**
 * The dedupe index key: a key is unique per (type, tenant, owner), with `null` ("no tenant", "no
 * owner") a value of its own. JSON keeps the four parts apart whatever text they hold.
 */
function dedupeKey(row: { type: string; tenantId: string | null; ownerId: string | null }, key: string): string {
  return JSON.stringify([row.type, row.tenantId, row.ownerId, key]);
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function requireDate(field: string, value: unknown): Date {
  if (!isValidDate(value)) throw new JobValidationError(field, 'must be a valid Date.');
  return value;
}

function requireCount(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new JobValidationError(field, `must be a non-negative integer; got ${String(value)}.`);
  }
  return value;
}

/** The attempt fence of a progress or metrics write: absent (or null) means no fence. */
function optionalAttempt(value: unknown): number | undefined {
  return value == null ? undefined : requireCount('attempt', value);
}

/** The owner fence of a progress or metrics write: absent or null means no owner check. */
function optionalOwner(value: unknown): string | undefined {
  if (value == null) return undefined;
  if (typeof value !== 'string') throw new JobValidationError('owner', `must be a string or null; got ${typeof value}.`);
  return value;
}

/** First index in ascending `ids` whose id is >= `id`. */
function lowerBound(ids: readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ids[mid]! < id) low = mid + 1;
    else high = mid;
  }
  return low;
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
 * events are coalesced to one per type per microtask; after `close()` every call rejects with
 * `StoreError` and the data is dropped.
 */
export class MemoryJobStore implements JobStore {
  readonly name: string;

  private readonly jobs = new Map<string, Row>();
  /** Every stored id, ascending (ids are UUIDv7, so this is creation order). */
  private ids: string[] = [];
  /** {@link dedupeKey} → id of the non-finished job holding that key in its type, tenant and owner. */
  private readonly keys = new Map<string, string>();
  private readonly queues = new Map<string, TypeQueue>();
  /** Ids of running jobs: what `findExpired` looks through. */
  private readonly running = new Set<string>();
  /** Ids of terminal jobs: what `prune` looks through. */
  private readonly finished = new Set<string>();
  private readonly children = new Map<string, Set<string>>();
  private readonly listeners = new Set<(event: StoreWakeEvent) => void>();
  private pendingWake: Set<string> | null = null;
  private closed = false;
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
    this.assertOpen();
    validateJob(job);
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
    const row = toRow(job);
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
    return { job: toJob(row), created: true };
  }

  async get(id: string, options?: ReadOptions): Promise<Job | null> {
    this.assertOpen();
    const { scope, plan } = checkReadOptions(options);
    const row = this.jobs.get(id);
    return row === undefined || !inReadScope(row, scope) ? null : toJob(row, plan);
  }

  async transition(id: string, expected: Expectation, patch: JobPatch): Promise<TransitionResult> {
    this.assertOpen();
    validatePatch(patch);
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
    return { ok: true, job: toJob(row) };
  }

  async claim(request: ClaimRequest): Promise<Job[]> {
    this.assertOpen();
    const now = requireDate('now', request.now).getTime();
    const expiresAt = requireDate('leaseExpiresAt', request.leaseExpiresAt).getTime();
    let total = requireCount('limit', request.limit);
    const owner = request.owner;
    if (typeof owner !== 'string' || owner === '') throw new JobValidationError('owner', 'must be a non-empty string.');

    // Per type: what may still be claimed, and its best due candidate.
    const remaining = new Map<string, number>();
    const candidates = new Map<string, DueEntry>();
    for (const type of Object.keys(request.limits)) {
      const limit = requireCount(`limits.${type}`, request.limits[type]);
      const queue = this.queues.get(type);
      if (limit === 0 || queue === undefined) continue;
      const due = queue.peekDue(now);
      if (due === undefined) continue;
      remaining.set(type, limit);
      candidates.set(type, due);
    }

    const claimed: Job[] = [];
    while (total > 0 && candidates.size > 0) {
      let bestType = '';
      let best: DueEntry | undefined;
      for (const [type, candidate] of candidates) {
        if (best === undefined || ranksBefore(candidate, best)) {
          best = candidate;
          bestType = type;
        }
      }
      if (best === undefined) break;
      const queue = this.queues.get(bestType)!;
      queue.take(best.priority);
      const row = best.entry.row;
      row.status = 'running';
      row.attempt += 1;
      row.leaseOwner = owner;
      row.leaseExpiresAt = expiresAt;
      row.startedAt = now;
      row.updatedAt = now;
      this.running.add(row.id);
      claimed.push(toJob(row));
      total--;

      const left = remaining.get(bestType)! - 1;
      const next = left > 0 ? queue.peekDue(now) : undefined;
      if (next === undefined) {
        candidates.delete(bestType);
        if (queue.empty) this.queues.delete(bestType);
      } else {
        remaining.set(bestType, left);
        candidates.set(bestType, next);
      }
    }
    return claimed;
  }

  async heartbeat(owner: string, ids: readonly string[], expiresAt: Date): Promise<string[]> {
    this.assertOpen();
    const until = requireDate('expiresAt', expiresAt).getTime();
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
    this.assertOpen();
    const at = requireDate('now', now).getTime();
    requireCount('limit', limit);
    if (limit === 0) return [];
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
    this.assertOpen();
    const updatedAt = requireDate('updatedAt', patch.updatedAt).getTime();
    if (patch.progress !== undefined && (typeof patch.progress !== 'number' || !Number.isFinite(patch.progress))) {
      throw new JobValidationError('progress', `must be a finite number; got ${String(patch.progress)}.`);
    }
    const leaseOwner = optionalOwner(owner);
    const fence = optionalAttempt(attempt);
    const row = this.jobs.get(id);
    if (row === undefined || row.status !== 'running') return false;
    if (leaseOwner !== undefined && row.leaseOwner !== leaseOwner) return false;
    if (fence !== undefined && row.attempt !== fence) return false;
    if (patch.progress !== undefined) row.progress = patch.progress;
    if (patch.stage !== undefined) row.stage = patch.stage;
    if (patch.current !== undefined) row.current = patch.current;
    if (patch.total !== undefined) row.total = patch.total;
    row.updatedAt = updatedAt;
    return true;
  }

  async incrementMetrics(
    id: string,
    deltas: Readonly<Record<string, number>>,
    updatedAt: Date,
    owner?: string | null,
    attempt?: number,
  ): Promise<Record<string, number> | null | 'finished' | 'stale'> {
    this.assertOpen();
    const at = requireDate('updatedAt', updatedAt).getTime();
    const leaseOwner = optionalOwner(owner);
    const fence = optionalAttempt(attempt);
    if (deltas === null || typeof deltas !== 'object') throw new JobValidationError('deltas', 'must be an object of numbers.');
    const names = Object.keys(deltas);
    for (const name of names) {
      const delta = deltas[name];
      if (typeof delta !== 'number' || !Number.isFinite(delta)) {
        throw new JobValidationError(`deltas.${name}`, `must be a finite number; got ${String(delta)}.`);
      }
    }
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
    const totals = names.map((name) => {
      const total = (getOwn(metrics, name) ?? 0) + deltas[name]!;
      if (!Number.isFinite(total)) throw metricOverflowError(name);
      return total;
    });
    for (const [index, name] of names.entries()) setOwn(metrics, name, totals[index]);
    row.updatedAt = at;
    return cloneMetrics(metrics);
  }

  async query(filter: StoreQuery): Promise<StoreQueryResult> {
    this.assertOpen();
    const limit = filter.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
      throw new JobValidationError('limit', `must be an integer from 1 to ${MAX_QUERY_LIMIT}; got ${String(limit)}.`);
    }
    if (filter.cursor !== undefined && !isUuid(filter.cursor)) {
      throw new JobValidationError('cursor', 'must be the nextCursor of a previous page (a job id).');
    }
    const plan = toReadPlan(filter.read);
    const test = compileFilter(filter);
    const ids = this.candidateIds(filter);
    let index = (filter.cursor === undefined ? ids.length : lowerBound(ids, filter.cursor)) - 1;
    const page: Job[] = [];
    let more = false;
    for (; index >= 0; index--) {
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
    this.assertOpen();
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
    this.assertOpen();
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

  async prune(request: PruneRequest): Promise<number> {
    this.assertOpen();
    const limit = request.limit ?? DEFAULT_PRUNE_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new JobValidationError('limit', `must be a positive integer; got ${String(limit)}.`);
    }
    const cutOffs = new Map<JobStatus, number>();
    for (const [status, date] of Object.entries(request.before ?? {})) {
      if (date === undefined) continue;
      if (!isJobStatus(status) || !isTerminal(status)) {
        throw new JobValidationError(`before.${status}`, 'only terminal statuses (completed, failed, skipped, cancelled) can be pruned.');
      }
      cutOffs.set(status, requireDate(`before.${status}`, date).getTime());
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
    this.assertOpen();
    const wrapped = (event: StoreWakeEvent): void => listener(event);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.pendingWake = null;
    this.jobs.clear();
    this.ids = [];
    this.keys.clear();
    this.queues.clear();
    this.running.clear();
    this.finished.clear();
    this.children.clear();
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new StoreError(`The memory job store "${this.name}" is closed; create a new store to keep working.`);
    }
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
    queue.add(row.priority, { runAt: row.runAt, id: row.id, seq: row.seq, row });
  }

  /** Ascending ids worth testing against `filter`: a parent's children when it names one. */
  private candidateIds(filter: StoreFilter): readonly string[] {
    if (filter.parentId == null) return this.ids;
    const set = this.children.get(filter.parentId);
    return set === undefined ? [] : [...set].sort();
  }

  private wake(type: string): void {
    if (this.listeners.size === 0) return;
    if (this.pendingWake !== null) {
      this.pendingWake.add(type);
      return;
    }
    const pending = new Set([type]);
    this.pendingWake = pending;
    queueMicrotask(() => {
      if (this.pendingWake === pending) this.pendingWake = null;
      for (const wakeType of pending) {
        for (const listener of [...this.listeners]) {
          try {
            listener({ type: wakeType });
          } catch {
            // A failing listener must not break the store or the other listeners; there is no
            // caller to report to from a microtask.
          }
        }
      }
    });
  }
}

function ranksBefore(a: DueEntry, b: DueEntry): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.entry.runAt !== b.entry.runAt) return a.entry.runAt < b.entry.runAt;
  return a.entry.id < b.entry.id;
}

function matches(row: Row, expected: Expectation): boolean {
  const status = expected.status;
  if (status !== undefined) {
    if (typeof status === 'string' ? row.status !== status : !status.includes(row.status)) return false;
  }
  if (expected.leaseOwner !== undefined && row.leaseOwner !== expected.leaseOwner) return false;
  if (expected.attempt !== undefined && row.attempt !== expected.attempt) return false;
  if (
    expected.leaseExpiresBefore !== undefined &&
    (row.leaseOwner === null || !(row.leaseExpiresAt < expected.leaseExpiresBefore.getTime()))
  ) {
    return false;
  }
  return true;
}

function applyPatch(row: Row, patch: JobPatch): void {
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.attempt !== undefined) row.attempt = patch.attempt;
  if (patch.maxAttempts !== undefined) row.maxAttempts = patch.maxAttempts;
  if (patch.runAt !== undefined) row.runAt = patch.runAt.getTime();
  if (patch.lease !== undefined) {
    row.leaseOwner = patch.lease === null ? null : patch.lease.owner;
    row.leaseExpiresAt = patch.lease === null ? 0 : patch.lease.expiresAt.getTime();
  }
  if (patch.progress !== undefined) row.progress = patch.progress;
  if (patch.stage !== undefined) row.stage = patch.stage;
  if (patch.current !== undefined) row.current = patch.current;
  if (patch.total !== undefined) row.total = patch.total;
  if (patch.result !== undefined) row.result = cloneValue(patch.result);
  if (patch.note !== undefined) row.note = patch.note;
  if (patch.error !== undefined) row.error = cloneError(patch.error);
  if (patch.errors !== undefined) row.errors = rowErrors(patch.errors);
  if (patch.history !== undefined) row.history = rowHistory(patch.history);
  if (patch.metrics !== undefined) row.metrics = rowMetrics(patch.metrics);
  if (patch.startedAt !== undefined) row.startedAt = patch.startedAt === null ? null : patch.startedAt.getTime();
  if (patch.finishedAt !== undefined) row.finishedAt = patch.finishedAt === null ? null : patch.finishedAt.getTime();
  row.updatedAt = patch.updatedAt.getTime();
}

/**
 * Guards against records no database would accept (a store never decides lifecycle rules, but it
 * must not hold a status outside the canonical list or a time that is not a time).
 */
function validateJob(job: Job): void {
  if (job === null || typeof job !== 'object') throw new JobValidationError('job', 'must be a job record.');
  if (!isUuid(job.id)) throw new JobValidationError('id', `must be a lowercase UUID (use uuidv7()); got ${String(job.id)}.`);
  refusePartialJob(job);
  if (typeof job.type !== 'string' || job.type === '') throw new JobValidationError('type', 'must be a non-empty string.');
  if (!isJobStatus(job.status)) throw new JobValidationError('status', `must be a canonical status; got ${String(job.status)}.`);
  if (typeof job.priority !== 'number' || !Number.isFinite(job.priority)) {
    throw new JobValidationError('priority', `must be a finite number; got ${String(job.priority)}.`);
  }
  requireDate('runAt', job.runAt);
  requireDate('createdAt', job.createdAt);
  requireDate('updatedAt', job.updatedAt);
  if (job.lease != null) requireDate('lease.expiresAt', job.lease.expiresAt);
  if (job.metrics != null) validateMetrics('metrics', job.metrics);
  if (job.history != null) validateHistory('history', job.history);
}

function validateMetrics(field: string, metrics: unknown): void {
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
    throw new JobValidationError(field, 'must be an object of numbers.');
  }
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new JobValidationError(`${field}.${name}`, `must be a finite number; got ${String(value)}.`);
    }
  }
}

function requireObject(field: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new JobValidationError(field, 'must be an object.');
  return value as Record<string, unknown>;
}

function optionalText(field: string, value: unknown): void {
  if (value != null && typeof value !== 'string') throw new JobValidationError(field, `must be a string or null; got ${typeof value}.`);
}

function validateError(field: string, value: unknown): void {
  const error = requireObject(field, value) as Partial<JobError>;
  if (typeof error.message !== 'string') throw new JobValidationError(`${field}.message`, 'must be a string.');
  if (typeof error.retryable !== 'boolean') throw new JobValidationError(`${field}.retryable`, 'must be a boolean.');
  requireCount(`${field}.attempt`, error.attempt);
  requireDate(`${field}.at`, error.at);
}

/**
 * A history is a list of attempt and retry entries; their times must be times (they are copied
 * as Dates) and their metrics finite numbers, like the job's own.
 */
function validateHistory(field: string, history: unknown): asserts history is JobHistoryEntry[] {
  if (!Array.isArray(history)) throw new JobValidationError(field, 'must be a list of history entries.');
  for (let index = 0; index < history.length; index++) {
    const name = `${field}[${index}]`;
    const entry = requireObject(name, history[index]);
    if (entry['kind'] === 'retry') {
      requireDate(`${name}.at`, entry['at']);
      requireCount(`${name}.afterAttempt`, entry['afterAttempt']);
    } else if (entry['kind'] === 'attempt') {
      requireCount(`${name}.attempt`, entry['attempt']);
      optionalText(`${name}.owner`, entry['owner']);
      if (entry['startedAt'] != null) requireDate(`${name}.startedAt`, entry['startedAt']);
      requireDate(`${name}.finishedAt`, entry['finishedAt']);
      if (typeof entry['outcome'] !== 'string' || entry['outcome'] === '') {
        throw new JobValidationError(`${name}.outcome`, 'must be a non-empty string.');
      }
      if (entry['error'] != null) validateError(`${name}.error`, entry['error']);
      const progress = entry['progress'];
      if (typeof progress !== 'number' || !Number.isFinite(progress)) {
        throw new JobValidationError(`${name}.progress`, `must be a finite number; got ${String(progress)}.`);
      }
      optionalText(`${name}.stage`, entry['stage']);
      validateMetrics(`${name}.metrics`, entry['metrics']);
    } else {
      throw new JobValidationError(`${name}.kind`, `must be 'attempt' or 'retry'; got ${String(entry['kind'])}.`);
    }
  }
}

function validatePatch(patch: JobPatch): void {
  if (patch === null || typeof patch !== 'object') throw new JobValidationError('patch', 'must be an object.');
  if (patch.status !== undefined && !isJobStatus(patch.status)) {
    throw new JobValidationError('status', `must be a canonical status; got ${String(patch.status)}.`);
  }
  requireDate('updatedAt', patch.updatedAt);
  if (patch.runAt !== undefined) requireDate('runAt', patch.runAt);
  if (patch.lease != null) requireDate('lease.expiresAt', patch.lease.expiresAt);
  if (patch.history !== undefined) validateHistory('history', patch.history);
  if (patch.metrics !== undefined) validateMetrics('metrics', patch.metrics);
}

function compileFilter(filter: StoreFilter): (row: Row) => boolean {
  const statuses = filter.status === undefined ? undefined : new Set<string>(filter.status);
  if (statuses !== undefined) {
    for (const status of statuses) {
      if (!isJobStatus(status)) throw new JobValidationError('status', `unknown status ${JSON.stringify(status)}.`);
    }
  }
  const types = filter.type === undefined ? undefined : new Set<string>(filter.type);
  const { tenantId, ownerId, parentId } = filter;
  const createdAfter = filter.createdAfter === undefined ? undefined : requireDate('createdAfter', filter.createdAfter).getTime();
  const createdBefore =
    filter.createdBefore === undefined ? undefined : requireDate('createdBefore', filter.createdBefore).getTime();
  const activeSince = filter.activeSince === undefined ? undefined : requireDate('activeSince', filter.activeSince).getTime();
  return (row) => {
    if (statuses !== undefined && !statuses.has(row.status)) return false;
    if (types !== undefined && !types.has(row.type)) return false;
    if (tenantId !== undefined && row.tenantId !== tenantId) return false;
    if (ownerId !== undefined && row.ownerId !== ownerId) return false;
    if (parentId !== undefined && row.parentId !== parentId) return false;
    if (createdAfter !== undefined && row.createdAt < createdAfter) return false;
    if (createdBefore !== undefined && row.createdAt >= createdBefore) return false;
    if (activeSince !== undefined && isTerminal(row.status) && (row.finishedAt === null || row.finishedAt < activeSince)) {
      return false;
    }
    return true;
  };
}
