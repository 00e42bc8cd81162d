/** A job's place in claim order: priority desc, runAt asc, id asc. */
export interface ClaimOrderKey {
  _id: string;
  priority: number;
  runAt: Date;
}

/** Whether `a` is claimed before `b`. Ids are UUIDv7 (ASCII), so `<` is MongoDB's order too. */
export function ranksBefore(a: ClaimOrderKey, b: ClaimOrderKey): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  const left = a.runAt.getTime();
  const right = b.runAt.getTime();
  if (left !== right) return left < right;
  return a._id < b._id;
}

/**
 * Interleaves the sequences of several types the way one claim takes them: each step takes the
 * next job of the type whose next job ranks first, until `total` jobs are taken or every sequence
 * is spent. Each type's own sequence keeps its order (claim order for a plain type, round-robin
 * for a controlled one), exactly as core's `takeDue` serves types; answers the jobs in take order.
 */
export function interleave<T extends ClaimOrderKey>(sequences: readonly (readonly T[])[], total = Number.POSITIVE_INFINITY): T[] {
  const next = sequences.map(() => 0);
  const taken: T[] = [];
  while (taken.length < total) {
    let best = -1;
    for (let index = 0; index < sequences.length; index++) {
      const candidate = sequences[index]![next[index]!];
      if (candidate === undefined) continue;
      if (best === -1 || ranksBefore(candidate, sequences[best]![next[best]!]!)) best = index;
    }
    if (best === -1) break;
    taken.push(sequences[best]![next[best]!]!);
    next[best]!++;
  }
  return taken;
}
