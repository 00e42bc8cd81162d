import { StoreError } from '../errors/jobtrail-error.js';
import type { Job, WaitingFor } from '../model/job.js';
import { JOB_STATUSES, type JobStatus } from '../model/job-status.js';
import { keepsFlowControl } from '../store/guarded-store.js';
import { assertJobType } from '../tracker/validate-input.js';
import { controlsClaims, type FlowStore, type TypeControl } from '../store/flow-store.js';
import type { JobScope } from '../model/job.js';
import { toStoreFilter } from '../tracker/query-filters.js';
import type { StoreFilter } from '../store/job-store.js';
import type { JobStore } from '../store/job-store.js';
import type { ClockSync } from '../tracker/clock-sync.js';
import { readInput } from '../util/read-input.js';
import { systemClock } from '../util/clock.js';
import { checkTypeLimits, type CheckedTypeLimits, type TypeLimits } from './type-limits.js';

/** A job type as `tracker.listTypes()` and the type commands answer it. */
export interface JobTypeInfo {
  type: string;
  /** The limits every process's claim honours (`null`: none). */
  limits: CheckedTypeLimits;
  /** Paused: no worker claims its jobs; enqueue still works and running jobs finish. */
  paused: boolean;
  /** Its jobs in the store, by status. */
  counts: { total: number; byStatus: Record<JobStatus, number> };
  /** When its limits or pause last changed, or null when they never did. */
  updatedAt: Date | null;
}

/** Options of `tracker.getType()` and `listTypes()`. */
export interface TypeReadOptions {
  /** Count only this scope's jobs (and, for `listTypes`, list only its types and the controlled ones). */
  scope?: JobScope;
}

export interface TypeCommandsDeps {
  store: JobStore;
  clock: ClockSync;
}

/** Compare-and-set rounds before a command gives up (another process wrote the type each time). */
const MAX_ROUNDS = 40;
const NO_LIMITS: CheckedTypeLimits = Object.freeze({ maxRunning: null, maxRunningPerGroup: null, rateLimit: null });

/** `tracker.setTypeLimits()`, `pauseType()`, `resumeType()`, `getType()`, `listTypes()` and `waitingFor`. */
export class TypeCommands {
  constructor(private readonly deps: TypeCommandsDeps) {}

  async setLimits(type: string, limits: TypeLimits): Promise<JobTypeInfo> {
    assertJobType(type);
    const checked = readInput('limits', () => checkTypeLimits(limits));
    await this.write(type, (current) => (sameLimits(current ?? NO_LIMITS, checked) ? null : { ...checked }));
    return this.get(type);
  }

  async pause(type: string): Promise<JobTypeInfo> {
    assertJobType(type);
    await this.write(type, (current) => (current?.paused === true ? null : { paused: true }));
    return this.get(type);
  }

  async resume(type: string): Promise<JobTypeInfo> {
    assertJobType(type);
    await this.write(type, (current) => (current === null || !current.paused ? null : { paused: false }));
    return this.get(type);
  }

  /** With `scope`, the counts are of that scope's jobs only (the limits and pause are global). */
  async get(type: string, scope?: JobScope): Promise<JobTypeInfo> {
    assertJobType(type);
    const filter = scopeFilter(scope);
    const store = this.flowStore();
    const [control, counts] = await Promise.all([store.getTypeControl(type), store.count({ ...filter, type: [type] })]);
    return toInfo(type, control, counts);
  }

  /**
   * Without `scope`: every type with a control record or jobs. With it: the types the scope has
   * jobs of, counted in the scope, and the types whose claims are controlled (paused or limited),
   * so a tenant learns nothing of other tenants' types.
   */
  async list(scope?: JobScope): Promise<JobTypeInfo[]> {
    const filter = scopeFilter(scope);
    const store = this.flowStore();
    const [controls, counts] = await Promise.all([store.listTypeControls(), store.count(filter)]);
    const byType = new Map<string, TypeControl | null>();
    for (const control of controls) if (scope === undefined || controlsClaims(control)) byType.set(control.type, control);
    for (const count of counts) if (!byType.has(count.type)) byType.set(count.type, null);
    return [...byType.keys()]
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((type) => toInfo(type, byType.get(type) ?? null, counts.filter((count) => count.type === type)));
  }

  /**
   * Stores `limits` for `type` unless they are stored already; the pause stays as it is. For the
   * limits declared in `createTracker({ types })`.
   */
  async declare(type: string, limits: CheckedTypeLimits): Promise<void> {
    await this.write(type, (current) => (sameLimits(current ?? NO_LIMITS, limits) ? null : { ...limits }));
  }

  /**
   * Why `job` (due, queued or retrying) is not claimed yet, or null. Read from the store's
   * current record and counts, so it can lag the claim by what happened in between.
   */
  async waitingFor(job: Job): Promise<WaitingFor | null> {
    const store = this.deps.store;
    if (!keepsFlowControl(store) || (job.status !== 'queued' && job.status !== 'retrying')) return null;
    const now = this.deps.clock.clock.now();
    if (job.runAt.getTime() > now) return null;
    const control = await store.getTypeControl(job.type);
    if (control === null) return null;
    if (control.paused) return 'paused';
    if (control.maxRunning !== null && (await running(store, { type: [job.type] })) >= control.maxRunning) return 'maxRunning';
    if (control.maxRunningPerGroup !== null && (await running(store, { type: [job.type], group: job.group })) >= control.maxRunningPerGroup) {
      return 'group';
    }
    const rate = control.rateLimit;
    if (rate !== null) {
      const since = new Date(now - rate.intervalMs);
      const starts = await (rate.perGroup ? store.countStarts(job.type, since, job.group) : store.countStarts(job.type, since));
      if (starts >= rate.limit) return 'rateLimit';
    }
    return null;
  }

  /** Applies `decide`'s change with compare-and-set; null from `decide` means nothing to write. */
  private async write(
    type: string,
    decide: (current: TypeControl | null) => Partial<Pick<TypeControl, 'paused' | 'maxRunning' | 'maxRunningPerGroup' | 'rateLimit'>> | null,
  ): Promise<void> {
    const store = this.flowStore();
    const { clock } = this.deps;
    if (clock.pending) await clock.ready();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await store.getTypeControl(type);
      const patch = decide(current);
      if (patch === null) return;
      const now = clock.clock.now();
      const base: TypeControl = current ?? { type, ...NO_LIMITS, paused: false, version: 0, updatedAt: new Date(now) };
      const next: TypeControl = {
        ...base,
        ...patch,
        rateLimit: patch.rateLimit === undefined ? base.rateLimit : patch.rateLimit === null ? null : { ...patch.rateLimit },
        // A new record's version is its creation time, so a write based on a read of an older
        // record can never land on it (see ScheduleRecord.version).
        version: current === null ? Math.max(1, now) : current.version + 1,
        updatedAt: new Date(now),
      };
      const written = await store.putTypeControl(next, current === null ? null : current.version);
      if (written.ok) return;
      // Lost to another writer of the type: a short random wait (real time, whatever the tracker's
      // clock) spreads many writers out, so a burst of them does not exhaust the rounds.
      await new Promise<void>((resolve) => systemClock.setTimeout(() => resolve(), Math.floor(Math.random() * 5 * (round + 1))));
    }
    throw new StoreError(`The limits of job type ${JSON.stringify(type)} kept changing under this call (${MAX_ROUNDS} compare-and-set rounds lost); try again.`);
  }

  private flowStore(): JobStore & FlowStore {
    const store = this.deps.store;
    if (!keepsFlowControl(store)) {
      throw new StoreError(
        'This job store has no flow control (it implements no FlowStore methods); use a store that does, such as MemoryJobStore, PostgresJobStore or MongoJobStore.',
      );
    }
    return store;
  }
}

/** The scope as a count filter (`{}` for none). @throws {JobValidationError} for a bad scope. */
function scopeFilter(scope: JobScope | undefined): StoreFilter {
  if (scope === undefined) return {};
  // A scope alone never matches nothing (only conflicting filters do), so the fold is never null.
  return toStoreFilter({ scope }) ?? {};
}

async function running(store: JobStore, filter: { type: string[]; group?: string | null }): Promise<number> {
  const counts = await store.count({ ...filter, status: ['running'] });
  return counts.reduce((sum, count) => sum + count.count, 0);
}

function sameLimits(a: CheckedTypeLimits, b: CheckedTypeLimits): boolean {
  return (
    a.maxRunning === b.maxRunning &&
    a.maxRunningPerGroup === b.maxRunningPerGroup &&
    (a.rateLimit === null
      ? b.rateLimit === null
      : b.rateLimit !== null && a.rateLimit.limit === b.rateLimit.limit && a.rateLimit.intervalMs === b.rateLimit.intervalMs && a.rateLimit.perGroup === b.rateLimit.perGroup)
  );
}

function toInfo(type: string, control: TypeControl | null, counts: readonly { type: string; status: JobStatus; count: number }[]): JobTypeInfo {
  const byStatus = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
  let total = 0;
  for (const count of counts) {
    if (count.type !== type) continue;
    byStatus[count.status] += count.count;
    total += count.count;
  }
  const limits: CheckedTypeLimits =
    control === null
      ? NO_LIMITS
      : Object.freeze({
          maxRunning: control.maxRunning,
          maxRunningPerGroup: control.maxRunningPerGroup,
          rateLimit: control.rateLimit === null ? null : Object.freeze({ ...control.rateLimit }),
        });
  return { type, limits, paused: control?.paused ?? false, counts: { total, byStatus }, updatedAt: control?.updatedAt ?? null };
}
