import type { JobTypeName, PayloadOf, ResultOf } from '@jobtrail/core';
import type { JobJsonOfType, JobResult } from '@jobtrail/core/client';
import { type UseJobOptions, useJob } from './use-job.js';

/**
 * {@link useJob} typed by a registered job type: `useJobOfType<'emails.send'>(id)` types
 * `job.payload`, `job.result` and `job.type` from the `JobTypes` registry of `@jobtrail/core`.
 * Types only: the job's `type` is not checked, so pass the id of a job of that type.
 */
export function useJobOfType<T extends JobTypeName>(
  id: string | null | undefined,
  options: UseJobOptions = {},
): JobResult<PayloadOf<T>, ResultOf<T>, JobJsonOfType<T>> {
  // Types only: the job as received, typed by the type the caller names.
  return useJob<PayloadOf<T>, ResultOf<T>>(id, options) as JobResult<PayloadOf<T>, ResultOf<T>, JobJsonOfType<T>>;
}
