import type { ActivityQuery } from '@jobtrail/core/store';
import type { Document, Filter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';

/** A row of {@link startedActivityPipeline}: `_id` is the bucket's start in ms from `since`. */
export interface StartedActivityRow {
  _id: number;
  started: number;
  waitAvg: number | null;
  waitMax: number | null;
}

/** A row of {@link finishedActivityPipeline}: a bucket's (ms from `since`) jobs of one status. */
export interface FinishedActivityRow {
  _id: { offset: number; status: 'completed' | 'failed' };
  n: number;
}

/**
 * `t`'s offset from `since` floored to a multiple of `bucketMs`, in ms, by integer arithmetic on
 * `$toLong` of the dates (`offset - offset mod bucketMs`). Offsets are never negative (the match
 * keeps `t >= since`), so `$mod` floors.
 */
function bucketOffset(field: string, since: number, bucketMs: number): Document {
  const offset = { $subtract: [{ $toLong: field }, since] };
  return { $subtract: [offset, { $mod: [offset, bucketMs] }] };
}

/**
 * The jobs started in `[since, until)` per bucket, with the average and longest wait from due to
 * start (`max(0, startedAt - runAt)`, ms). The range on `startedAt` is served by the
 * `jobtrail_started` index.
 */
export function startedActivityPipeline(match: Filter<JobDocument>, query: ActivityQuery): Document[] {
  const since = query.since.getTime();
  const wait = { $max: [0, { $subtract: [{ $toLong: '$startedAt' }, { $toLong: '$runAt' }] }] };
  return [
    { $match: { $and: [match, { startedAt: { $gte: query.since, $lt: query.until } }] } },
    { $project: { _id: 0, offset: bucketOffset('$startedAt', since, query.bucketMs), wait } },
    { $group: { _id: '$offset', started: { $sum: 1 }, waitAvg: { $avg: '$wait' }, waitMax: { $max: '$wait' } } },
  ];
}

/**
 * The jobs completed and failed in `[since, until)` per bucket and status, by `finishedAt`: the
 * `jobtrail_prune` index (`status, finishedAt`) serves the match.
 */
export function finishedActivityPipeline(match: Filter<JobDocument>, query: ActivityQuery): Document[] {
  const since = query.since.getTime();
  return [
    { $match: { $and: [match, { status: { $in: ['completed', 'failed'] }, finishedAt: { $gte: query.since, $lt: query.until } }] } },
    { $project: { _id: 0, status: 1, offset: bucketOffset('$finishedAt', since, query.bucketMs) } },
    { $group: { _id: { offset: '$offset', status: '$status' }, n: { $sum: 1 } } },
  ];
}
