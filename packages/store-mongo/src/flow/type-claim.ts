import { StoreError } from '@jobtrail/core';
import { controlsClaims, type ClaimRequest, type TypeControl } from '@jobtrail/core/store';
import type { ClientSession } from 'mongodb';
import { claimUpdate } from '../documents/claim-documents.js';
import {
  dueGroupsPipeline,
  groupStartsFilter,
  groupStartWrites,
  leasedJobsFilter,
  plannedJobsFilter,
  runningByGroupPipeline,
  startsByGroupPipeline,
  startWrites,
  type DueGroup,
  type DueJobKey,
  type GroupCount,
} from '../documents/flow-claim-documents.js';
import { CLAIM_MARK, typeControlFilter } from '../documents/type-control-documents.js';
import { isTransactionUnsupported } from '../errors/driver-errors.js';
import type { JobDocument } from '../mapping/job-document.js';
import { toTypeControl } from '../mapping/type-control-document.js';
import { commitTransaction, discardSession, TRANSACTION_OPTIONS } from '../transaction/transaction-retry.js';
import type { FlowCollections } from './flow-collections.js';
import { claimTurns, roundRobin, type PlannedJob } from './round-robin.js';
import { planType, type TypePlan } from './type-plan.js';

/** What opening a claim of a type found: a transaction holding a plan, or why there is none. */
export type TypeClaimOpening =
  | { kind: 'open'; claim: TypeClaim }
  /** The type has no record that asks anything of the claim (any more): claim it the plain way. */
  | { kind: 'plain' }
  /** Nothing to take now (paused, at a limit, nothing due); no transaction stays open. */
  | { kind: 'nothing' };

function countsOf(rows: readonly GroupCount[]): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const row of rows) counts.set(row._id ?? null, row.count);
  return counts;
}

function transactionsUnsupported(type: string, cause: unknown): StoreError {
  return new StoreError(
    `Job type "${type}" has flow control (limits or a pause), which the MongoDB store enforces in a transaction: that needs a replica set ` +
      'or a sharded cluster (a single-node replica set is enough), and this server is standalone.',
    { cause },
  );
}

/**
 * One claim of one controlled type, as one MongoDB transaction:
 *
 * 1. `open` increments the type's control document first (`CLAIM_MARK`). Two claimers of the
 *    type thus write one document: MongoDB commits at most one of them and fails the other with a
 *    write conflict (retried from the start, see `retryTransient`), and a transaction that starts
 *    after a commit reads from a snapshot that holds it. So claims of a type are serialised, and
 *    what one reads next is exactly what the claims before it left.
 * 2. It reads the record it wrote (the limits are those of this snapshot), counts the type's
 *    running jobs and recent starts per group, reads each group's due jobs and latest start, and
 *    plans which jobs to take: within the limits, groups served round-robin (`roundRobin`).
 * 3. `take` leases the first jobs of the plan, records their starts (rate limits) and their
 *    groups' latest start, and commits: the limits, the leases and the bookkeeping land together
 *    or not at all.
 *
 * Every write the plan rests on is inside the transaction, and every other writer of the jobs it
 * leases (a cancel, a transition) either commits before the snapshot (and is read) or conflicts
 * (and the claim runs again), so no check-then-act race exists.
 */
export class TypeClaim {
  private over = false;

  private constructor(
    readonly type: string,
    readonly control: TypeControl,
    /** What the claim would take, in take order (round-robin). */
    readonly planned: readonly PlannedJob<DueJobKey>[],
    private readonly session: ClientSession,
    private readonly request: ClaimRequest,
    private readonly collections: FlowCollections,
  ) {}

  /** Opens the transaction and plans up to `requested` jobs of `type` (see the class). */
  static async open(type: string, requested: number, request: ClaimRequest, collections: FlowCollections): Promise<TypeClaimOpening> {
    const session = collections.startSession();
    let opening: TypeClaimOpening = { kind: 'nothing' };
    try {
      session.startTransaction(TRANSACTION_OPTIONS);
      const marked = await collections.controls.findOneAndUpdate(typeControlFilter(type), CLAIM_MARK, { session, returnDocument: 'after' });
      const control = marked === null ? null : toTypeControl(marked);
      if (control === null || !controlsClaims(control)) {
        opening = { kind: 'plain' };
      } else {
        const planned = await planClaim(type, control, requested, request.now, claimTurns(marked?.claims ?? 0), session, collections);
        if (planned.length > 0) opening = { kind: 'open', claim: new TypeClaim(type, control, planned, session, request, collections) };
      }
      return opening;
    } catch (error) {
      if (isTransactionUnsupported(error)) throw transactionsUnsupported(type, error);
      throw error;
    } finally {
      if (opening.kind !== 'open') await discardSession(session);
    }
  }

  /**
   * Leases the first `count` planned jobs, records their starts and groups, and commits; answers
   * the leased documents in take order. With `count` 0 nothing is written. Either way the
   * transaction is over afterwards; on a failure nothing of it was written.
   */
  async take(count: number): Promise<JobDocument[]> {
    const { session, collections, request, type } = this;
    try {
      const chosen = this.planned.slice(0, Math.max(0, count));
      if (chosen.length === 0) return [];
      const ids = chosen.map((planned) => planned.job._id);
      const groups = chosen.map((planned) => planned.group);
      const now = request.now;
      const leased = await collections.jobs.updateMany(plannedJobsFilter(type, ids, now), claimUpdate(request.owner, now, request.leaseExpiresAt), { session });
      if (leased.modifiedCount !== ids.length) {
        throw new StoreError(`MongoDB leased ${leased.modifiedCount} of the ${ids.length} jobs of type "${type}" a claim planned in the same transaction; nothing was claimed.`);
      }
      const byId = new Map((await collections.jobs.find(leasedJobsFilter(ids), { session }).toArray()).map((doc) => [doc._id, doc]));
      const docs = ids.map((id) => byId.get(id)).filter((doc) => doc !== undefined);
      if (docs.length !== ids.length) throw new StoreError(`MongoDB did not read back the jobs of type "${type}" its transaction just leased; nothing was claimed.`);
      const rate = this.control.rateLimit;
      if (rate !== null) await collections.starts.bulkWrite(startWrites(type, groups, now, rate.intervalMs), { session });
      await collections.groups.bulkWrite(groupStartWrites(type, chosen, now), { session });
      await commitTransaction(session);
      return docs;
    } finally {
      await this.close();
    }
  }

  /** Gives the transaction up, unless `take` ended it already (then there is nothing left to do). */
  async close(): Promise<void> {
    if (this.over) return;
    this.over = true;
    await discardSession(this.session);
  }
}

/** Step 2 of the class comment, inside the open transaction: what a claim of `type` would take now. */
async function planClaim(
  type: string,
  control: TypeControl,
  requested: number,
  now: Date,
  firstTurn: number,
  session: ClientSession,
  collections: FlowCollections,
): Promise<PlannedJob<DueJobKey>[]> {
  if (control.paused) return [];
  const countsRunning = control.maxRunning !== null || control.maxRunningPerGroup !== null;
  const running = countsRunning ? countsOf(await collections.jobs.aggregate<GroupCount>(runningByGroupPipeline(type), { session }).toArray()) : new Map();
  const rate = control.rateLimit;
  const since = rate === null ? now : new Date(now.getTime() - rate.intervalMs);
  const starts = rate === null ? new Map() : countsOf(await collections.starts.aggregate<GroupCount>(startsByGroupPipeline(type, since), { session }).toArray());
  const plan: TypePlan = planType(control, requested, { running, starts });
  if (plan.limit <= 0) return [];
  const due = await collections.jobs.aggregate<DueGroup>(dueGroupsPipeline(type, now, plan.limit), { session }).toArray();
  const groups = due.map((row) => ({ group: row._id ?? null, jobs: row.jobs })).filter((row) => plan.groupLimit === undefined || plan.groupLimit(row.group) > 0);
  if (groups.length === 0) return [];
  // With one group there is no order to decide between groups.
  const lastTurns = new Map<string | null, number>();
  if (groups.length > 1) {
    const rows = await collections.groups.find(groupStartsFilter(type, groups.map((row) => row.group)), { session, projection: { _id: 0, group: 1, turn: 1 } }).toArray();
    for (const row of rows) if (typeof row.turn === 'number') lastTurns.set(row.group ?? null, row.turn);
  }
  return roundRobin(groups, lastTurns, plan, firstTurn);
}
