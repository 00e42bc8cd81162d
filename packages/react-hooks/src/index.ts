export { JobtrailProvider, useJobsClient } from './jobtrail-provider.js';
export type { JobtrailProviderProps } from './jobtrail-provider.js';
export { useJob } from './use-job.js';
export type { UseJobOptions } from './use-job.js';
export { useJobOfType } from './use-job-of-type.js';
export { useJobs, useActiveJobs, useJobStats, useSchedules } from './use-jobs.js';
export type { UsePollingOptions, UseActiveJobsOptions, UseJobStatsOptions, UseSchedulesOptions } from './use-jobs.js';
export { useJobActions } from './use-job-actions.js';
export type { JobActions } from './use-job-actions.js';
export { createJobsClient, JobsClient } from '@jobtrail/core/client';
export type {
  JobsClientOptions,
  JobJson,
  AnyJobJson,
  RegisteredJobJson,
  JobJsonOfType,
  JobResult,
  JobsResult,
  ActiveJobsResult,
  JobStatsResult,
  JobActionsResult,
  JobStatus,
  ListJobsParams,
  ListSchedulesParams,
  ScheduleJson,
  SchedulesResult,
} from '@jobtrail/core/client';
