import { JobtrailError, defineErrorKind } from './jobtrail-error.js';

export type AbortCause = 'cancelled' | 'lease_lost' | 'shutdown' | 'timeout';

/** The reason `ctx.signal` carries when jobtrail aborts a running handler. */
export class JobAbortedError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:JobAbortedError');
  }

  readonly jobId: string;
  readonly cause_: AbortCause;
  constructor(jobId: string, cause: AbortCause) {
    super(`job_${cause}`, ABORT_MESSAGES[cause](jobId));
    this.name = 'AbortError';
    this.jobId = jobId;
    this.cause_ = cause;
  }
  get abortCause(): AbortCause {
    return this.cause_;
  }
}

const ABORT_MESSAGES: Record<AbortCause, (id: string) => string> = {
  cancelled: (id) => `Job ${id} was cancelled.`,
  lease_lost: (id) =>
    `Job ${id} lost its lease (another worker recovered it after the lease expired); stop working on it.`,
  shutdown: (id) => `The worker running job ${id} is shutting down; the job goes back to the queue.`,
  timeout: (id) => `Job ${id} ran past its time limit.`,
};
