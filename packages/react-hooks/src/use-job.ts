import { useMemo } from 'react';
import {
  JobObserver,
  type AnyJobJson,
  type IntervalOption,
  type JobJson,
  type JobResponse,
  type JobResult,
} from '@jobtrail/core/client';
import { useJobsClient } from './jobtrail-provider.js';
import { useObserver } from './use-observer.js';

export interface UseJobOptions {
  /** false: no request, no polling. Default true. */
  enabled?: boolean;
  /** Fixed poll interval (ms) while the job is unfinished. Default: 1 s running, 3 s queued/retrying. */
  intervalMs?: IntervalOption<JobResponse>;
  /** Called once each time the job goes from unfinished to completed, failed, skipped or cancelled. */
  onComplete?: (job: JobJson) => void;
}

/**
 * One job, live: `{ job, progress, status, stage, isTerminal, error, isLoading }`. Polling stops
 * at a terminal status, pauses while the page is hidden, and backs off on errors.
 *
 * With a filled `JobTypes` registry of `@jobtrail/core`, `job` is a union narrowed by `job.type`
 * (`AnyJobJson`; types only). Explicit `useJob<TPayload, TResult>(id)` types it by hand instead, and
 * `useJobOfType<'emails.send'>(id)` by a registered type.
 */
export function useJob(id: string | null | undefined, options?: UseJobOptions): JobResult<unknown, unknown, AnyJobJson>;
export function useJob<TPayload, TResult = unknown>(id: string | null | undefined, options?: UseJobOptions): JobResult<TPayload, TResult>;
export function useJob<TPayload = unknown, TResult = unknown>(
  id: string | null | undefined,
  options: UseJobOptions = {},
): JobResult<TPayload, TResult> {
  const client = useJobsClient();
  const enabled = options.enabled !== false;
  const observer = useMemo(() => new JobObserver<TPayload, TResult>(client, id, { enabled }), [client, id, enabled]);
  return useObserver(observer, { ...options, enabled });
}
