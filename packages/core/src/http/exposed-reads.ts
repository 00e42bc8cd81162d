import type { FieldReads } from '../store/job-store.js';
import type { JobsHandlerOptions } from './jobs-handler-options.js';

type HandlerTracker = JobsHandlerOptions['tracker'];

/**
 * The handler's tracker, reading every job with `read` (see `readForExpose`): list, active and
 * get (also the one before an action) never load a large field the response may not carry, and
 * load the others only up to the cap. Retry and cancel answer the job their change wrote.
 */
export function readingOnly(tracker: HandlerTracker, read: FieldReads): HandlerTracker {
  return {
    get: (id, scope) => tracker.get(id, scope, read),
    list: (filter) => tracker.list({ ...filter, read }),
    active: (options) => tracker.active({ ...options, read }),
    stats: (filter) => tracker.stats(filter),
    retry: (id, scope) => tracker.retry(id, scope),
    cancel: (id, scope) => tracker.cancel(id, scope),
  };
}
