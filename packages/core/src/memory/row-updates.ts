import { isTerminal, type JobStatus } from '../model/job-status.js';
import type { Expectation, JobPatch, StoreFilter } from '../store/job-store.js';
import { matchesMetadata } from '../store/metadata-filter-check.js';
import { cloneError, cloneValue, copyIn, rowErrors, rowHistory, rowMetrics, type Row } from './clone.js';

/**
 * How the memory store reads and writes its rows: the compare-and-set condition, the patch, the
 * dedupe index key and the filter of queries. Input reaches these already checked (`guardStore`).
 */

export function isClaimable(status: JobStatus): boolean {
  return status === 'queued' || status === 'retrying';
}

/**
 * The dedupe index key: a key is unique per (type, tenant, owner), with `null` ("no tenant", "no
 * owner") a value of its own. JSON keeps the four parts apart whatever text they hold.
 */
export function dedupeKey(row: { type: string; tenantId: string | null; ownerId: string | null }, key: string): string {
  return JSON.stringify([row.type, row.tenantId, row.ownerId, key]);
}

/** Whether the row meets a transition's expectation (the compare of compare-and-set). */
export function matches(row: Row, expected: Expectation): boolean {
  const status = expected.status;
  if (status !== undefined) {
    if (typeof status === 'string' ? row.status !== status : !status.includes(row.status)) return false;
  }
  if (expected.leaseOwner !== undefined && row.leaseOwner !== expected.leaseOwner) return false;
  if (expected.attempt !== undefined && row.attempt !== expected.attempt) return false;
  if (
    expected.leaseExpiresBefore !== undefined &&
    (row.leaseOwner === null || !(row.leaseExpiresAt < expected.leaseExpiresBefore.getTime()))
  ) {
    return false;
  }
  return true;
}

/**
 * Writes every field the patch defines into the row (private copies of objects). The copies are
 * made first: a value that cannot be stored refuses the whole patch (`invalid_input`, see
 * `copyIn`) before anything of the row changes.
 */
export function applyPatch(row: Row, patch: JobPatch): void {
  const result = patch.result === undefined ? undefined : copyIn(cloneValue, patch.result, 'result');
  const error = patch.error === undefined ? undefined : copyIn(cloneError, patch.error, 'error');
  const errors = patch.errors === undefined ? undefined : copyIn(rowErrors, patch.errors, 'errors');
  const history = patch.history === undefined ? undefined : copyIn(rowHistory, patch.history, 'history');
  const metrics = patch.metrics === undefined ? undefined : copyIn(rowMetrics, patch.metrics, 'metrics');
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.attempt !== undefined) row.attempt = patch.attempt;
  if (patch.maxAttempts !== undefined) row.maxAttempts = patch.maxAttempts;
  if (patch.runAt !== undefined) row.runAt = patch.runAt.getTime();
  if (patch.lease !== undefined) {
    row.leaseOwner = patch.lease === null ? null : patch.lease.owner;
    row.leaseExpiresAt = patch.lease === null ? 0 : patch.lease.expiresAt.getTime();
  }
  if (patch.progress !== undefined) row.progress = patch.progress;
  if (patch.stage !== undefined) row.stage = patch.stage;
  if (patch.current !== undefined) row.current = patch.current;
  if (patch.total !== undefined) row.total = patch.total;
  if (result !== undefined) row.result = result;
  if (patch.note !== undefined) row.note = patch.note;
  if (error !== undefined) row.error = error;
  if (errors !== undefined) row.errors = errors;
  if (history !== undefined) row.history = history;
  if (metrics !== undefined) row.metrics = metrics;
  if (patch.startedAt !== undefined) row.startedAt = patch.startedAt === null ? null : patch.startedAt.getTime();
  if (patch.finishedAt !== undefined) row.finishedAt = patch.finishedAt === null ? null : patch.finishedAt.getTime();
  row.updatedAt = patch.updatedAt.getTime();
}

/** A store filter as a test of one row; every condition combines by AND. */
export function compileFilter(filter: StoreFilter): (row: Row) => boolean {
  const statuses = filter.status === undefined ? undefined : new Set<string>(filter.status);
  const types = filter.type === undefined ? undefined : new Set<string>(filter.type);
  const { tenantId, ownerId, group, key, scheduleName, errorCode, metadata, parentId } = filter;
  const createdAfter = filter.createdAfter?.getTime();
  const createdBefore = filter.createdBefore?.getTime();
  const activeSince = filter.activeSince?.getTime();
  return (row) => {
    if (statuses !== undefined && !statuses.has(row.status)) return false;
    if (types !== undefined && !types.has(row.type)) return false;
    if (tenantId !== undefined && row.tenantId !== tenantId) return false;
    if (ownerId !== undefined && row.ownerId !== ownerId) return false;
    if (group !== undefined && row.group !== group) return false;
    if (key !== undefined && row.key !== key) return false;
    if (scheduleName !== undefined && row.scheduleName !== scheduleName) return false;
    if (errorCode !== undefined && row.error?.code !== errorCode) return false;
    if (metadata !== undefined && !matchesMetadata(row.metadata, metadata)) return false;
    if (parentId !== undefined && row.parentId !== parentId) return false;
    if (createdAfter !== undefined && row.createdAt < createdAfter) return false;
    if (createdBefore !== undefined && row.createdAt >= createdBefore) return false;
    if (activeSince !== undefined && isTerminal(row.status) && (row.finishedAt === null || row.finishedAt < activeSince)) {
      return false;
    }
    return true;
  };
}

/** First index in ascending `ids` whose id is >= `id`. */
export function lowerBound(ids: readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ids[mid]! < id) low = mid + 1;
    else high = mid;
  }
  return low;
}
