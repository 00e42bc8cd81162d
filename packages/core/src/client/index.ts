export { createJobsClient, JobsClient, toQueryString } from './jobs-client.js';
export type {
  JobsClientOptions,
  HeadersSource,
  ListJobsParams,
  ActiveJobsParams,
  JobStatsParams,
  ActivityParams,
  ListSchedulesParams,
  BulkFilterParams,
  RequestOptions,
} from './jobs-client.js';
export { JobsHttpError, JobsNetworkError } from './client-errors.js';
export { JobObserver, JOB_POLL_INTERVALS } from './job-observer.js';
export type { JobObserverOptions, JobResult } from './job-observer.js';
export { JobsObserver, ActiveJobsObserver, JobStatsObserver, SchedulesObserver, LIST_POLL_INTERVALS } from './list-observers.js';
export type { JobsResult, ActiveJobsResult, JobStatsResult, SchedulesResult } from './list-observers.js';
export { JobActionsObserver } from './job-actions-observer.js';
export type { JobActionsResult } from './job-actions-observer.js';
export { QueryObserver } from './query-observer.js';
export type { ObserverOptions, IntervalOption } from './query-observer.js';
export { PollingQuery } from './polling-query.js';
export type { QueryState, FetchOutcome, IntervalFn } from './polling-query.js';
export type { PollTimers, VisibilitySource } from './environment.js';
export { JobtrailError } from '../errors/jobtrail-error.js';
export { MAX_JOB_TYPE_LENGTH, joinTypeList } from '../model/job-type.js';
export { JOB_STATUSES, TERMINAL_STATUSES, ACTIVE_STATUSES, isTerminal } from '../model/job-status.js';
export type { JobStatus, TerminalStatus, ActiveStatus } from '../model/job-status.js';
export type {
  JobJson,
  AnyJobJson,
  RegisteredJobJson,
  JobJsonOfType,
  JobErrorJson,
  JobHistoryEntryJson,
  JobResponse,
  JobListResponse,
  ActiveJobsResponse,
  JobStatsResponse,
  StatusCountsJson,
  ScheduleJson,
  ScheduleListResponse,
  ErrorResponse,
  JobAction,
  JobBulkAction,
  BulkActionResponse,
  ActivityJson,
  ActivityBucketJson,
  TypeJson,
  TypeListResponse,
  TypeResponse,
  ScheduleResponse,
  TypeAction,
  ScheduleAction,
} from '../http/wire-types.js';
export type { MetadataFilter, MetadataValue } from '../store/metadata-filter.js';
