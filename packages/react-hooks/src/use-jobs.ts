import { useMemo } from 'react';
import type { JobTypeName } from '@jobtrail/core';
import {
  ActiveJobsObserver,
  JobsObserver,
  JobStatsObserver,
  toQueryString,
  type ActiveJobsParams,
  type ActiveJobsResponse,
  type ActiveJobsResult,
  type IntervalOption,
  type JobJsonOfType,
  type JobListResponse,
  type JobsClient,
  type JobsResult,
  type JobStatsParams,
  type JobStatsResponse,
  type JobStatsResult,
  type ListJobsParams,
  type ListSchedulesParams,
  type ObserverOptions,
  type QueryObserver,
  type ScheduleListResponse,
  SchedulesObserver,
  type SchedulesResult,
} from '@jobtrail/core/client';
import { useJobsClient } from './jobtrail-provider.js';
import { useObserver } from './use-observer.js';

export interface UsePollingOptions<TData> {
  enabled?: boolean;
  intervalMs?: IntervalOption<TData>;
}

/** The observer of one collection resource, kept while `params` keep the same query string. */
function useCollection<TParams extends object, TData, TResult>(
  Observer: new (client: JobsClient, params: TParams, options: ObserverOptions<TData>) => QueryObserver<TData, TResult>,
  params: TParams,
  { enabled: enabledOption, intervalMs }: UsePollingOptions<TData>,
): TResult {
  const client = useJobsClient();
  const enabled = enabledOption !== false;
  // Params arrive as a new object every render: key the observer by their query string.
  const key = toQueryString(params);
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the params' value (`key`), not their identity
  const observer = useMemo(() => new Observer(client, params, { enabled }), [Observer, client, key, enabled]);
  return useObserver(observer, { enabled, ...(intervalMs !== undefined ? { intervalMs } : {}) });
}

/**
 * A page of jobs (`GET /jobs`): filters, `cursor` and `limit`; polls every 5 s by default.
 *
 * With a filled `JobTypes` registry of `@jobtrail/core`, `type` takes registered types only, and
 * the jobs are typed by it: `useJobs({ type: 'emails.send' })` answers jobs whose `payload` and
 * `result` are that type's; without `type`, a union narrowed by `job.type`. Types only: the server
 * answers what it holds.
 */
export function useJobs<T extends JobTypeName = JobTypeName>(
  filter: ListJobsParams<T> = {},
  options: UsePollingOptions<JobListResponse> = {},
): JobsResult<JobJsonOfType<T>> {
  // Types only: the observer answers jobs as received; they are typed by the filter here.
  return useCollection(JobsObserver, filter, options) as JobsResult<JobJsonOfType<T>>;
}

export interface UseActiveJobsOptions<T extends JobTypeName = JobTypeName> extends ActiveJobsParams<T>, UsePollingOptions<ActiveJobsResponse> {}

/**
 * Unfinished jobs plus those finished within `withinMs` (default 5 min), with `activeCount` and
 * `runningCount` for a "2 running jobs" widget. Jobs are typed by `type` as in {@link useJobs}.
 */
export function useActiveJobs<T extends JobTypeName = JobTypeName>(options: UseActiveJobsOptions<T> = {}): ActiveJobsResult<JobJsonOfType<T>> {
  const { enabled, intervalMs, ...params } = options;
  // Types only, as in useJobs.
  return useCollection(ActiveJobsObserver, params, options) as ActiveJobsResult<JobJsonOfType<T>>;
}

export interface UseJobStatsOptions extends JobStatsParams, UsePollingOptions<JobStatsResponse> {}

/** Counts by status and by type; polls every 10 s by default. */
export function useJobStats(options: UseJobStatsOptions = {}): JobStatsResult {
  const { enabled, intervalMs, ...params } = options;
  return useCollection(JobStatsObserver, params, options);
}

export interface UseSchedulesOptions extends ListSchedulesParams, UsePollingOptions<ScheduleListResponse> {}

/**
 * A page of the caller's recurring schedules (`GET /schedules`, name ascending; `after` and
 * `limit` page through them): `{ schedules, nextCursor, error, isLoading }`, each schedule with its
 * `nextRunAt`, `lastRunAt`, `lastJobId`, `paused` and `enabled`. Polls every 10 s by default. The
 * server narrows the list to the caller's tenant; a caller narrowed to an owner sees none.
 */
export function useSchedules(options: UseSchedulesOptions = {}): SchedulesResult {
  const { enabled, intervalMs, ...params } = options;
  return useCollection(SchedulesObserver, params, options);
}
