export { JOB_STATUSES, TERMINAL_STATUSES, ACTIVE_STATUSES, isTerminal, isJobStatus } from './model/job-status.js';
export type { JobStatus, TerminalStatus, ActiveStatus } from './model/job-status.js';
export { canTransition, allowedTransitions } from './model/state-machine.js';
export { MAX_JOB_TYPE_LENGTH, joinTypeList } from './model/job-type.js';
export { MAX_NOTE_LENGTH } from './tracker/validate-input.js';
export { isJobOfType } from './model/job-types.js';
export type {
  JobTypes,
  JobTypeName,
  RegisteredJobType,
  UnregisteredJobType,
  HasJobTypes,
  PayloadOf,
  ResultOf,
  JobOfType,
  AnyJob,
  RegisteredJob,
} from './model/job-types.js';
export type {
  Job,
  JobAttemptOutcome,
  JobAttemptEntry,
  JobError,
  JobHistoryEntry,
  JobLease,
  JobRetryEntry,
  JobScope,
  LargeJobField,
  UnreadField,
  UnreadFields,
  WaitingFor,
  JsonValue,
  JsonObject,
  JsonPrimitive,
} from './model/job.js';
export {
  JobtrailError,
  JobNotFoundError,
  InvalidTransitionError,
  JobConflictError,
  UnknownStatusError,
  JobValidationError,
  InvalidProgressError,
  StoreError,
  BulkActionError,
  EnqueueManyError,
  ScheduleNotFoundError,
  defineErrorKind,
} from './errors/jobtrail-error.js';
export { FatalJobError, RetryableJobError } from './errors/job-errors.js';
export type { FieldRead, FieldReads } from './store/job-store.js';
export type { Clock, TimerHandle } from './util/clock.js';
export { JobFinishedError } from './errors/jobtrail-error.js';
export { JobAbortedError } from './errors/job-aborted-error.js';
export type { AbortCause } from './errors/job-aborted-error.js';

export { normalizeStatus, createStatusNormalizer, verifyStatuses, STATUS_ALIASES } from './status/normalize-status.js';
export type {
  NormalizeStatusOptions,
  StatusNormalizer,
  NonCanonicalStatus,
  StatusVerification,
} from './status/normalize-status.js';

export { backoff, DEFAULT_BACKOFF } from './backoff/backoff.js';
export type { BackoffPolicy, BackoffJitter, ExponentialBackoffOptions, BackoffOptions } from './backoff/backoff.js';

export { classifyError, composeClassifier } from './errors/classify-error.js';
export type {
  ErrorClassification,
  ErrorClassifier,
  ClassifyErrorOptions,
  ComposedClassifier,
} from './errors/classify-error.js';

export { createTracker, Tracker } from './tracker/tracker.js';
export type { TrackOptions } from './tracker/inline-tracking.js';
export type { JobPage, JobStats, StatusCounts, JobRollup, PruneOptions, ActiveOptions } from './tracker/job-queries.js';
export type { AttemptOutcomeKind } from './tracker/attempt-outcome-kind.js';
export type { TrackerOptions, JobTypeOptions } from './tracker/tracker-options.js';
export type { TrackerEvents, ProgressEvent, StaleWrite, TrackerErrorContext } from './tracker/tracker-events.js';
export type { JobContext } from './tracker/job-context.js';
export type { ProgressDetails } from './tracker/attempt-writer.js';
export type { CreateJobInput } from './tracker/validate-input.js';
export type { EnqueueManyItem, EnqueueManyOptions, EnqueueManyResult } from './tracker/job-creation.js';
export type { BulkActionResult } from './tracker/bulk-actions.js';
export { PRIORITY_MIN, PRIORITY_MAX } from './tracker/validate-input.js';
export type { JobFilter, ListFilter } from './tracker/query-filters.js';
export type { MetadataFilter, MetadataValue } from './store/metadata-filter.js';
export type { WatchOptions } from './tracker/job-watches.js';
export type { AllProcessesOptions } from './tracker/cross-process-events.js';
export type { JobChange, JobChangeEvent, JobChangeListener } from './store/change-feed.js';

export type { Schedule, SchedulePage, ListSchedulesOptions } from './schedule/schedule.js';
export type { ScheduleSpec, ScheduleOverlap, ScheduleCatchUp } from './schedule/schedule-spec.js';
export type { ScheduleScope } from './schedule/schedule-commands.js';
export type { FiringPass, FireDueOptions } from './schedule/schedule-firing.js';
export type { TypeLimits, RateLimit, CheckedTypeLimits } from './flow/type-limits.js';
export type { JobTypeInfo, TypeReadOptions } from './flow/type-commands.js';
export type { ActivityOptions, JobActivity } from './tracker/job-activity.js';
export type { ActivityBucket } from './store/job-store.js';

export type { JobTelemetry, CreateTelemetry, AttemptTelemetry, AttemptOutcome } from './telemetry/telemetry-port.js';

export { createWorker, Worker } from './worker/worker.js';
export { JobTimeoutError } from './worker/job-timeout.js';
export type { WorkerEvents } from './worker/worker-events.js';
export type { RunOnceOptions, RunOnceSummary } from './worker/run-once.js';
export type {
  WorkerOptions,
  JobHandler,
  HandlerDefinition,
  JobHandlers,
  TypedJobHandlers,
  UntypedJobHandlers,
  ConcurrencyOption,
  RetentionOption,
} from './worker/worker-options.js';

export { MemoryJobStore } from './memory/memory-job-store.js';
export type { MemoryJobStoreOptions } from './memory/memory-job-store.js';

export { createJobsHandler, toNodeHandler, readCallerScope } from './http/index.js';
export type { JobsHandler, JobsHandlerOptions, CallerScope, CallerScopeReading, ExposeOptions, ExposeRule, NodeHandler } from './http/index.js';
