import { isTerminal } from '../model/job-status.js';
import type { Tracker } from '../tracker/tracker.js';
import type { TrackerErrorContext } from '../tracker/tracker-events.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { RetentionOption } from './worker-options.js';

export interface MaintenanceSettings {
  pollIntervalMs: number;
  recoverIntervalMs: number;
  retention: RetentionOption | undefined;
  retentionIntervalMs: number;
}

/** What the timers drive on their worker. */
export interface MaintenanceHost {
  /** Look for due jobs now. */
  wake(): void;
  report(error: unknown, context: TrackerErrorContext): void;
}

/**
 * A started worker's background timers: the poll (claims when nothing woke the worker), recovery
 * of expired leases, retention, and the one wake-up after a claim hold. All of them stop with
 * `stop()`; none keeps the process alive (see {@link holdProcess}).
 */
export class MaintenanceTimers {
  private running = false;
  private pollTimer: TimerHandle | null = null;
  private recoverTimer: TimerHandle | null = null;
  private retentionTimer: TimerHandle | null = null;
  private holdTimer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly tracker: Tracker,
    private readonly host: MaintenanceHost,
    private readonly settings: MaintenanceSettings,
  ) {}

  start(): void {
    this.running = true;
    this.schedulePoll();
    this.scheduleRecovery(0);
    if (this.settings.retention) this.scheduleRetention(0);
  }

  stop(): void {
    this.running = false;
    for (const timer of [this.pollTimer, this.recoverTimer, this.retentionTimer, this.holdTimer]) {
      if (timer !== null) this.clock.clearTimeout(timer);
    }
    this.pollTimer = this.recoverTimer = this.retentionTimer = this.holdTimer = null;
  }

  /** One wake-up once a claim hold ends (the poll would come too, but later). */
  wakeAfter(ms: number): void {
    if (this.holdTimer !== null || !this.running) return;
    this.holdTimer = this.clock.setTimeout(() => {
      this.holdTimer = null;
      this.host.wake();
    }, ms);
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.pollTimer = this.clock.setTimeout(() => {
      this.pollTimer = null;
      this.host.wake();
      this.schedulePoll();
    }, this.settings.pollIntervalMs);
  }

  private scheduleRecovery(delay = this.settings.recoverIntervalMs): void {
    if (!this.running) return;
    this.recoverTimer = this.clock.setTimeout(() => {
      this.recoverTimer = null;
      void this.tracker
        .recoverExpired()
        .then((jobs) => {
          if (jobs.some((job) => !isTerminal(job.status))) this.host.wake();
        })
        .catch((error: unknown) => this.host.report(error, { operation: 'recover' }))
        .finally(() => this.scheduleRecovery());
    }, delay);
  }

  private scheduleRetention(delay = this.settings.retentionIntervalMs): void {
    const retention = this.settings.retention;
    if (!this.running || !retention) return;
    this.retentionTimer = this.clock.setTimeout(() => {
      this.retentionTimer = null;
      void this.tracker
        .prune({ olderThanMs: retention, statuses: Object.keys(retention) as Array<keyof typeof retention> })
        .catch((error: unknown) => this.host.report(error, { operation: 'retention' }))
        .finally(() => this.scheduleRetention());
    }, delay);
  }
}

/**
 * A ref'd timer that keeps the process alive (every other timer is unref'd): without it a
 * worker-only process would exit the moment its database connections drop (an outage), instead
 * of waiting for the database to come back. Null when `keepAlive` is off.
 */
export function holdProcess(keepAlive: boolean): ReturnType<typeof setInterval> | null {
  return keepAlive && typeof setInterval === 'function' ? setInterval(noop, 3_600_000) : null;
}

function noop(): void {}
