import { JobAbortedError } from '../errors/job-aborted-error.js';
import { JobtrailError, defineErrorKind } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import type { Clock } from '../util/clock.js';
import type { LazyAbortController } from '../util/lazy-abort-controller.js';
import type { JobHandler } from './worker-options.js';

/** A handler ran past its `timeoutMs` (code `job_timeout`); the attempt fails as retryable. */
export class JobTimeoutError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:JobTimeoutError');
  }

  constructor(jobId: string, timeoutMs: number) {
    super('job_timeout', `Job ${jobId} ran longer than its ${timeoutMs} ms time limit and was abandoned.`);
  }
}

/**
 * The handler, bounded by `timeoutMs`: past it the handler's signal aborts and the attempt fails
 * with a {@link JobTimeoutError}, freeing the slot even if the handler ignores the signal.
 */
export function withTimeout(handler: JobHandler, timeoutMs: number, job: Job, controller: LazyAbortController, clock: Clock): JobHandler {
  return (ctx) =>
    new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        const error = new JobTimeoutError(job.id, timeoutMs);
        controller.abort(new JobAbortedError(job.id, 'timeout'));
        reject(error);
      }, timeoutMs);
      Promise.resolve()
        .then(() => handler(ctx))
        .then(resolve, reject)
        .finally(() => clock.clearTimeout(timer));
    });
}
