import type { Row } from './clone.js';

/**
 * The claimable jobs of one type, so that `claim` costs O(log n) per job instead of a scan of
 * every stored job.
 *
 * Claim order is priority desc, runAt asc, id asc, but only due jobs (runAt <= now) count. One
 * min-heap per priority (keyed by runAt, id) keeps the due jobs of each priority at its top: the
 * best due job of the type is the top of the highest priority whose top is due.
 *
 * Entries are removed lazily: when a job stops being claimable (cancelled, moved by a
 * transition) its entry stays in the heap and is recognised as stale — by `isValid`, which checks
 * the job's current status and entry sequence number — when it reaches the top. Heaps are
 * compacted when stale entries outnumber live ones, so memory stays bounded.
 */

export interface QueueEntry {
  readonly runAt: number;
  readonly id: string;
  /** Matches the job's current sequence number while this entry is the job's live entry. */
  readonly seq: number;
  /** The stored row, so checking an entry needs no lookup by id. */
  readonly row: Row;
}

export interface DueEntry {
  readonly priority: number;
  readonly entry: QueueEntry;
}

const COMPACT_MIN_STALE = 64;

function before(a: QueueEntry, b: QueueEntry): boolean {
  return a.runAt < b.runAt || (a.runAt === b.runAt && a.id < b.id);
}

class EntryHeap {
  items: QueueEntry[] = [];
  stale = 0;

  push(entry: QueueEntry): void {
    const items = this.items;
    let index = items.length;
    items.push(entry);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentEntry = items[parent]!;
      if (!before(entry, parentEntry)) break;
      items[index] = parentEntry;
      index = parent;
    }
    items[index] = entry;
  }

  peek(): QueueEntry | undefined {
    return this.items[0];
  }

  pop(): QueueEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    this.siftDown(0, last);
    return top;
  }

  /** Keeps only entries passing `keep` and restores the heap property. */
  filter(keep: (entry: QueueEntry) => boolean): void {
    this.items = this.items.filter(keep);
    this.stale = 0;
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i, this.items[i]!);
  }

  private siftDown(start: number, entry: QueueEntry): void {
    const items = this.items;
    const length = items.length;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(items[right]!, items[left]!)) child = right;
      const childEntry = items[child]!;
      if (!before(childEntry, entry)) break;
      items[index] = childEntry;
      index = child;
    }
    items[index] = entry;
  }
}

export class TypeQueue {
  private readonly buckets = new Map<number, EntryHeap>();
  /** Priorities that have a bucket, highest first. */
  private priorities: number[] = [];

  constructor(private readonly isValid: (entry: QueueEntry) => boolean) {}

  get empty(): boolean {
    return this.buckets.size === 0;
  }

  add(priority: number, entry: QueueEntry): void {
    let heap = this.buckets.get(priority);
    if (heap === undefined) {
      heap = new EntryHeap();
      this.buckets.set(priority, heap);
      const list = this.priorities;
      let index = list.length;
      while (index > 0 && list[index - 1]! < priority) index--;
      list.splice(index, 0, priority);
    }
    heap.push(entry);
  }

  /** Records that one entry of `priority` no longer describes a claimable job. */
  markStale(priority: number): void {
    const heap = this.buckets.get(priority);
    if (heap === undefined) return;
    heap.stale++;
    if (heap.stale >= COMPACT_MIN_STALE && heap.stale * 2 > heap.items.length) {
      heap.filter(this.isValid);
      if (heap.items.length === 0) this.dropBucket(priority);
    }
  }

  /** The best due entry of this type, or undefined when none is due at `now`. */
  peekDue(now: number): DueEntry | undefined {
    for (let i = 0; i < this.priorities.length; i++) {
      const priority = this.priorities[i]!;
      const heap = this.buckets.get(priority)!;
      let top = heap.peek();
      while (top !== undefined && !this.isValid(top)) {
        heap.pop();
        if (heap.stale > 0) heap.stale--;
        top = heap.peek();
      }
      if (top === undefined) {
        this.dropBucket(priority);
        i--;
        continue;
      }
      if (top.runAt <= now) return { priority, entry: top };
    }
    return undefined;
  }

  /** Every entry that still describes a claimable job, with its priority, in no order. */
  *liveEntries(): Generator<DueEntry> {
    for (const [priority, heap] of this.buckets) {
      for (const entry of heap.items) if (this.isValid(entry)) yield { priority, entry };
    }
  }

  /** Removes the entry `peekDue` just answered for `priority`. */
  take(priority: number): void {
    const heap = this.buckets.get(priority);
    if (heap === undefined) return;
    heap.pop();
    if (heap.items.length === 0) this.dropBucket(priority);
  }

  private dropBucket(priority: number): void {
    this.buckets.delete(priority);
    const index = this.priorities.indexOf(priority);
    if (index !== -1) this.priorities.splice(index, 1);
  }
}

/** Whether due entry `a` is claimed before `b`: priority desc, runAt asc, id asc. */
function ranksBefore(a: DueEntry, b: DueEntry): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.entry.runAt !== b.entry.runAt) return a.entry.runAt < b.entry.runAt;
  return a.entry.id < b.entry.id;
}

/** The claimable jobs of one type, one queue per job group (`null`: jobs without one). */
export type GroupQueues = Map<string | null, TypeQueue>;

/** How one type may be claimed now (see `takeDue`). */
export interface TypePlan {
  /** Most jobs of the type to take. */
  limit: number;
  /** Most jobs of one group to take; absent: no cap per group. */
  groupLimit?: (group: string | null) => number;
  /**
   * Round-robin between groups: each group's latest turn (a number that grows with every start,
   * so starts within one claim are ordered too), updated through `nextTurn` as jobs are taken; a
   * group absent from it never started and goes first. Absent: plain claim order across groups.
   */
  lastTurn?: Map<string | null, number>;
  /** The next turn: greater than every turn given before. Required with `lastTurn`. */
  nextTurn?: () => number;
}

interface GroupCandidate {
  group: string | null;
  queue: TypeQueue;
  due: DueEntry;
  /** What this group may still give; Infinity without a cap. */
  left: number;
}

interface TypeCandidates {
  type: string;
  plan: TypePlan;
  left: number;
  groups: GroupCandidate[];
  best: GroupCandidate;
}

/** The candidate a type gives next: round-robin by latest turn, else claim order. */
function bestOf(groups: readonly GroupCandidate[], lastTurn: Map<string | null, number> | undefined): GroupCandidate {
  let best = groups[0]!;
  for (let i = 1; i < groups.length; i++) {
    const candidate = groups[i]!;
    if (lastTurn !== undefined) {
      const a = lastTurn.get(candidate.group) ?? Number.NEGATIVE_INFINITY;
      const b = lastTurn.get(best.group) ?? Number.NEGATIVE_INFINITY;
      if (a !== b) {
        if (a < b) best = candidate;
        continue;
      }
    }
    if (ranksBefore(candidate.due, best.due)) best = candidate;
  }
  return best;
}

/**
 * Takes, in claim order across types, up to `total` due jobs (runAt <= `now`), within each type's
 * plan, handing each row to `take` (which makes it running). `sources` holds each type's queues:
 * one (under any key) for a type claimed in plain claim order, one per group for a type whose
 * plan serves groups (`groupLimit`, `lastTurn`). Within a type, groups are served in claim order,
 * or round-robin when its plan keeps `lastTurn`. Costs O(queues of the type with due jobs) per job
 * taken: one for a type in plain claim order. Empty queues are left for the caller to drop.
 */
export function takeDue(
  sources: ReadonlyMap<string, GroupQueues>,
  plans: ReadonlyMap<string, TypePlan>,
  total: number,
  now: number,
  take: (row: Row) => void,
): void {
  const types: TypeCandidates[] = [];
  for (const [type, plan] of plans) {
    if (plan.limit <= 0) continue;
    const byGroup = sources.get(type);
    if (byGroup === undefined) continue;
    const groups: GroupCandidate[] = [];
    for (const [group, queue] of byGroup) {
      const left = plan.groupLimit === undefined ? Number.POSITIVE_INFINITY : plan.groupLimit(group);
      if (left <= 0) continue;
      const due = queue.peekDue(now);
      if (due !== undefined) groups.push({ group, queue, due, left });
    }
    if (groups.length > 0) types.push({ type, plan, left: plan.limit, groups, best: bestOf(groups, plan.lastTurn) });
  }
  let left = total;
  while (left > 0 && types.length > 0) {
    let bestIndex = 0;
    for (let i = 1; i < types.length; i++) {
      if (ranksBefore(types[i]!.best.due, types[bestIndex]!.best.due)) bestIndex = i;
    }
    const chosen = types[bestIndex]!;
    const candidate = chosen.best;
    candidate.queue.take(candidate.due.priority);
    take(candidate.due.entry.row);
    left--;
    chosen.left--;
    candidate.left--;
    if (chosen.plan.lastTurn !== undefined) chosen.plan.lastTurn.set(candidate.group, chosen.plan.nextTurn!());

    const next = candidate.left > 0 && chosen.left > 0 ? candidate.queue.peekDue(now) : undefined;
    if (next === undefined) {
      chosen.groups.splice(chosen.groups.indexOf(candidate), 1);
    } else {
      candidate.due = next;
    }
    if (chosen.left <= 0 || chosen.groups.length === 0) types.splice(bestIndex, 1);
    else chosen.best = bestOf(chosen.groups, chosen.plan.lastTurn);
  }
}
