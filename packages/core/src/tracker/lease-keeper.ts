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
  /** Job id → when its lease expires as far as this owner knows (epoch ms; renewed by each beat). */
  private readonly held = new Map<string, number>();
  private timer: TimerHandle | null = null;
  private beating: Promise<void> | null = null;

  constructor(private readonly options: LeaseKeeperOptions) {}

  /** Starts renewing `jobId`, whose lease currently expires at `expiresAt` (epoch ms). */
  add(jobId: string, expiresAt: number): void {
    this.held.set(jobId, expiresAt);
    this.ensureTimer();
  }

  has(jobId: string): boolean {
    return this.held.has(jobId);
  }

  /** When the lease on `jobId` expires as far as this owner knows (epoch ms), if it holds it. */
  expiresAt(jobId: string): number | undefined {
    return this.held.get(jobId);
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
    const ids = [...this.held.keys()];
    if (ids.length === 0) return Promise.resolve();
    const { store, clock, owner, leaseMs } = this.options;
    const expiresAt = clock.now() + leaseMs;
    this.beating = store
      .heartbeat(owner, ids, new Date(expiresAt))
      .then((stillHeld) => {
        const kept = new Set(stillHeld);
        for (const id of ids) {
          if (!this.held.has(id)) continue;
          if (kept.has(id)) {
            this.held.set(id, expiresAt);
          } else {
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
