import { ranksBefore, type ClaimOrderKey } from './claim-order.js';
import type { TypePlan } from './type-plan.js';

/** A group's due jobs, in claim order. */
export interface GroupJobs<T extends ClaimOrderKey> {
  group: string | null;
  jobs: readonly T[];
}

/** A job a claim plans to take, with its group and its turn (see `roundRobin`). */
export interface PlannedJob<T extends ClaimOrderKey> {
  job: T;
  group: string | null;
  turn: number;
}

interface Candidate<T extends ClaimOrderKey> {
  group: string | null;
  jobs: readonly T[];
  next: number;
  /** What this group may still give. */
  left: number;
}

/**
 * The jobs one claim takes of a controlled type, in take order: at most `plan.limit`, at most
 * `plan.groupLimit(group)` of each group, served round-robin: the group whose latest turn is
 * oldest gives the next job (a group that never started goes first), ties broken by claim order
 * of the groups' next jobs. The k-th job taken (from 0) gets turn `firstTurn + k`, which becomes
 * its group's latest turn, so groups started by one claim are ordered as they were taken, not
 * tied. Turns only grow: claims of a type are serialised, and each one's `firstTurn` lies above
 * every turn given before (see `claimTurns`). The order of core's `takeDue` for one type.
 * `lastTurns` is not changed.
 */
export function roundRobin<T extends ClaimOrderKey>(
  groups: readonly GroupJobs<T>[],
  lastTurns: ReadonlyMap<string | null, number>,
  plan: TypePlan,
  firstTurn: number,
): PlannedJob<T>[] {
  const latest = new Map(lastTurns);
  const candidates: Candidate<T>[] = [];
  for (const { group, jobs } of groups) {
    const left = plan.groupLimit === undefined ? Number.POSITIVE_INFINITY : plan.groupLimit(group);
    if (left > 0 && jobs.length > 0) candidates.push({ group, jobs, next: 0, left });
  }
  const taken: PlannedJob<T>[] = [];
  while (taken.length < plan.limit && candidates.length > 0) {
    let best = candidates[0]!;
    for (let index = 1; index < candidates.length; index++) {
      const candidate = candidates[index]!;
      const a = latest.get(candidate.group) ?? Number.NEGATIVE_INFINITY;
      const b = latest.get(best.group) ?? Number.NEGATIVE_INFINITY;
      if (a !== b) {
        if (a < b) best = candidate;
      } else if (ranksBefore(candidate.jobs[candidate.next]!, best.jobs[best.next]!)) {
        best = candidate;
      }
    }
    const turn = firstTurn + taken.length;
    taken.push({ job: best.jobs[best.next]!, group: best.group, turn });
    best.next++;
    best.left--;
    latest.set(best.group, turn);
    if (best.left <= 0 || best.next >= best.jobs.length) candidates.splice(candidates.indexOf(best), 1);
  }
  return taken;
}

/**
 * The first turn of a type's claim: its claim count (the control document's `claims` after this
 * claim's increment) times a million, above every turn of the claims before it (a claim takes at
 * most 1000 jobs).
 */
export function claimTurns(claims: number): number {
  return claims * 1_000_000;
}
