import { StoreError } from '@jobtrail/core';
import type { ClaimRequest } from '@jobtrail/core/store';
import type { Filter, Sort, UpdateFilter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { CLAIMABLE_STATUSES } from './statuses.js';

/** Claim order: priority desc, runAt asc, id asc — the `jobtrail_claim` index order. */
export const CLAIM_SORT = { priority: -1, runAt: 1, _id: 1 } as const satisfies Sort;

/** Due, claimable jobs of the given types (the types that still have budget). */
export function claimFilter(types: readonly string[], now: Date): Filter<JobDocument> {
  return {
    type: types.length === 1 ? types[0]! : { $in: [...types] },
    status: { $in: [...CLAIMABLE_STATUSES] },
    runAt: { $lte: now },
  };
}

/** What a claim does to a job: running, one more attempt, leased to the claimer from now. */
export function claimUpdate(owner: string, now: Date, leaseExpiresAt: Date): UpdateFilter<JobDocument> {
  return {
    $set: { status: 'running', leaseOwner: owner, leaseExpiresAt, startedAt: now, updatedAt: now },
    $inc: { attempt: 1 },
  };
}

/**
 * What one claim may still take: per type and in all. Each claimed job is charged to its type;
 * a type whose budget is spent drops out of the next step's filter.
 */
export class ClaimBudget {
  private readonly remaining = new Map<string, number>();
  private left: number;

  constructor(limits: Readonly<Record<string, number>>, total: number) {
    this.left = total;
    for (const type of Object.keys(limits)) {
      const limit = limits[type]!;
      if (limit > 0) this.remaining.set(type, limit);
    }
  }

  /** True when nothing more may be claimed. */
  get spent(): boolean {
    return this.left === 0 || this.remaining.size === 0;
  }

  /** The types that may still be claimed, for the next step's filter. */
  openTypes(): string[] {
    return [...this.remaining.keys()];
  }

  charge(type: string): void {
    const left = this.remaining.get(type);
    if (left === undefined) throw new StoreError(`MongoDB answered a claimed job of type "${type}", which the claim did not ask for.`);
    if (left <= 1) this.remaining.delete(type);
    else this.remaining.set(type, left - 1);
    this.left--;
  }
}

/** The parts of a claim request (checked by core's `guardStore`). */
export interface ClaimPlan {
  owner: string;
  now: Date;
  leaseExpiresAt: Date;
  budget: ClaimBudget;
}

export function claimPlan(request: ClaimRequest): ClaimPlan {
  const { owner, now, leaseExpiresAt } = request;
  return { owner, now, leaseExpiresAt, budget: new ClaimBudget(request.limits, request.limit) };
}
