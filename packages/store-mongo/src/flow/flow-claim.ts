import type { ClaimRequest, TypeControl } from '@jobtrail/core/store';
import type { ClaimBatchResult } from '../documents/claim-batch.js';
import { CLAIM_SORT, claimFilter } from '../documents/claim-documents.js';
import { hasErrorLabel, isWriteConflict } from '../errors/driver-errors.js';
import type { JobDocument } from '../mapping/job-document.js';
import { retryTransient } from '../transaction/transaction-retry.js';
import { interleave, type ClaimOrderKey } from './claim-order.js';
import type { FlowCollections } from './flow-collections.js';
import { TypeClaim, type TypeClaimOpening } from './type-claim.js';

export interface FlowClaimContext {
  collections: FlowCollections;
  /** Today's claim (`claimBatch`), for the requested types that have no flow control. */
  plainClaim(request: ClaimRequest): Promise<ClaimBatchResult>;
}

/**
 * A claim of which some requested types have a record that asks something of the claim
 * (`controls`, read just before, every such record of the request's types). A paused type is
 * left out (taking nothing needs no transaction); every other controlled type is claimed in a
 * transaction of its own (`TypeClaim`), which re-reads its record: a type whose record no longer
 * asks anything joins the plain ones. The plain types are then claimed as without flow control,
 * within what is left of `limit`.
 *
 * When the types together may ask for more than `limit`, which type gets how much follows claim
 * order across types, as in core's `takeDue`: the controlled types' transactions stay open with
 * their plans while the plain types' due jobs are looked up, the sequences are interleaved
 * (`interleave`), and each transaction leases its share. Otherwise each type takes what it may on
 * its own, one transaction at a time.
 *
 * Answers the jobs in take order across types. A type that fails does not keep the others from
 * being claimed: the first failure is answered beside what was leased (see `claimBatch`).
 */
export async function claimWithFlow(request: ClaimRequest, controls: ReadonlyMap<string, TypeControl>, context: FlowClaimContext): Promise<ClaimBatchResult> {
  const total = request.limit;
  const requested = (type: string): number => Math.min(request.limits[type]!, total);
  const controlled: string[] = [];
  const plain: string[] = [];
  for (const type of Object.keys(request.limits)) {
    if (request.limits[type]! <= 0) continue;
    const control = controls.get(type);
    if (control === undefined) plain.push(type);
    else if (!control.paused) controlled.push(type);
  }
  // One order for every claimer, so two claims never hold each other's types crosswise.
  controlled.sort();
  const taken = new Map<string, JobDocument[]>();
  let left = total;
  let failed: { error: unknown } | undefined;
  const outcome: ClaimOutcome = {
    keep(docs) {
      for (const doc of docs) {
        const list = taken.get(doc.type);
        if (list === undefined) taken.set(doc.type, [doc]);
        else list.push(doc);
      }
      left -= docs.length;
    },
    fail(error) {
      failed ??= { error };
    },
  };
  const competing = [...controlled, ...plain].reduce((sum, type) => sum + requested(type), 0) > total;
  if (competing) {
    try {
      await claimInOrder(controlled, plain, requested, request, context.collections, outcome);
    } catch (error) {
      outcome.fail(error);
    }
  } else {
    for (const type of controlled) {
      try {
        const docs = await claimAlone(type, requested(type), request, context.collections);
        if (docs === 'plain') plain.push(type);
        else outcome.keep(docs);
      } catch (error) {
        outcome.fail(error);
      }
    }
  }
  if (left > 0 && plain.length > 0) {
    const limits = Object.fromEntries(plain.map((type) => [type, request.limits[type]!]));
    try {
      const result = await context.plainClaim({ ...request, limits, limit: left });
      outcome.keep(result.claimed);
      if ('error' in result) outcome.fail(result.error);
    } catch (error) {
      outcome.fail(error);
    }
  }
  const claimed = interleave([...taken.values()]);
  return failed === undefined ? { claimed } : { claimed, error: failed.error };
}

/** Where a claim's parts report: the jobs each leased (once committed), and failures. */
interface ClaimOutcome {
  keep(docs: readonly JobDocument[]): void;
  fail(error: unknown): void;
}

/**
 * Opens a claim of `type`, running it again while it meets a transient failure. When it keeps
 * meeting write conflicts — other claimers keep taking the type — it gives up on the type for
 * this claim (their claims are taking its jobs; the worker claims again soon) rather than fail
 * the whole claim.
 */
async function openClaim(type: string, requested: number, request: ClaimRequest, collections: FlowCollections): Promise<TypeClaimOpening> {
  try {
    return await retryTransient(() => TypeClaim.open(type, requested, request, collections), collections.timing);
  } catch (error) {
    if (isWriteConflict(error)) return { kind: 'nothing' };
    throw error;
  }
}

/** Claims up to `requested` jobs of one controlled type in one transaction (see `openClaim` on retries). */
async function claimAlone(type: string, requested: number, request: ClaimRequest, collections: FlowCollections): Promise<JobDocument[] | 'plain'> {
  try {
    return await retryTransient(async () => {
      const opening = await TypeClaim.open(type, requested, request, collections);
      if (opening.kind === 'plain') return 'plain';
      if (opening.kind === 'nothing') return [];
      return opening.claim.take(opening.claim.planned.length);
    }, collections.timing);
  } catch (error) {
    if (isWriteConflict(error)) return [];
    throw error;
  }
}

/**
 * The claim when the types compete for `limit` (see `claimWithFlow`). The controlled types'
 * transactions are opened in type order and kept open until each has leased its share; `plain`
 * gains the types whose record no longer asks anything. A type that fails is reported and left
 * out; the others go on.
 */
async function claimInOrder(
  controlled: readonly string[],
  plain: string[],
  requested: (type: string) => number,
  request: ClaimRequest,
  collections: FlowCollections,
  outcome: ClaimOutcome,
): Promise<void> {
  const opened: TypeClaim[] = [];
  try {
    for (const type of controlled) {
      try {
        const opening = await openClaim(type, requested(type), request, collections);
        if (opening.kind === 'plain') plain.push(type);
        else if (opening.kind === 'open') opened.push(opening.claim);
      } catch (error) {
        outcome.fail(error);
      }
    }
    if (opened.length === 0) return;
    const sequences: (readonly (ClaimOrderKey & { type: string })[])[] = opened.map((claim) => claim.planned.map((planned) => ({ ...planned.job, type: claim.type })));
    for (const type of plain) {
      const due = await collections.jobs
        .find(claimFilter([type], request.now), { sort: CLAIM_SORT, limit: requested(type), projection: { _id: 1, priority: 1, runAt: 1 } })
        .toArray();
      sequences.push(due.map((job) => ({ _id: job._id, priority: job.priority, runAt: job.runAt, type })));
    }
    const shares = new Map<string, number>();
    for (const job of interleave(sequences, request.limit)) shares.set(job.type, (shares.get(job.type) ?? 0) + 1);
    for (const claim of opened) {
      const share = shares.get(claim.type) ?? 0;
      try {
        outcome.keep(await claim.take(share));
      } catch (error) {
        if (!hasErrorLabel(error, 'TransientTransactionError')) {
          outcome.fail(error);
          continue;
        }
        // A planned job changed under the transaction (cancelled, say) or the primary stepped
        // down: plan again, for the same share, in a transaction of its own.
        try {
          const again = await claimAlone(claim.type, share, request, collections);
          if (again === 'plain') plain.push(claim.type);
          else outcome.keep(again);
        } catch (retryError) {
          outcome.fail(retryError);
        }
      }
    }
  } finally {
    for (const claim of opened) await claim.close();
  }
}
