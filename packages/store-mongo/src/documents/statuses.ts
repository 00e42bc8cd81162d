import { ACTIVE_STATUSES, type JobStatus } from '@jobtrail/core';

/** Statuses a claim may take a job from. */
export const CLAIMABLE_STATUSES: readonly JobStatus[] = ['queued', 'retrying'];

/** Statuses that hold a dedupe key (the partial unique index covers exactly these). */
export const KEY_HOLDING_STATUSES: readonly JobStatus[] = ACTIVE_STATUSES;

export function isClaimable(status: JobStatus): boolean {
  return CLAIMABLE_STATUSES.includes(status);
}
