import { JobValidationError } from '../errors/jobtrail-error.js';
import type { Job, JobScope } from '../model/job.js';
import type { AnyJob } from '../model/job-types.js';
import { JOB_STATUSES, TERMINAL_STATUSES, isTerminal, type JobStatus, type TerminalStatus } from '../model/job-status.js';
import { checkReadScope, toReadPlan } from '../store/field-reads.js';
import type { FieldReads, JobStore, ReadOptions } from '../store/job-store.js';
import type { Clock } from '../util/clock.js';
import { parseDuration } from '../util/duration.js';
import { readInput } from '../util/read-input.js';
import { isUuid } from '../util/uuid-v7.js';
import { checkCursor, checkPageSize, inScope, toStoreFilter, type JobFilter, type ListFilter } from './query-filters.js';
import { asInputError } from '../util/read-input.js';
import { integerOption } from './validate-input.js';

/**
 * A page of `tracker.list()`. Jobs are {@link AnyJob}: with a filled `JobTypes` registry, a union
 * narrowed by `job.type` (types only, see `RegisteredJob`). `TJob` is for core's own modules,
 * which read jobs as stored (`Job`).
 */
export interface JobPage<TJob extends Job = AnyJob> {
  jobs: TJob[];
  nextCursor: string | null;
}

export interface StatusCounts {
  total: number;
  byStatus: Record<JobStatus, number>;
}

export interface JobStats extends StatusCounts {
  byType: Record<string, StatusCounts>;
}

export interface JobRollup extends StatusCounts {
  parentId: string;
  /** Every child's metrics, summed per name. */
  metrics: Record<string, number>;
  /** True when every child finished. */
  finished: boolean;
}

export interface ActiveOptions {
  /** Finished jobs count as active this long after they finished (ms). Default 300 000 (5 min). */
  withinMs?: number;
  scope?: JobScope;
  type?: string | string[];
  /** Page size, 1..1000. Default 200. */
  limit?: number;
  read?: FieldReads;
}

export interface PruneOptions {
  /** A cut-off for every listed status, or one per status (ms or '7d'-style durations). */
  olderThanMs: number | string | Partial<Record<TerminalStatus, number | string>>;
  /** Default: every terminal status. */
  statuses?: readonly TerminalStatus[];
}

/** `read` validated (`invalid_input` when bad); undefined when absent. */
export function checkedRead(read: FieldReads | undefined): FieldReads | undefined {
  if (read === undefined) return undefined;
  toReadPlan(read);
  return read;
}

/** The store's read options for a scope and/or `read`, or undefined to read whole jobs unscoped. */
export function readOptions(scope: JobScope | undefined, read: FieldReads | undefined): ReadOptions | undefined {
  return scope || read ? { ...(scope ? { scope } : {}), ...(read ? { read } : {}) } : undefined;
}

/**
 * What a tracker answers about jobs without changing them: single jobs, pages, counts, rollups;
 * and pruning of finished ones. Every read is scoped in the store's own query, so an
 * out-of-scope job is never read, just like a missing one.
 */
export class JobQueries {
  constructor(
    private readonly store: JobStore,
    private readonly clock: Clock,
  ) {}

  async get(id: string, scope?: JobScope, read?: FieldReads): Promise<Job | null> {
    const checkedScope = scope === undefined ? undefined : checkReadScope(scope);
    checkedRead(read);
    if (!isUuid(id)) return null;
    const options = readOptions(checkedScope, read);
    const job = await (options ? this.store.get(id, options) : this.store.get(id));
    // A store that predates read options ignores the scope: never answer what it should not.
    return job && inScope(job, checkedScope) ? job : null;
  }

  async list(filter: ListFilter = {}): Promise<JobPage<Job>> {
    let limit: number;
    let cursor: string | undefined;
    let read: FieldReads | undefined;
    let order: 'newest' | 'oldest' | undefined;
    try {
      order = filter.order;
      if (order !== undefined && order !== 'newest' && order !== 'oldest') {
        throw new JobValidationError('order', `must be 'newest' or 'oldest'; got ${JSON.stringify(order)}.`);
      }
      limit = checkPageSize(filter.limit);
      cursor = checkCursor(filter.cursor);
      read = checkedRead(filter.read);
    } catch (error) {
      throw asInputError(error, 'filter');
    }
    const storeFilter = toStoreFilter(filter);
    if (!storeFilter) return { jobs: [], nextCursor: null };
    return this.store.query({ ...storeFilter, limit, ...(cursor ? { cursor } : {}), ...(read ? { read } : {}), ...(order === 'oldest' ? { order } : {}) });
  }

  async active(options: ActiveOptions = {}): Promise<Job[]> {
    const { withinMs, read, storeFilter } = readInput('options', () => ({
      withinMs: integerOption(options.withinMs, 300_000, 'withinMs', 0, 31 * 86_400_000),
      read: checkedRead(options.read),
      storeFilter: toStoreFilter({ scope: options.scope, ...(options.type ? { type: options.type } : {}) }),
    }));
    if (!storeFilter) return [];
    const limit = checkPageSize(options.limit ?? 200);
    const page = await this.store.query({
      ...storeFilter,
      activeSince: new Date(this.clock.now() - withinMs),
      limit,
      ...(read ? { read } : {}),
    });
    return page.jobs;
  }

  async stats(filter: JobFilter = {}): Promise<JobStats> {
    const storeFilter = toStoreFilter(filter);
    const stats: JobStats = { ...emptyCounts(), byType: {} };
    if (!storeFilter) return stats;
    for (const row of await this.store.count(storeFilter)) {
      let perType = stats.byType[row.type];
      if (perType === undefined) {
        perType = emptyCounts();
        stats.byType[row.type] = perType;
      }
      perType.total += row.count;
      perType.byStatus[row.status] += row.count;
      stats.total += row.count;
      stats.byStatus[row.status] += row.count;
    }
    return stats;
  }

  async rollup(parentId: string, scope?: JobScope): Promise<JobRollup> {
    if (!isUuid(parentId)) throw new JobValidationError('parentId', 'must be a job id.');
    const storeFilter = toStoreFilter({ parentId, scope });
    if (!storeFilter) return { parentId, ...emptyCounts(), metrics: {}, finished: true };
    const [counts, metrics] = await Promise.all([this.store.count(storeFilter), this.store.sumMetrics(storeFilter)]);
    const totals = emptyCounts();
    for (const row of counts) {
      totals.total += row.count;
      totals.byStatus[row.status] += row.count;
    }
    const unfinished = totals.byStatus.queued + totals.byStatus.running + totals.byStatus.retrying;
    return { parentId, ...totals, metrics, finished: unfinished === 0 };
  }

  async prune(options: PruneOptions): Promise<number> {
    const before = readInput('options', () => pruneCutoffs(options, this.clock.now()));
    let total = 0;
    const batch = 1000;
    for (;;) {
      const deleted = await this.store.prune({ before, limit: batch });
      total += deleted;
      if (deleted < batch) return total;
    }
  }
}

/** The cut-off per finished status: `olderThanMs` before `now` (ms or '7d'-style durations). */
function pruneCutoffs(options: PruneOptions, now: number): Partial<Record<TerminalStatus, Date>> {
  const statuses = options.statuses ?? TERMINAL_STATUSES;
  const before: Partial<Record<TerminalStatus, Date>> = {};
  for (const status of statuses) {
    if (!isTerminal(status)) {
      throw new JobValidationError('statuses', `only finished jobs can be pruned; "${status}" is not a finished status.`);
    }
    const age = typeof options.olderThanMs === 'object' ? options.olderThanMs[status] : options.olderThanMs;
    if (age === undefined) continue;
    before[status] = new Date(now - parseDuration(age, `olderThanMs.${status}`));
  }
  return before;
}

function emptyCounts(): StatusCounts {
  const byStatus = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
  return { total: 0, byStatus };
}
