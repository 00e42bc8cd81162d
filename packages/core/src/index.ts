export { JOB_STATUSES, TERMINAL_STATUSES, ACTIVE_STATUSES, isTerminal, isJobStatus } from './model/job-status.js';
export type { JobStatus, TerminalStatus, ActiveStatus } from './model/job-status.js';
export { canTransition, allowedTransitions } from './model/state-machine.js';
export type { Job, JobError, JobLease, JobScope, JsonValue, JsonObject, JsonPrimitive } from './model/job.js';
export {
  JobtrailError,
  JobNotFoundError,
  InvalidTransitionError,
  JobConflictError,
  UnknownStatusError,
  JobValidationError,
  InvalidProgressError,
  StoreError,
} from './errors/jobtrail-error.js';
export { FatalJobError, RetryableJobError } from './errors/job-errors.js';
export type {
  JobStore,
  InsertOptions,
  InsertResult,
  Expectation,
  JobPatch,
  TransitionResult,
  ClaimRequest,
  ProgressPatch,
  StoreFilter,
  StoreQuery,
  StoreQueryResult,
  StatusCount,
  PruneRequest,
  StoreWakeEvent,
} from './store/job-store.js';
export { systemClock } from './util/clock.js';
export type { Clock, TimerHandle } from './util/clock.js';
