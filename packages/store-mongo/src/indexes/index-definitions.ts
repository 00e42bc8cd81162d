import type { IndexDescription } from 'mongodb';
import { KEY_HOLDING_STATUSES } from '../documents/statuses.js';

/** The name of the index whose duplicate-key errors mean "this key is held" (see driver-errors). */
export const DEDUPE_INDEX_NAME = 'jobtrail_dedupe_scoped';

/**
 * Every index the store relies on; `ensureIndexes()` creates them (idempotently). Each entry says
 * which operation it serves. All names start with `jobtrail_` so they are easy to tell apart from
 * the application's own indexes.
 */
export const JOB_INDEXES: readonly IndexDescription[] = [
  {
    // claim: equality on type and status, then the claim order; runAt <= now is checked in the
    // index. The $in over types and statuses becomes a merge of one ordered scan per pair.
    name: 'jobtrail_claim',
    key: { type: 1, status: 1, priority: -1, runAt: 1, _id: 1 },
  },
  {
    // flow control (claims of a type with limits, in their transaction): running jobs counted per
    // group, and every group's due jobs in claim order for round-robin, from index keys alone.
    name: 'jobtrail_claim_group',
    key: { type: 1, status: 1, group: 1, priority: -1, runAt: 1, _id: 1 },
  },
  {
    // dedupe: at most one unfinished job per (type, key, tenantId, ownerId): keys are scoped to a
    // tenant and owner. Every document stores tenantId and ownerId, null when absent, and a unique
    // index compares nulls as equal, so two jobs without a tenant share a scope. Jobs without a key
    // (null is not a string) and finished jobs are left out, so finishing a job frees its key.
    // `$in` in a partial filter needs MongoDB 6.0 or newer. A new name (the old one indexed type
    // and key alone), so ensureIndexes() can create it beside the old index and then drop that.
    name: DEDUPE_INDEX_NAME,
    key: { type: 1, key: 1, tenantId: 1, ownerId: 1 },
    unique: true,
    partialFilterExpression: { key: { $type: 'string' }, status: { $in: [...KEY_HOLDING_STATUSES] } },
  },
  {
    // findExpired: running jobs by lease expiry, oldest first.
    name: 'jobtrail_expired_leases',
    key: { status: 1, leaseExpiresAt: 1, _id: 1 },
  },
  {
    // prune: finished jobs of a status by finish time.
    name: 'jobtrail_prune',
    key: { status: 1, finishedAt: 1, _id: 1 },
  },
  {
    // activity: jobs started in a time range (their finishes use jobtrail_prune). Jobs never
    // started hold startedAt null and share one key.
    name: 'jobtrail_started',
    key: { startedAt: 1 },
  },
  {
    // query by type(s), newest first.
    name: 'jobtrail_type_recent',
    key: { type: 1, _id: -1 },
  },
  {
    // query scoped to a tenant, newest first.
    name: 'jobtrail_tenant_recent',
    key: { tenantId: 1, _id: -1 },
  },
  {
    // query scoped to an owner, newest first.
    name: 'jobtrail_owner_recent',
    key: { ownerId: 1, _id: -1 },
  },
  {
    // a parent's children (query, sumMetrics), newest first.
    name: 'jobtrail_parent_recent',
    key: { parentId: 1, _id: -1 },
  },
  {
    // the metadata list filter: equality on any top-level metadata field (a wildcard index, one
    // entry per field of each job's metadata; MongoDB 4.2+).
    name: 'jobtrail_metadata',
    key: { 'metadata.$**': 1 },
  },
];


/**
 * The dedupe index of versions before per-tenant keys: unique per (type, key) across tenants and
 * owners. While it exists, a tenant's key clashes with another tenant's job, so `ensureIndexes()`
 * drops it once the scoped index exists.
 */
export const GLOBAL_DEDUPE_INDEX_NAME = 'jobtrail_dedupe';

/** Indexes of older versions that `ensureIndexes()` drops after creating {@link JOB_INDEXES}. */
export const RETIRED_INDEX_NAMES: readonly string[] = [GLOBAL_DEDUPE_INDEX_NAME];

/**
 * The indexes of the schedules collection (see `ScheduleDocument`); `ensureIndexes()` creates
 * them beside {@link JOB_INDEXES}. Names are unique through `_id` (the schedule name), so there is
 * no unique index here: a duplicate-key error on this collection always means "that name exists".
 */
export const SCHEDULE_INDEXES: readonly IndexDescription[] = [
  {
    // dueSchedules (its branch of firing schedules whose nextRunAt has come) and
    // nextScheduleRunAt: equality on the flags, then nextRunAt and name in dueSchedules' order.
    name: 'jobtrail_schedule_due',
    key: { enabled: 1, paused: 1, nextRunAt: 1, _id: 1 },
  },
  {
    // dueSchedules (its branch of schedules with pending ticks, whatever their state): multikey,
    // one entry per pending tick; an empty array has a single entry outside the Date range, which
    // the filter's bounds skip.
    name: 'jobtrail_schedule_pending',
    key: { pendingTicks: 1 },
  },
  {
    // listSchedules of one tenant (or of those without one), by name.
    name: 'jobtrail_schedule_tenant',
    key: { tenantId: 1, _id: 1 },
  },
];

/**
 * The index of the type-starts collection (`TypeStartDocument`): a claim counts a rate-limited
 * type's starts in its window (per group with `perGroup`) and drops those older than the window;
 * `countStarts` counts them after a time, of one group or all.
 */
export const TYPE_START_INDEXES: readonly IndexDescription[] = [
  {
    name: 'jobtrail_type_starts',
    key: { type: 1, group: 1, at: 1 },
  },
];

/**
 * The index of the type-groups collection (`TypeGroupDocument`): one document per group of a
 * controlled type (unique: a claim's upsert never makes a second), looked up by type and groups.
 */
export const TYPE_GROUP_INDEXES: readonly IndexDescription[] = [
  {
    name: 'jobtrail_type_group',
    key: { type: 1, group: 1 },
    unique: true,
  },
];
