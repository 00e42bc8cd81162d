import type { Filter, UpdateFilter } from 'mongodb';
import type { JobDocument } from '../mapping/job-document.js';
import { CLAIM_SORT, claimFilter, claimUpdate, type ClaimPlan } from './claim-documents.js';

/** One atomic find-and-lease: `findOneAndUpdate(filter, update, { sort, returnDocument: 'after' })`. */
export type ClaimStep = (filter: Filter<JobDocument>, update: UpdateFilter<JobDocument>, sort: typeof CLAIM_SORT) => Promise<JobDocument | null>;

export interface ClaimBatchResult {
  /** Leased documents, in claim order. */
  claimed: JobDocument[];
  /** Set when a step failed; `claimed` holds what was leased before. */
  error?: unknown;
}

/**
 * The claim loop: each step leases the best due job among the types that still have budget,
 * until the budget is spent or nothing is due. Each step is a single-document atomic update, so
 * concurrent claimers never lease one job twice, and re-filtering by the open types at every
 * step keeps the per-type limits and the global order exact.
 */
export async function claimBatch(plan: ClaimPlan, step: ClaimStep): Promise<ClaimBatchResult> {
  const { owner, now, leaseExpiresAt, budget } = plan;
  const update = claimUpdate(owner, now, leaseExpiresAt);
  const claimed: JobDocument[] = [];
  try {
    while (!budget.spent) {
      const doc = await step(claimFilter(budget.openTypes(), now), update, CLAIM_SORT);
      if (doc === null) break;
      budget.charge(doc.type);
      claimed.push(doc);
    }
  } catch (error) {
    return { claimed, error };
  }
  return { claimed };
}
