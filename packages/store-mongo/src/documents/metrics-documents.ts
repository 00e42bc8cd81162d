import type { Document, Filter, UpdateFilter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { encodeMetricName, metricPath } from '../mapping/metric-names.js';
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

/** The fields `missedIncrement` and `overflowingMetric` read (the projection of the read after a miss). */
export const MISSED_INCREMENT_PROJECTION = { status: 1, leaseOwner: 1, attempt: 1, metrics: 1 } as const;

const bits = new DataView(new ArrayBuffer(8));

/** The neighbouring double of a positive `value` (`Infinity` steps down to `Number.MAX_VALUE`). */
function neighbour(value: number, direction: 1n | -1n): number {
  bits.setFloat64(0, value);
  bits.setBigUint64(0, bits.getBigUint64(0) + direction);
  return bits.getFloat64(0);
}

/**
 * The largest stored value to which a positive `delta` can be added without the double sum
 * becoming Infinity. The server's `$inc` adds IEEE doubles exactly as JavaScript does, so this is
 * found by JavaScript addition: a first guess from the overflow threshold (sums at or past
 * MAX_VALUE + 2^970 round to Infinity), then a few steps to the exact neighbour.
 */
export function headroom(delta: number): number {
  let bound = Number.MAX_VALUE - delta + 2 ** 970;
  for (let step = 0; step < 64 && !Number.isFinite(bound + delta); step++) bound = neighbour(bound, -1n);
  for (let step = 0; step < 64; step++) {
    const next = neighbour(bound, 1n);
    if (!Number.isFinite(next + delta)) break;
    bound = next;
  }
  return bound;
}

/** Whether `current + delta` overflows: the very comparison `headroomFilter` asks the server for. */
function overflows(current: number, delta: number): boolean {
  return delta > 0 ? current > headroom(delta) : delta < 0 && current < -headroom(-delta);
}

/**
 * The filter that lets an increment land only while every incremented metric has room for its
 * delta: absent (it starts at 0), or within {@link headroom} of it. A refused increment then
 * writes nothing at all, so the stored values stay as they were.
 */
export function headroomFilter(deltas: Readonly<Record<string, number>>, names: readonly string[]): Filter<JobDocument> {
  const conditions: Document[] = [];
  for (const name of names) {
    const delta = deltas[name]!;
    if (delta === 0) continue;
    const path = metricPath(name);
    const bound = delta > 0 ? { $lte: headroom(delta) } : { $gte: -headroom(-delta) };
    conditions.push({ $or: [{ [path]: { $exists: false } }, { [path]: bound }] });
  }
  return (conditions.length === 0 ? {} : { $and: conditions }) as Filter<JobDocument>;
}

/** The first metric (by the order of `names`) that `deltas` would overflow on `stored`, or null. */
export function overflowingMetric(
  stored: Readonly<Record<string, unknown>> | null | undefined,
  deltas: Readonly<Record<string, number>>,
  names: readonly string[],
): string | null {
  for (const name of names) {
    const raw = stored == null ? undefined : Object.getOwnPropertyDescriptor(stored, encodeMetricName(name))?.value;
    const current = typeof raw === 'number' ? raw : 0;
    if (overflows(current, deltas[name]!)) return name;
  }
  return null;
}

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
