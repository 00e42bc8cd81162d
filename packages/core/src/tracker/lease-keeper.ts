import type { JobStore } from '../store/job-store.js';
import type { Clock, TimerHandle } from '../util/clock.js';

export interface LeaseKeeperOptions {
  store: JobStore;
  clock: Clock;
  owner: string;
  leaseMs: number;
  heartbeatMs: number;
  /** A job this owner no longer holds (cancelled, recovered elsewhere). */
  onLost(jobId: string): void;
  onError(error: unknown): void;
}

/**
 * Renews the leases of every job one owner runs with a single store call per interval, and
 * reports the jobs whose lease was lost, so their handlers can be aborted.
 */
export class LeaseKeeper {
  private readonly held = new Set<string>();
  private timer: TimerHandle | null = null;
  private beating: Promise<void> | null = null;

  constructor(private readonly options: LeaseKeeperOptions) {}

  add(jobId: string): void {
    this.held.add(jobId);
    this.ensureTimer();
  }

  delete(jobId: string): void {
    this.held.delete(jobId);
    if (this.held.size === 0) this.stopTimer();
  }

  get size(): number {
    return this.held.size;
  }

  /** One heartbeat now; resolves when the store answered. */
  beat(): Promise<void> {
    if (this.beating) return this.beating;
    const ids = [...this.held];
    if (ids.length === 0) return Promise.resolve();
    const { store, clock, owner, leaseMs } = this.options;
    this.beating = store
      .heartbeat(owner, ids, new Date(clock.now() + leaseMs))
      .then((stillHeld) => {
        const kept = new Set(stillHeld);
        for (const id of ids) {
          if (!kept.has(id) && this.held.has(id)) {
            this.held.delete(id);
            this.options.onLost(id);
          }
        }
      })
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.beating = null;
      });
    return this.beating;
  }

  stop(): void {
    this.stopTimer();
    this.held.clear();
  }

  private ensureTimer(): void {
    if (this.timer !== null) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      void this.beat().finally(() => {
        if (this.held.size > 0) this.ensureTimer();
      });
    }, this.options.heartbeatMs);
  }

  private stopTimer(): void {
    if (this.timer !== null) {
      this.options.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
