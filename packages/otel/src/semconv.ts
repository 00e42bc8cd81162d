/**
 * Names of every span attribute, event and metric this package writes. Messaging names follow the
 * OpenTelemetry messaging semantic conventions; `jobtrail.*` names cover what they do not.
 */
export const INSTRUMENTATION_SCOPE = '@jobtrail/otel';
export const MESSAGING_SYSTEM = 'jobtrail';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_ERROR_TYPE = 'error.type';

export const ATTR_JOBTRAIL_JOB_ATTEMPT = 'jobtrail.job.attempt';
export const ATTR_JOBTRAIL_JOB_MAX_ATTEMPTS = 'jobtrail.job.max_attempts';
export const ATTR_JOBTRAIL_JOB_STATUS = 'jobtrail.job.status';
export const ATTR_JOBTRAIL_JOB_RETRY_AT = 'jobtrail.job.retry_at';
export const ATTR_JOBTRAIL_JOB_DEDUPLICATED = 'jobtrail.job.deduplicated';
export const ATTR_JOBTRAIL_JOB_PROGRESS = 'jobtrail.job.progress';
export const ATTR_JOBTRAIL_JOB_STAGE = 'jobtrail.job.stage';
/** The recurring schedule that fired the job (`tracker.schedule`), on its send span. */
export const ATTR_JOBTRAIL_SCHEDULE_NAME = 'jobtrail.schedule.name';
/** The tick the job stands for, ISO 8601, on its send span. */
export const ATTR_JOBTRAIL_JOB_SCHEDULED_FOR = 'jobtrail.job.scheduled_for';
/** The job's group (flow control: per-group limits and round-robin), on its send and process spans. */
export const ATTR_JOBTRAIL_JOB_GROUP = 'jobtrail.job.group';

export const EVENT_JOBTRAIL_JOB_PROGRESS = 'jobtrail.job.progress';

export const METRIC_MESSAGING_PROCESS_DURATION = 'messaging.process.duration';
export const METRIC_MESSAGING_CLIENT_SENT_MESSAGES = 'messaging.client.sent.messages';
export const METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES = 'messaging.client.consumed.messages';
export const METRIC_JOBTRAIL_JOB_WAIT_DURATION = 'jobtrail.job.wait.duration';
export const METRIC_JOBTRAIL_JOBS_FINISHED = 'jobtrail.jobs.finished';
export const METRIC_JOBTRAIL_JOBS_RUNNING = 'jobtrail.jobs.running';
