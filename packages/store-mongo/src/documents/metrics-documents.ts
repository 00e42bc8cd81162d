import type { Document, Filter, UpdateFilter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { metricPath } from '../mapping/metric-names.js';
import { KEY_HOLDING_STATUSES } from './statuses.js';

/** Metrics change only while the job is unfinished: terminal records are immutable. */
export function unfinishedJobFilter(id: string): Filter<JobDocument> {
  return { _id: id, status: { $in: [...KEY_HOLDING_STATUSES] } };
}

/**
 * One `$inc` for all deltas (missing names start at 0 — what `$inc` does) plus the new
 * `updatedAt`: a single-document update, so concurrent increments never lose one another.
 */
export function incrementMetricsUpdate(deltas: Readonly<Record<string, number>>, names: readonly string[], updatedAt: Date): UpdateFilter<JobDocument> {
  const update: Document = { $set: { updatedAt } };
  if (names.length > 0) {
    const inc: Record<string, number> = {};
    for (const name of names) inc[metricPath(name)] = deltas[name]!;
    update['$inc'] = inc;
  }
  return update as UpdateFilter<JobDocument>;
}

/**
 * Sums each metric over the matching jobs, server-side: one `{ _id: <stored name>, sum }` row
 * per metric name (names still escaped; the caller decodes them).
 */
export function sumMetricsPipeline(match: Filter<JobDocument>): Document[] {
  return [
    { $match: match },
    { $project: { _id: 0, metric: { $objectToArray: { $ifNull: ['$metrics', {}] } } } },
    { $unwind: '$metric' },
    { $group: { _id: '$metric.k', sum: { $sum: '$metric.v' } } },
  ];
}

/** Counts grouped by type and status: one `{ _id: { type, status }, count }` row per group. */
export function countPipeline(match: Filter<JobDocument>): Document[] {
  return [{ $match: match }, { $group: { _id: { type: '$type', status: '$status' }, count: { $sum: 1 } } }];
}
