import type { JobTypeName, PayloadOf, ResultOf } from '@jobtrail/core';
import type { JobResult } from '@jobtrail/core/client';
import { type UseJobOptions, useJob } from './use-job.js';

/**
 * {@link useJob} typed by a registered job type: `useJobOfType<'emails.send'>(id)` types
 * `job.payload` and `job.result` from the `JobTypes` registry of `@jobtrail/core`. Types only: the
 * job's `type` is not checked, so pass the id of a job of that type.
 */
export function useJobOfType<T extends JobTypeName>(
  id: string | null | undefined,
  options: UseJobOptions = {},
): JobResult<PayloadOf<T>, ResultOf<T>> {
  return useJob<PayloadOf<T>, ResultOf<T>>(id, options);
}
