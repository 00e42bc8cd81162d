import type { FiringPass } from '../schedule/schedule-firing.js';
import type { StoreWakeEvent } from '../store/job-store.js';
import type { TrackerErrorContext } from '../tracker/tracker-events.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { raceTimeout } from '../util/race-timeout.js';

/** What the loop drives: the tracker's firing pass and the store's schedule wake-ups. */
export interface ScheduleLoopHost {
  fireDue(options: { signal: AbortSignal }): Promise<FiringPass>;
  /** The store's `subscribe`, when it has one. */
  subscribe: ((listener: (event: StoreWakeEvent) => void) => () => void) | undefined;
  report(error: unknown, context: TrackerErrorContext): void;
}

/**
 * Longest sleep (ms) with wake-ups from the store: a safety net for a notification lost with a
 * dropped connection, not a poll (a pass costs two indexed reads).
 */
export const MAX_SCHEDULER_SLEEP_MS = 60_000;
/**
 * Shortest sleep (ms) after a pass that fired nothing although something is due: every due
 * schedule is waiting out a failure (or more than a page of them are). Never a busy loop.
 */
const MIN_UNPRODUCTIVE_SLEEP_MS = 1_000;
/** First wait after a pass failed as a whole (the store unreachable), doubling to 30 s. */
const FAILED_PASS_FIRST_MS = 1_000;
const FAILED_PASS_MAX_MS = 30_000;
/** Fewest ms between two passes woken by "anything may have changed" (`{}`). */
const ANYTHING_CHANGED_MIN_MS = 10_000;

/**
 * A worker's scheduler: fires due schedules, then sleeps until the earliest `nextRunAt` (never
 * polling faster than the schedules need) and wakes early when any schedule changes (the store's
 * wake-ups: LISTEN/NOTIFY, change streams, the memory store's listeners). Passes never overlap; a
 * wake-up during a pass runs one more pass after it. Every process may run one: each tick fires
 * exactly once all the same (see `ScheduleFiring`).
 */
export class ScheduleLoop {
  private timer: TimerHandle | null = null;
  private passing: Promise<void> | null = null;
  private again = false;
  private running = false;
  private unsubscribe: (() => void) | null = null;
  private failedPassMs = 0;
  private lastPassAt = Number.NEGATIVE_INFINITY;
  private abort = new AbortController();

  constructor(
    private readonly clock: Clock,
    private readonly host: ScheduleLoopHost,
    /** Longest sleep without wake-ups from the store (the worker's poll interval). */
    private readonly pollMs: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe =
      this.host.subscribe?.((event) => {
        if (event.schedule !== undefined) this.wake();
        // `{}` means anything may have changed (a store's reconnect, or its fallback poll, which
        // may come every second): a pass at most every 10 s for it, none while a failed pass
        // waits out its backoff.
        else if (event.type === undefined && this.failedPassMs === 0 && this.clock.now() - this.lastPassAt >= ANYTHING_CHANGED_MIN_MS) this.wake();
      }) ?? null;
    this.wake();
  }

  /**
   * Stops timers and wake-ups, and the pass under way between schedules; resolves once the
   * firings under way have ended, or after `graceMs` (a store that hangs must not hang shutdown).
   */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.clearTimer();
    if (this.passing !== null) await raceTimeout(this.passing, graceMs, this.clock);
  }

  /** Runs a pass now (or right after the one under way). */
  wake(): void {
    if (!this.running) return;
    if (this.passing !== null) {
      this.again = true;
      return;
    }
    this.clearTimer();
    this.passing = this.pass().finally(() => {
      this.passing = null;
      if (this.again && this.running) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async pass(): Promise<void> {
    this.lastPassAt = this.clock.now();
    let delay: number;
    try {
      const result = await this.host.fireDue({ signal: this.abort.signal });
      this.failedPassMs = 0;
      const cap = this.host.subscribe === undefined ? this.pollMs : MAX_SCHEDULER_SLEEP_MS;
      delay = result.next === null ? cap : Math.min(Math.max(0, result.next.getTime() - this.clock.now()), cap);
      if (delay === 0 && result.fired === 0) delay = MIN_UNPRODUCTIVE_SLEEP_MS;
    } catch (error) {
      this.host.report(error, { operation: 'schedule' });
      this.failedPassMs = Math.min(this.failedPassMs === 0 ? FAILED_PASS_FIRST_MS : this.failedPassMs * 2, FAILED_PASS_MAX_MS);
      delay = this.failedPassMs;
    }
    if (!this.running || this.again) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.wake();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
