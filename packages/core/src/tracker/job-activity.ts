import { JobtrailError, JobValidationError } from '../errors/jobtrail-error.js';
import type { ActivityBucket, JobStore } from '../store/job-store.js';
import { MAX_ACTIVITY_BUCKETS, MIN_ACTIVITY_BUCKET_MS } from '../store/store-input.js';
import type { Clock } from '../util/clock.js';
import { dateTime } from '../util/dates.js';
import { readInput } from '../util/read-input.js';
import { JOB_FILTER_KEYS, toStoreFilter, type JobFilter } from './query-filters.js';
import { assertStorableDate, show } from './validate-input.js';

/** `tracker.activity()`'s options: the range, the bucket width and the jobs counted. */
export interface ActivityOptions extends JobFilter {
  /** Start of the range; floored to a multiple of `bucketMs` since the epoch. Default: `until` − 24 h. */
  since?: Date;
  /** End of the range (exclusive). Default: now. */
  until?: Date;
  /** Bucket width in ms: an integer of at least 1000. Default 3 600 000 (1 h). */
  bucketMs?: number;
}

/** What `tracker.activity()` answers: every bucket from `since` to `until`, empty ones included. */
export interface JobActivity {
  bucketMs: number;
  /** The range's start, floored to a multiple of `bucketMs` since the epoch: the first bucket's start. */
  since: Date;
  until: Date;
  /** Contiguous, oldest first: bucket `k` starts at `since + k·bucketMs`. */
  buckets: ActivityBucket[];
}

export const DEFAULT_ACTIVITY_BUCKET_MS = 3_600_000;
export const DEFAULT_ACTIVITY_RANGE_MS = 86_400_000;

interface CheckedActivity {
  since: number;
  until: number;
  bucketMs: number;
  filter: JobFilter;
}

/**
 * `tracker.activity()`: the store's buckets over the range, zero-filled. Waits are rounded to
 * whole ms, so every store answers the same average.
 *
 * @throws {JobValidationError} (`invalid_input`) for a `since` / `until` that is not a storable
 *   Date, `since` not before `until`, a `bucketMs` below 1000 or not an integer, more than 1440
 *   buckets in the range asked for, or a bad filter.
 * @throws {JobtrailError} (`activity_unavailable`) when the store has no `activity`.
 */
export async function readActivity(store: JobStore, clock: Clock, options: ActivityOptions = {}): Promise<JobActivity> {
  const checked = readInput('options', () => checkActivityOptions(options, clock.now()));
  const storeFilter = toStoreFilter(checked.filter);
  if (typeof store.activity !== 'function') {
    throw new JobtrailError('activity_unavailable', 'This job store cannot count activity over time (it implements no JobStore.activity); use MemoryJobStore, PostgresJobStore or MongoJobStore.');
  }
  const { bucketMs } = checked;
  const since = Math.floor(checked.since / bucketMs) * bucketMs;
  const until = checked.until;
  const found = storeFilter === null ? [] : await store.activity({ filter: storeFilter, since: new Date(since), until: new Date(until), bucketMs });
  const byStart = new Map<number, ActivityBucket>();
  for (const bucket of found) byStart.set(bucket.start.getTime(), bucket);
  const buckets: ActivityBucket[] = [];
  for (let start = since; start < until; start += bucketMs) {
    const bucket = byStart.get(start);
    buckets.push(
      bucket === undefined
        ? { start: new Date(start), started: 0, completed: 0, failed: 0, waitMsAvg: null, waitMsMax: null }
        : {
            start: new Date(start),
            started: bucket.started,
            completed: bucket.completed,
            failed: bucket.failed,
            waitMsAvg: bucket.waitMsAvg === null ? null : Math.round(bucket.waitMsAvg),
            waitMsMax: bucket.waitMsMax === null ? null : Math.round(bucket.waitMsMax),
          },
    );
  }
  return { bucketMs, since: new Date(since), until: new Date(until), buckets };
}

function checkActivityOptions(options: ActivityOptions, now: number): CheckedActivity {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new JobValidationError('options', `must be an object such as { since, until, bucketMs }; got ${show(options)}.`);
  }
  const bucketMs = options.bucketMs ?? DEFAULT_ACTIVITY_BUCKET_MS;
  if (typeof bucketMs !== 'number' || !Number.isSafeInteger(bucketMs) || bucketMs < MIN_ACTIVITY_BUCKET_MS) {
    throw new JobValidationError('bucketMs', `must be an integer of at least ${MIN_ACTIVITY_BUCKET_MS} (ms); got ${show(bucketMs)}.`);
  }
  const until = options.until === undefined ? now : storableTime(options.until, 'until');
  const since = options.since === undefined ? until - DEFAULT_ACTIVITY_RANGE_MS : storableTime(options.since, 'since');
  if (since >= until) throw new JobValidationError('since', `must be before until; got since ${new Date(since).toISOString()}, until ${new Date(until).toISOString()}.`);
  // Counted on the range asked for: flooring `since` may add one bucket to the answer.
  const count = Math.ceil((until - since) / bucketMs);
  if (count > MAX_ACTIVITY_BUCKETS) {
    throw new JobValidationError('bucketMs', `gives ${count} buckets from since to until; at most ${MAX_ACTIVITY_BUCKETS}: widen the buckets or narrow the range.`);
  }
  const filter: JobFilter = {};
  for (const key of JOB_FILTER_KEYS) {
    if (options[key] !== undefined) (filter as Record<string, unknown>)[key] = options[key];
  }
  return { since, until, bucketMs, filter };
}

function storableTime(value: unknown, field: string): number {
  assertStorableDate(value, field);
  return dateTime(value);
}
