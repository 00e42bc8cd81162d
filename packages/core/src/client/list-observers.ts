import type { ActiveJobsResponse, JobJson, JobListResponse, JobStatsResponse, ScheduleJson, ScheduleListResponse } from '../http/wire-types.js';
import { isTerminal } from '../model/job-status.js';
import {
  toQueryString,
  type ActiveJobsParams,
  type JobsClient,
  type JobStatsParams,
  type ListJobsParams,
  type ListSchedulesParams,
} from './jobs-client.js';
import type { QueryState } from './polling-query.js';
import { QueryObserver, type ObserverOptions } from './query-observer.js';

/** Default poll intervals of the collection resources. */
export const LIST_POLL_INTERVALS = Object.freeze({
  jobs: 5000,
  /** While any listed job is unfinished. */
  activeBusy: 2000,
  activeIdle: 10_000,
  stats: 10_000,
  /** Schedules change when they fire or are paused: at most once per tick. */
  schedules: 10_000,
});

const NO_JOBS: readonly JobJson[] = Object.freeze([]);

/**
 * `TJob`: the wire job type; the observer answers `JobJson` as received, `useJobs` of
 * `@jobtrail/react` types it by job type (`JobJsonOfType`).
 */
export interface JobsResult<TJob extends JobJson = JobJson> {
  jobs: readonly TJob[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  error: Error | null;
  isLoading: boolean;
}

/** Watches one page of `GET /jobs` (filters, cursor, limit). */
export class JobsObserver extends QueryObserver<JobListResponse, JobsResult> {
  constructor(client: JobsClient, params: ListJobsParams = {}, options: ObserverOptions<JobListResponse> = {}) {
    super(client, `/jobs${toQueryString(params)}`, options);
  }
  protected defaultInterval(): number {
    return LIST_POLL_INTERVALS.jobs;
  }
  protected select(state: QueryState<JobListResponse>): JobsResult {
    return {
      jobs: state.data?.jobs ?? NO_JOBS,
      nextCursor: state.data?.nextCursor ?? null,
      error: state.error,
      isLoading: state.data === undefined && state.error === null,
    };
  }
  protected loadingResult(): JobsResult {
    return LOADING_JOBS;
  }
  protected idleResult(): JobsResult {
    return IDLE_JOBS;
  }
}

const LOADING_JOBS: JobsResult = Object.freeze({ jobs: NO_JOBS, nextCursor: null, error: null, isLoading: true });
const IDLE_JOBS: JobsResult = Object.freeze({ ...LOADING_JOBS, isLoading: false });

/** `TJob`: as in {@link JobsResult}. */
export interface ActiveJobsResult<TJob extends JobJson = JobJson> {
  jobs: readonly TJob[];
  /** How many of `jobs` are unfinished (queued, running, retrying). */
  activeCount: number;
  /** How many of `jobs` are running. */
  runningCount: number;
  error: Error | null;
  isLoading: boolean;
}

/** Watches `GET /jobs/active`: unfinished jobs plus those finished within the window. */
export class ActiveJobsObserver extends QueryObserver<ActiveJobsResponse, ActiveJobsResult> {
  constructor(client: JobsClient, params: ActiveJobsParams = {}, options: ObserverOptions<ActiveJobsResponse> = {}) {
    super(client, `/jobs/active${toQueryString(params)}`, options);
  }
  protected defaultInterval(data: ActiveJobsResponse | undefined): number {
    const busy = data?.jobs.some((job) => !isTerminal(job.status)) ?? true;
    return busy ? LIST_POLL_INTERVALS.activeBusy : LIST_POLL_INTERVALS.activeIdle;
  }
  protected select(state: QueryState<ActiveJobsResponse>): ActiveJobsResult {
    const jobs = state.data?.jobs ?? NO_JOBS;
    return {
      jobs,
      activeCount: jobs.filter((job) => !isTerminal(job.status)).length,
      runningCount: jobs.filter((job) => job.status === 'running').length,
      error: state.error,
      isLoading: state.data === undefined && state.error === null,
    };
  }
  protected loadingResult(): ActiveJobsResult {
    return LOADING_ACTIVE;
  }
  protected idleResult(): ActiveJobsResult {
    return IDLE_ACTIVE;
  }
}

const LOADING_ACTIVE: ActiveJobsResult = Object.freeze({ jobs: NO_JOBS, activeCount: 0, runningCount: 0, error: null, isLoading: true });
const IDLE_ACTIVE: ActiveJobsResult = Object.freeze({ ...LOADING_ACTIVE, isLoading: false });

export interface JobStatsResult {
  stats: JobStatsResponse | undefined;
  error: Error | null;
  isLoading: boolean;
}

/** Watches `GET /jobs/stats`: counts by status and by type. */
export class JobStatsObserver extends QueryObserver<JobStatsResponse, JobStatsResult> {
  constructor(client: JobsClient, params: JobStatsParams = {}, options: ObserverOptions<JobStatsResponse> = {}) {
    super(client, `/jobs/stats${toQueryString(params)}`, options);
  }
  protected defaultInterval(): number {
    return LIST_POLL_INTERVALS.stats;
  }
  protected select(state: QueryState<JobStatsResponse>): JobStatsResult {
    return { stats: state.data, error: state.error, isLoading: state.data === undefined && state.error === null };
  }
  protected loadingResult(): JobStatsResult {
    return LOADING_STATS;
  }
  protected idleResult(): JobStatsResult {
    return IDLE_STATS;
  }
}

const LOADING_STATS: JobStatsResult = Object.freeze({ stats: undefined, error: null, isLoading: true });
const IDLE_STATS: JobStatsResult = Object.freeze({ ...LOADING_STATS, isLoading: false });

const NO_SCHEDULES: readonly ScheduleJson[] = Object.freeze([]);

export interface SchedulesResult {
  /** Name ascending, within the caller's scope. */
  schedules: readonly ScheduleJson[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
  error: Error | null;
  isLoading: boolean;
}

/** Watches one page of `GET /schedules` (`after`, `limit`); polls every 10 s by default. */
export class SchedulesObserver extends QueryObserver<ScheduleListResponse, SchedulesResult> {
  constructor(client: JobsClient, params: ListSchedulesParams = {}, options: ObserverOptions<ScheduleListResponse> = {}) {
    super(client, `/schedules${toQueryString(params)}`, options);
  }
  protected defaultInterval(): number {
    return LIST_POLL_INTERVALS.schedules;
  }
  protected select(state: QueryState<ScheduleListResponse>): SchedulesResult {
    return {
      schedules: state.data?.schedules ?? NO_SCHEDULES,
      nextCursor: state.data?.nextCursor ?? null,
      error: state.error,
      isLoading: state.data === undefined && state.error === null,
    };
  }
  protected loadingResult(): SchedulesResult {
    return LOADING_SCHEDULES;
  }
  protected idleResult(): SchedulesResult {
    return IDLE_SCHEDULES;
  }
}

const LOADING_SCHEDULES: SchedulesResult = Object.freeze({ schedules: NO_SCHEDULES, nextCursor: null, error: null, isLoading: true });
const IDLE_SCHEDULES: SchedulesResult = Object.freeze({ ...LOADING_SCHEDULES, isLoading: false });
