import { JobtrailError, JobValidationError } from '../errors/jobtrail-error.js';
import type { Job, JobScope } from '../model/job.js';
import type { JobStore, StoreFilter } from '../store/job-store.js';
import { readInput } from '../util/read-input.js';
import { toStoreFilter, type JobFilter } from './query-filters.js';
import { show } from './validate-input.js';

/** What `retryMany` and `cancelMany` answer. */
export interface BulkActionResult {
  /** Jobs the filter matched (read page by page, so the count can include jobs changed meanwhile). */
  matched: number;
  /** Jobs the action changed. The others could not make the transition (e.g. a running job for retry) or changed under it. */
  changed: number;
}

/** Jobs read and changed per round: what a bulk action holds in memory at once, whatever it matches. */
const PAGE = 500;
/** Actions in flight at once within a page. */
const IN_FLIGHT = 10;
/** Job fields the paging needs none of: left unread. */
const READ_NOTHING_LARGE = { payload: 'omit', result: 'omit', metadata: 'omit' } as const;

/**
 * `tracker.retryMany` / `cancelMany`: pages through the jobs the filter matches (newest first, by
 * id cursor) and applies `act` (the single-job action, with its events and history) to each, a
 * page at a time, so a million matches never sit in memory. A job the action refuses (not in a
 * state it applies to, gone, its key held) is counted as matched, not changed.
 */
export async function actOnMatches(
  store: JobStore,
  filter: JobFilter,
  act: (job: Job, scope: JobScope | undefined) => Promise<Job>,
): Promise<BulkActionResult> {
  const storeFilter = readInput('filter', () => checkBulkFilter(filter));
  if (storeFilter === null) return { matched: 0, changed: 0 };
  const scope = filter.scope;
  let matched = 0;
  let changed = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await store.query({ ...storeFilter, limit: PAGE, read: READ_NOTHING_LARGE, ...(cursor === undefined ? {} : { cursor }) });
    matched += page.jobs.length;
    for (let start = 0; start < page.jobs.length; start += IN_FLIGHT) {
      const outcomes = await Promise.all(
        page.jobs.slice(start, start + IN_FLIGHT).map(async (job) => {
          try {
            await act(job, scope);
            return true;
          } catch (error) {
            // Refused for this job (its state, its key, gone): the others go on. A store failure stops the run.
            if (JobtrailError.isInstance(error) && error.code !== 'store_error') return false;
            throw error;
          }
        }),
      );
      changed += outcomes.filter(Boolean).length;
    }
    if (page.nextCursor === null) return { matched, changed };
    cursor = page.nextCursor;
  }
}

const FILTER_KEYS = ['status', 'type', 'tenantId', 'ownerId', 'group', 'key', 'scheduleName', 'errorCode', 'metadata', 'parentId', 'createdAfter', 'createdBefore', 'scope'];

/** A list filter with at least one condition (an empty one would act on every job of the store). */
function checkBulkFilter(filter: JobFilter): StoreFilter | null {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    throw new JobValidationError('filter', `must be an object such as { type: 'emails.send', status: 'failed' }; got ${show(filter)}.`);
  }
  for (const key of Object.keys(filter)) {
    if (!FILTER_KEYS.includes(key)) throw new JobValidationError(key, `is not a filter of retryMany/cancelMany. Known: ${FILTER_KEYS.join(', ')}.`);
  }
  if (!FILTER_KEYS.some((key) => key !== 'scope' && (filter as Record<string, unknown>)[key] !== undefined)) {
    throw new JobValidationError('filter', "needs at least one condition besides scope (e.g. { status: 'failed' }); an empty one would act on every job.");
  }
  return toStoreFilter(filter);
}
