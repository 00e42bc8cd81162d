import type { TypeControl } from '@jobtrail/core/store';

/** How one controlled type may be claimed now (what the memory store's `FlowTable.plan` answers). */
export interface TypePlan {
  /** Most jobs of the type to take. */
  limit: number;
  /** Most jobs of one group to take; absent: no cap per group. */
  groupLimit?: (group: string | null) => number;
}

/** What a plan needs to know besides the record: counts per group (`null`: jobs without one). */
export interface TypeCounts {
  /** The type's running jobs. */
  running: ReadonlyMap<string | null, number>;
  /** The type's starts in the rate window `(now - intervalMs, now]`. */
  starts: ReadonlyMap<string | null, number>;
}

function sum(counts: ReadonlyMap<string | null, number>): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}

/**
 * How many of `requested` jobs a claim may take within `control`: none while paused; at most
 * `maxRunning` minus the running ones; within the sliding-window rate allowance (per type, or per
 * group with `perGroup`); and per group at most `maxRunningPerGroup` minus the group's running
 * ones. The same arithmetic as core's memory store, over counts read in the claim's transaction.
 * The allowance depends only on how many starts fall in the window, so counts are enough.
 */
export function planType(control: TypeControl, requested: number, counts: TypeCounts): TypePlan {
  if (control.paused) return { limit: 0 };
  let limit = requested;
  if (control.maxRunning !== null) limit = Math.min(limit, control.maxRunning - sum(counts.running));
  const rate = control.rateLimit;
  if (rate !== null && !rate.perGroup) limit = Math.min(limit, allowance(rate.limit, sum(counts.starts)));
  const plan: TypePlan = { limit };
  const perGroup = control.maxRunningPerGroup;
  if (perGroup !== null || rate?.perGroup === true) {
    plan.groupLimit = (group) => {
      let left = Number.POSITIVE_INFINITY;
      if (perGroup !== null) left = perGroup - (counts.running.get(group) ?? 0);
      if (rate?.perGroup === true) left = Math.min(left, allowance(rate.limit, counts.starts.get(group) ?? 0));
      return left;
    };
  }
  return plan;
}

/**
 * Starts allowed with `counted` starts in the window: what core's `rateAllowance` answers as
 * `allowed` (the starts' times only decide when the next start is allowed, which a claim never
 * asks), so the claim counts starts instead of reading them.
 */
function allowance(limit: number, counted: number): number {
  return Math.max(0, limit - counted);
}
