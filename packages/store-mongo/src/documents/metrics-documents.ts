import type { Document, Filter, UpdateFilter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { metricPath } from '../mapping/metric-names.js';
import { progressFilter } from './lease-documents.js';
import { KEY_HOLDING_STATUSES } from './statuses.js';

/** Metrics change only while the job is unfinished: terminal records are immutable. */
export function unfinishedJobFilter(id: string): Filter<JobDocument> {
  return { _id: id, status: { $in: [...KEY_HOLDING_STATUSES] } };
}

/**
 * Where an increment may land. Unfenced: any unfinished job. Fenced by `owner` (a string) and/or
 * `attempt`: only the running job leased by that owner and on that attempt — the same filter as a
 * fenced progress write, so a stale attempt's increments never reach a newer one.
 */
export function incrementMetricsFilter(id: string, owner: string | null | undefined, attempt: number | null | undefined): Filter<JobDocument> {
  return owner == null && attempt == null ? unfinishedJobFilter(id) : progressFilter(id, owner, attempt);
}

/** The fields `missedIncrement` reads (the projection of the read after a miss). */
export const MISSED_INCREMENT_PROJECTION = { status: 1, leaseOwner: 1, attempt: 1 } as const;

/**
 * Why an increment matched no document, from the job as read right after the miss: `null` (no
 * such job), `'finished'` (terminal), `'stale'` (fenced, and the job is unfinished but not running
 * that attempt under that owner), or `'again'`: the job changed between the update and the read
 * (a manual retry, a claim) and now takes the increment, so the caller tries the update again.
 */
export function missedIncrement(
  current: Pick<JobDocument, 'status' | 'leaseOwner' | 'attempt'> | null,
  owner: string | null | undefined,
  attempt: number | null | undefined,
): null | 'finished' | 'stale' | 'again' {
  if (current === null) return null;
  if (!KEY_HOLDING_STATUSES.includes(current.status)) return 'finished';
  if (owner == null && attempt == null) return 'again';
  const holds =
    current.status === 'running' && (owner == null || current.leaseOwner === owner) && (attempt == null || current.attempt === attempt);
  return holds ? 'again' : 'stale';
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
