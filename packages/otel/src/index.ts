export { instrument } from './instrument.js';
export type { InstrumentableTracker } from './instrument.js';
export { jobtrailTelemetry } from './jobtrail-telemetry.js';
export type { JobtrailOtelOptions, ParentMode } from './options.js';
export { formatTraceparent, parseTraceparent } from './traceparent.js';
export { extractJobTrace, injectJobTrace } from './job-propagation.js';
export { decodeTraceCarrier, encodeTraceCarrier, MAX_TRACE_CHARS } from './trace-carrier.js';
export type { TraceCarrier } from './trace-carrier.js';
export { errorTypeOf } from './error-type.js';
export {
  INSTRUMENTATION_SCOPE,
  MESSAGING_SYSTEM,
  ATTR_MESSAGING_SYSTEM,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_ERROR_TYPE,
  ATTR_JOBTRAIL_JOB_ATTEMPT,
  ATTR_JOBTRAIL_JOB_MAX_ATTEMPTS,
  ATTR_JOBTRAIL_JOB_STATUS,
  ATTR_JOBTRAIL_JOB_RETRY_AT,
  ATTR_JOBTRAIL_JOB_DEDUPLICATED,
  ATTR_JOBTRAIL_JOB_PROGRESS,
  ATTR_JOBTRAIL_JOB_STAGE,
  ATTR_JOBTRAIL_SCHEDULE_NAME,
  ATTR_JOBTRAIL_JOB_GROUP,
  ATTR_JOBTRAIL_JOB_SCHEDULED_FOR,
  EVENT_JOBTRAIL_JOB_PROGRESS,
  METRIC_MESSAGING_PROCESS_DURATION,
  METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
  METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
  METRIC_JOBTRAIL_JOB_WAIT_DURATION,
  METRIC_JOBTRAIL_JOBS_FINISHED,
  METRIC_JOBTRAIL_JOBS_RUNNING,
} from './semconv.js';
