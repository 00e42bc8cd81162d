import { BulkActionError, JobtrailError, JobValidationError } from '../errors/jobtrail-error.js';
import type { Job, JobScope } from '../model/job.js';
import type { JobStore, StoreFilter } from '../store/job-store.js';
import { readInput } from '../util/read-input.js';
import { JOB_FILTER_KEYS, toStoreFilter, type JobFilter } from './query-filters.js';
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
  action: 'retry' | 'cancel',
  act: (job: Job, scope: JobScope | undefined) => Promise<Job>,
): Promise<BulkActionResult> {
  const storeFilter = readInput('filter', () => checkBulkFilter(filter));
  if (storeFilter === null) return { matched: 0, changed: 0 };
  const scope = filter.scope;
  const done = { matched: 0, changed: 0 };
  let cursor: string | undefined;
  try {
    for (;;) {
      const page = await store.query({ ...storeFilter, limit: PAGE, read: READ_NOTHING_LARGE, ...(cursor === undefined ? {} : { cursor }) });
      for (let start = 0; start < page.jobs.length; start += IN_FLIGHT) {
        const slice = page.jobs.slice(start, start + IN_FLIGHT);
        // Every action of the slice settles before a failure is reported, so `changed` counts them all.
        const outcomes = await Promise.allSettled(slice.map((job) => act(job, scope)));
        done.matched += slice.length;
        let failure: unknown;
        for (const outcome of outcomes) {
          if (outcome.status === 'fulfilled') done.changed++;
          // Refused for this job (its state, its key, gone): the others go on. A store failure stops the run.
          else if (!JobtrailError.isInstance(outcome.reason) || outcome.reason.code === 'store_error') failure ??= outcome.reason;
        }
        if (failure !== undefined) throw failure;
      }
      if (page.nextCursor === null) return done;
      cursor = page.nextCursor;
    }
  } catch (error) {
    throw new BulkActionError(action, done, error);
  }
}

const FILTER_KEYS: readonly string[] = JOB_FILTER_KEYS;

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
