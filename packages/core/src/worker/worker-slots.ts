import type { ResolvedHandler } from './handler-registry.js';
import { setOwn } from '../util/own-property.js';

/** What a claim may take now: free slots per type, and their sum. */
export interface FreeSlots {
  limits: Record<string, number>;
  total: number;
}

/**
 * Slot accounting of one worker. A handler's slot is free as soon as it returns: the next claim
 * overlaps the write of its outcome (the job keeps its lease until that write lands), so a store
 * round trip per settle does not cap throughput at concurrency / latency. Outcomes still being
 * written are bounded separately: past `settleBacklog` of them, claiming waits for the store.
 */
export class WorkerSlots {
  /** Handlers running, per type. */
  private readonly busy = new Map<string, number>();
  /** Attempts whose handler finished and whose outcome is being written. */
  private settling = 0;
  private readonly settleBacklog: number;

  constructor(private readonly handlers: ReadonlyMap<string, ResolvedHandler>) {
    const slots = [...handlers.values()].reduce((sum, entry) => sum + entry.limit, 0);
    this.settleBacklog = Math.max(100, 4 * slots);
  }

  free(): FreeSlots {
    const limits: Record<string, number> = {};
    let total = 0;
    if (this.settling >= this.settleBacklog) return { limits, total };
    for (const [type, entry] of this.handlers) {
      const free = entry.limit - (this.busy.get(type) ?? 0);
      if (free > 0) {
        setOwn(limits, type, free);
        total += free;
      }
    }
    return { limits, total };
  }

  /** A claimed job's handler starts. */
  take(type: string): void {
    this.busy.set(type, (this.busy.get(type) ?? 0) + 1);
  }

  /** The handler returned or threw: its slot is free, its outcome is being written. */
  handlerDone(type: string): void {
    this.settling++;
    this.giveBack(type);
  }

  /** The attempt ended; `handlerDone` says whether its handler had finished (else its slot is freed now). */
  attemptDone(type: string, handlerDone: boolean): void {
    if (handlerDone) this.settling--;
    else this.giveBack(type);
  }

  private giveBack(type: string): void {
    this.busy.set(type, (this.busy.get(type) ?? 1) - 1);
  }
}
