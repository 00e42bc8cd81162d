import { ranksBefore, type ClaimOrderKey } from './claim-order.js';
import type { TypePlan } from './type-plan.js';

/** A group's due jobs, in claim order. */
export interface GroupJobs<T extends ClaimOrderKey> {
  group: string | null;
  jobs: readonly T[];
}

/** A job a claim plans to take, with its group. */
export interface PlannedJob<T extends ClaimOrderKey> {
  job: T;
  group: string | null;
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
 * `plan.groupLimit(group)` of each group, served round-robin — the group whose latest start is
 * oldest gives the next job (a group that never started goes first), ties broken by claim order of
 * the groups' next jobs; each job taken makes `now` its group's latest start. The order of core's
 * `takeDue` for one type with `lastStart`, over the groups' due jobs as the claim read them.
 * `lastStarts` (ms) is not changed.
 */
export function roundRobin<T extends ClaimOrderKey>(
  groups: readonly GroupJobs<T>[],
  lastStarts: ReadonlyMap<string | null, number>,
  plan: TypePlan,
  now: number,
): PlannedJob<T>[] {
  const latest = new Map(lastStarts);
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
    taken.push({ job: best.jobs[best.next]!, group: best.group });
    best.next++;
    best.left--;
    latest.set(best.group, now);
    if (best.left <= 0 || best.next >= best.jobs.length) candidates.splice(candidates.indexOf(best), 1);
  }
  return taken;
}
