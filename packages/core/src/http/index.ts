export { createJobsHandler } from './create-jobs-handler.js';
export { toNodeHandler } from './to-node-handler.js';
export type { NodeHandler, NodeRequestLike, NodeResponseLike, NodeContext } from './to-node-handler.js';
export type { JobsHandler, JobsHandlerOptions, CallerScope, ExposeOptions, ExposeRule } from './jobs-handler-options.js';
export type {
  JobJson,
  JobErrorJson,
  JobHistoryEntryJson,
  JobResponse,
  JobListResponse,
  ActiveJobsResponse,
  JobStatsResponse,
  StatusCountsJson,
  ErrorResponse,
  JobAction,
} from './wire-types.js';
