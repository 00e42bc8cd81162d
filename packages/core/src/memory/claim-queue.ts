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

/**
 * Takes, in claim order across types, up to `total` due jobs (runAt <= `now`), at most
 * `limits[type]` of each type, handing each row to `take` (which makes it running). Queues left
 * empty are dropped from `queues`.
 */
export function takeDue(
  queues: Map<string, TypeQueue>,
  limits: Readonly<Record<string, number>>,
  total: number,
  now: number,
  take: (row: Row) => void,
): void {
  // Per type: what may still be claimed, and its best due candidate.
  const remaining = new Map<string, number>();
  const candidates = new Map<string, DueEntry>();
  for (const type of Object.keys(limits)) {
    const limit = limits[type]!;
    const queue = queues.get(type);
    if (limit === 0 || queue === undefined) continue;
    const due = queue.peekDue(now);
    if (due === undefined) continue;
    remaining.set(type, limit);
    candidates.set(type, due);
  }
  let left = total;
  while (left > 0 && candidates.size > 0) {
    let bestType = '';
    let best: DueEntry | undefined;
    for (const [type, candidate] of candidates) {
      if (best === undefined || ranksBefore(candidate, best)) {
        best = candidate;
        bestType = type;
      }
    }
    if (best === undefined) break;
    const queue = queues.get(bestType)!;
    queue.take(best.priority);
    take(best.entry.row);
    left--;

    const typeLeft = remaining.get(bestType)! - 1;
    const next = typeLeft > 0 ? queue.peekDue(now) : undefined;
    if (next === undefined) {
      candidates.delete(bestType);
      if (queue.empty) queues.delete(bestType);
    } else {
      remaining.set(bestType, typeLeft);
      candidates.set(bestType, next);
    }
  }
}
