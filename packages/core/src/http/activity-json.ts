import type { JobActivity } from '../tracker/job-activity.js';
import type { ActivityJson } from './wire-types.js';

/** The wire form of `tracker.activity()`'s answer: ISO instants. */
export function toActivityJson(activity: JobActivity): ActivityJson {
  return {
    bucketMs: activity.bucketMs,
    since: activity.since.toISOString(),
    until: activity.until.toISOString(),
    buckets: activity.buckets.map((bucket) => ({
      start: bucket.start.toISOString(),
      started: bucket.started,
      completed: bucket.completed,
      failed: bucket.failed,
      waitMsAvg: bucket.waitMsAvg,
      waitMsMax: bucket.waitMsMax,
    })),
  };
}
