import { useMemo } from 'react';
import {
  ActiveJobsObserver,
  JobsObserver,
  JobStatsObserver,
  toQueryString,
  type ActiveJobsParams,
  type ActiveJobsResponse,
  type ActiveJobsResult,
  type IntervalOption,
  type JobListResponse,
  type JobsResult,
  type JobStatsParams,
  type JobStatsResponse,
  type JobStatsResult,
  type ListJobsParams,
} from '@jobtrail/core/client';
import { useJobsClient } from './jobtrail-provider.js';
import { useObserver } from './use-observer.js';

export interface UsePollingOptions<TData> {
  enabled?: boolean;
  intervalMs?: IntervalOption<TData>;
}

/** A page of jobs (`GET /jobs`): filters, `cursor` and `limit`; polls every 5 s by default. */
export function useJobs(filter: ListJobsParams = {}, options: UsePollingOptions<JobListResponse> = {}): JobsResult {
  const client = useJobsClient();
  const enabled = options.enabled !== false;
  // Filters arrive as a new object every render: key the observer by their query string.
  const key = toQueryString(filter);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed by value
  const observer = useMemo(() => new JobsObserver(client, filter, { enabled }), [client, key, enabled]);
  return useObserver(observer, { ...options, enabled });
}

export interface UseActiveJobsOptions extends ActiveJobsParams, UsePollingOptions<ActiveJobsResponse> {}

/**
 * Unfinished jobs plus those finished within `withinMs` (default 5 min), with `activeCount` and
 * `runningCount` for a "2 running jobs" widget.
 */
export function useActiveJobs(options: UseActiveJobsOptions = {}): ActiveJobsResult {
  const client = useJobsClient();
  const { enabled: enabledOption, intervalMs, ...params } = options;
  const enabled = enabledOption !== false;
  const key = toQueryString(params);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed by value
  const observer = useMemo(() => new ActiveJobsObserver(client, params, { enabled }), [client, key, enabled]);
  return useObserver(observer, { enabled, ...(intervalMs !== undefined ? { intervalMs } : {}) });
}

export interface UseJobStatsOptions extends JobStatsParams, UsePollingOptions<JobStatsResponse> {}

/** Counts by status and by type; polls every 10 s by default. */
export function useJobStats(options: UseJobStatsOptions = {}): JobStatsResult {
  const client = useJobsClient();
  const { enabled: enabledOption, intervalMs, ...params } = options;
  const enabled = enabledOption !== false;
  const key = toQueryString(params);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed by value
  const observer = useMemo(() => new JobStatsObserver(client, params, { enabled }), [client, key, enabled]);
  return useObserver(observer, { enabled, ...(intervalMs !== undefined ? { intervalMs } : {}) });
}
