import type { JobStatus } from '@jobtrail/core';

/**
 * The canonical statuses, for the page's filters. Repeated here (not imported at run time) so the
 * page bundle does not pull in @jobtrail/core's Node-side entry point.
 */
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'retrying', 'completed', 'failed', 'skipped', 'cancelled'];
