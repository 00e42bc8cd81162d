// `@jobtrail/core/store`: what a store implementation needs beyond the root entry (the port it
// implements and the helpers every store uses, so all of them validate, read and refuse alike).
// Applications need none of it: they pass a store to `createTracker`; the job model, errors and
// `FieldReads` come from `@jobtrail/core`.
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
  StoreLimits,
  StoreWakeEvent,
  ReadOptions,
  InsertManyResult,
  QueryOrder,
  ActivityQuery,
  ActivityBucket,
} from './job-store.js';
export type { NewJobBatch } from './new-job-batch.js';
export { newJob } from '../model/new-job.js';
export type { NewJobFields } from '../model/new-job.js';
export { MAX_INSERT_MANY, MAX_ACTIVITY_BUCKETS, MIN_ACTIVITY_BUCKET_MS } from './store-input.js';
export type { MetadataFilter, MetadataValue } from './metadata-filter.js';
export type { JobChange, JobChangeEvent, JobChangeListener } from './change-feed.js';
export type {
  ScheduleStore,
  ScheduleRecord,
  SchedulePatch,
  ScheduleInsertResult,
  ScheduleUpdateResult,
  ScheduleQuery,
} from './schedule-store.js';
export { SCHEDULE_STORE_METHODS, MAX_SCHEDULE_PAGE } from './schedule-store.js';
export type { FlowStore, TypeControl, TypeRateLimit, TypeControlWrite } from './flow-store.js';
export { FLOW_STORE_METHODS, controlsClaims } from './flow-store.js';
export { rateAllowance } from '../flow/rate-window.js';
export type { RateAllowance } from '../flow/rate-window.js';
export {
  LARGE_JOB_FIELDS,
  MAX_FIELD_CAP_BYTES,
  FULL_READ,
  toReadPlan,
  checkReadOptions,
  isFullRead,
  markUnread,
} from './field-reads.js';
export type { ReadPlan, CheckedRead } from './field-reads.js';
export { metricOverflowError } from './store-refusals.js';
export { guardStore } from './guarded-store.js';
export { isUuid } from '../util/uuid-v7.js';
export { dateTime, isDate } from '../util/dates.js';
export { systemClock } from '../util/clock.js';
export { StoreClock, DEFAULT_RESYNC_MS, DEFAULT_CLOCK_SAMPLES, DEFAULT_CLOCK_TIMEOUT_MS } from '../util/store-clock.js';
export type { StoreClockOptions } from '../util/store-clock.js';
