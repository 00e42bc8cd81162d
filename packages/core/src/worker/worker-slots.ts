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

  /**
   * A claimed job's handler starts: it holds a slot of its type until the answered hold lets go.
   * Each step of the hold counts once, in whatever order they come.
   */
  take(type: string): SlotHold {
    this.busy.set(type, (this.busy.get(type) ?? 0) + 1);
    let state: 'running' | 'settling' | 'free' = 'running';
    return {
      handlerDone: () => {
        if (state !== 'running') return;
        state = 'settling';
        this.settling++;
        this.giveBack(type);
      },
      end: () => {
        if (state === 'settling') this.settling--;
        else if (state === 'running') this.giveBack(type);
        state = 'free';
      },
      handBack: () => {
        if (state !== 'running') return;
        state = 'free';
        this.giveBack(type);
      },
    };
  }

  private giveBack(type: string): void {
    this.busy.set(type, (this.busy.get(type) ?? 1) - 1);
  }
}

/** One attempt's hold on a slot of its type (see {@link WorkerSlots.take}). */
export interface SlotHold {
  /** The handler returned or threw: its slot is free, its outcome is being written. */
  handlerDone(): void;
  /** The attempt ended: whatever it still held is freed. */
  end(): void;
  /**
   * The job was handed back while its handler still runs (it ignores its signal): the slot is
   * free now, and the handler's return later frees nothing more. An outcome being written keeps
   * counting against the settle backlog until it ends.
   */
  handBack(): void;
}
