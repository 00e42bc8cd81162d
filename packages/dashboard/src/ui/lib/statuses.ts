import type { JobStatus } from '@jobtrail/core/client';

/** Display order: work ahead first, then outcomes. */
export const STATUSES: readonly JobStatus[] = ['queued', 'running', 'retrying', 'completed', 'failed', 'cancelled', 'skipped'];

export const RETRYABLE_STATUSES: readonly JobStatus[] = ['failed', 'cancelled'];
export const CANCELLABLE_STATUSES: readonly JobStatus[] = ['queued', 'running', 'retrying'];

export function isStatus(value: string | null | undefined): value is JobStatus {
  return value != null && (STATUSES as readonly string[]).includes(value);
}
