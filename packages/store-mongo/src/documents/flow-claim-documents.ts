import type { AnyBulkWriteOperation, Document, Filter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { filterValue, filterValues } from '../validation/checks.js';
import { CLAIMABLE_STATUSES } from './statuses.js';

/**
 * The documents of a claim of a controlled type (see `TypeClaim`), all run inside its
 * transaction, and of `countStarts`. Every caller value placed in a filter goes through
 * `filterValue`. A job's group is `null` when it has none (documents written before groups lack
 * the field: `$group` on `'$group'` and `{ group: null }` both take a missing field for null).
 */

/** One start of a rate-limited type, in the type-starts collection (`_id` set by the driver). */
export interface TypeStartDocument {
  type: string;
  group: string | null;
  at: Date;
}

/** The latest start of one group of a controlled type, in the type-groups collection (round-robin). */
export interface TypeGroupDocument {
  type: string;
  group: string | null;
  lastStartAt: Date;
  /** The group's latest turn (see `roundRobin`): what round-robin orders groups by. */
  turn: number;
}

/** A count per group, as the `$group` stages below answer it. */
export interface GroupCount {
  _id: string | null;
  count: number;
}

/** A due job as a claim plans with it: its place in claim order, nothing else. */
export interface DueJobKey {
  _id: string;
  priority: number;
  runAt: Date;
}

/** A group's due jobs in claim order, at most the claim's limit of them. */
export interface DueGroup {
  _id: string | null;
  jobs: DueJobKey[];
}

/** The type's running jobs, counted per group (`jobtrail_claim_group` answers it from the index). */
export function runningByGroupPipeline(type: string): Document[] {
  return [{ $match: { type: filterValue('type', type), status: 'running' } }, { $group: { _id: '$group', count: { $sum: 1 } } }];
}

/**
 * The type's starts after `since` (the rate window's start), counted per group. Starts after the
 * claim's `now` count too, as `rateAllowance` says: they are another claimer's whose clock runs
 * ahead, and leaving them out would let this claim put a second `limit` into a window that holds
 * both.
 */
export function startsByGroupPipeline(type: string, since: Date): Document[] {
  return [
    { $match: { type: filterValue('type', type), at: { $gt: filterValue('since', since) } } },
    { $group: { _id: '$group', count: { $sum: 1 } } },
  ];
}

/**
 * The type's due, claimable jobs, per group: the first `perGroup` of each in claim order (priority
 * desc, runAt asc, id asc), keys only. Every group with a due job is answered, however deep in
 * claim order its first job lies, which is what round-robin needs; `jobtrail_claim_group` serves
 * the match and the sort, so only index keys are read.
 */
export function dueGroupsPipeline(type: string, now: Date, perGroup: number): Document[] {
  return [
    { $match: { type: filterValue('type', type), status: { $in: [...CLAIMABLE_STATUSES] }, runAt: { $lte: filterValue('now', now) } } },
    { $sort: { group: 1, priority: -1, runAt: 1, _id: 1 } },
    { $group: { _id: '$group', jobs: { $firstN: { n: perGroup, input: { _id: '$_id', priority: '$priority', runAt: '$runAt' } } } } },
  ];
}

/**
 * The jobs a claim planned to lease, as long as they are still due and claimable. Inside the
 * transaction that planned them nothing else can have changed them: a concurrent write makes the
 * update fail with a write conflict instead, so the update matches them all or the transaction
 * is retried.
 */
export function plannedJobsFilter(type: string, ids: readonly string[], now: Date): Filter<JobDocument> {
  return {
    _id: { $in: filterValues('ids', ids) },
    type: filterValue('type', type),
    status: { $in: [...CLAIMABLE_STATUSES] },
    runAt: { $lte: filterValue('now', now) },
  };
}

/** The jobs a claim just leased (read back in its transaction, which sees its own writes). */
export function leasedJobsFilter(ids: readonly string[]): Filter<JobDocument> {
  return { _id: { $in: filterValues('ids', ids) } };
}

/** The latest starts of the given groups of a type (for round-robin). */
export function groupStartsFilter(type: string, groups: readonly (string | null)[]): Filter<TypeGroupDocument> {
  return { type: filterValue('type', type), group: { $in: filterValues('groups', groups) } };
}

/**
 * Records the starts of a rate-limited type's claim — one document per started job, in its group
 * — and drops the starts no window can count any more (at or before `now - intervalMs`).
 */
export function startWrites(type: string, groups: readonly (string | null)[], now: Date, intervalMs: number): AnyBulkWriteOperation<TypeStartDocument>[] {
  const inserts: AnyBulkWriteOperation<TypeStartDocument>[] = groups.map((group) => ({ insertOne: { document: { type, group, at: now } } }));
  return [...inserts, { deleteMany: { filter: { type: filterValue('type', type), at: { $lte: new Date(now.getTime() - intervalMs) } } } }];
}

/**
 * Records, for each group the claim started jobs in, `now` as its latest start and the turn of
 * its last job taken (round-robin serves the group whose latest turn is oldest next). An upsert
 * per group; at most one claimer of a type writes at a time (see `CLAIM_MARK`), and the unique
 * `jobtrail_type_group` index keeps it so.
 */
export function groupStartWrites(
  type: string,
  taken: readonly { group: string | null; turn: number }[],
  now: Date,
): AnyBulkWriteOperation<TypeGroupDocument>[] {
  const turns = new Map<string | null, number>();
  for (const { group, turn } of taken) turns.set(group, Math.max(turn, turns.get(group) ?? Number.NEGATIVE_INFINITY));
  return [...turns].map(([group, turn]) => ({
    updateOne: {
      filter: { type: filterValue('type', type), group: filterValue('group', group) },
      update: { $set: { type, group, lastStartAt: now, turn } },
      upsert: true,
    },
  }));
}

/** `countStarts`: the type's starts after `since`, of one group (null: jobs without one) or of all. */
export function countStartsFilter(type: string, since: Date, group?: string | null): Filter<TypeStartDocument> {
  const filter: Filter<TypeStartDocument> = { type: filterValue('type', type), at: { $gt: filterValue('since', since) } };
  if (group !== undefined) filter.group = filterValue('group', group);
  return filter;
}

/** Every start, or every group's latest start, of a type (dropped when its record stops asking for them). */
export function ofTypeFilter(type: string): Filter<TypeStartDocument> & Filter<TypeGroupDocument> {
  return { type: filterValue('type', type) };
}
