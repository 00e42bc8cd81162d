/**
 * The canonical statuses, for the page's filters. From core's browser-safe `client` entry point,
 * so the page bundle does not pull in @jobtrail/core's Node-side entry point.
 */
export { JOB_STATUSES } from '@jobtrail/core/client';
