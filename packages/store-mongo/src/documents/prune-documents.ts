import type { TerminalStatus } from '@jobtrail/core';
import type { PruneRequest } from '@jobtrail/core/store';
import type { Filter, Sort } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';

export const DEFAULT_PRUNE_LIMIT = 1000;

/** Oldest finished first, so repeated bounded calls make steady progress through a backlog. */
export const PRUNE_SORT = { finishedAt: 1, _id: 1 } as const satisfies Sort;

export interface PrunePlan {
  /** Null when no status has a cut-off: nothing to delete. */
  filter: Filter<JobDocument> | null;
  limit: number;
}

/**
 * Which jobs a prune (checked by core's `guardStore`) may delete: per terminal status, those
 * finished before its cut-off. The same
 * filter guards the delete itself, so a job retried between the lookup and the delete survives.
 */
export function prunePlan(request: PruneRequest): PrunePlan {
  const limit = request.limit ?? DEFAULT_PRUNE_LIMIT;
  const branches: Array<Filter<JobDocument>> = [];
  for (const [status, date] of Object.entries(request.before ?? {})) {
    if (date !== undefined) branches.push({ status: status as TerminalStatus, finishedAt: { $lt: date } });
  }
  if (branches.length === 0) return { filter: null, limit };
  return { filter: branches.length === 1 ? branches[0]! : { $or: branches }, limit };
}
