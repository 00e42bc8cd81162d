import { StoreError } from '../errors/jobtrail-error.js';
import { keepsSchedules } from '../store/guarded-store.js';
import { isTerminal } from '../model/job-status.js';
import type { JobStore } from '../store/job-store.js';
import { MAX_SCHEDULE_PAGE, type ScheduleRecord, type ScheduleStore } from '../store/schedule-store.js';
import type { ClockSync } from '../tracker/clock-sync.js';
import type { JobCreation } from '../tracker/job-creation.js';
import type { TrackerEmitter } from '../tracker/tracker-emitter.js';
import { scheduleJobId } from './schedule-job-id.js';
import { dueTicks } from './schedule-ticks.js';

export interface ScheduleFiringDeps {
  store: JobStore;
  clock: ClockSync;
  creation: JobCreation;
  emitter: TrackerEmitter;
}

/** What one pass over the due schedules did (`tracker.fireDueSchedules()`). */
export interface FiringPass {
  /** Jobs this pass created (a tick whose job another process created first is not counted). */
  fired: number;
  /** Schedules that could not be fired; each is reported as an `error` event (operation `schedule`). */
  failed: number;
  /** The earliest `nextRunAt` of the enabled, unpaused schedules after the pass, or null. */
  next: Date | null;
}

/** Options of `tracker.fireDueSchedules()`. */
export interface FireDueOptions {
  /** Once aborted, the pass fires no further schedule (those under way finish their firing). */
  signal?: AbortSignal;
}

/** Schedules read per round of a pass (plus those waiting out a failure). */
const DUE_BATCH = 100;
/** Rounds per pass: a pass fires at most DUE_BATCH × MAX_ROUNDS schedules, the next pass the rest. */
const MAX_ROUNDS = 10;
/** Compare-and-set rounds per schedule before it is left to the next pass. */
const MAX_ATTEMPTS = 5;
/** Schedules fired at the same time within a pass: below a PostgreSQL store's default pool of 10. */
const FIRING_CONCURRENCY = 8;
/**
 * How old the newest of another process's pending ticks must be (ms) before a pass finishes
 * them: 5 000. A firing claims a tick when it falls due and inserts its jobs in milliseconds (a
 * 1000-tick catch-up in about a second), so only a process that died or failed to insert leaves
 * them longer. Short, because the schedule fires no new tick while they wait: after a crash in
 * mid-firing it resumes within seconds (under `catchUp: 'latest'` the ticks of those seconds
 * fire as one). Its only purpose is to spare the others repeating a firing under way, whose
 * inserts the primary key would refuse anyway.
 */
export const PENDING_GRACE_MS = 5_000;
/** First wait before a schedule that failed is tried again (ms); it doubles up to the cap. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 60_000;
const WITHOUT_LARGE_FIELDS = { read: { payload: 'omit', result: 'omit', metadata: 'omit' } } as const;

/**
 * Fires due schedules: exactly one job per (schedule, tick) however many processes do it at
 * once, none lost when a process dies half-way (see docs/design.md, "Recurring schedules").
 *
 * Firing one schedule:
 * 1. Finish an earlier firing whose process died (`pendingTicks` claimed more than
 *    {@link PENDING_GRACE_MS} ago): insert their jobs (ids derived from name and tick, so a job
 *    inserted before is refused by the primary key, not doubled), then clear them with
 *    compare-and-set.
 * 2. Judge the ticks in `[nextRunAt, now]` (`dueTicks`, by `catchUp`); under `overlap: 'skip'`
 *    they are skipped while the previous job is unfinished.
 * 3. Claim them: one compare-and-set on `version` moves `nextRunAt` past now and lists the ticks
 *    in `pendingTicks`. Of processes judging the same version, one wins; the others re-read.
 * 4. Insert their jobs, then clear `pendingTicks` (step 1 for whoever comes next if this
 *    process dies first).
 */
export class ScheduleFiring {
  /**
   * Schedules that failed, or whose firing is under way in another process, by name: not tried
   * again before `until` (ms, tracker clock), so one broken schedule neither spins a scheduler nor
   * delays the others (see `nextWake`).
   */
  private readonly backoff = new Map<string, { until: number; delayMs: number }>();

  /**
   * Claims this tracker made and has not cleared yet: schedule name → its newest claimed tick
   * (ms). Such a claim is finished by this tracker's next pass at once, not after the grace
   * that protects another process's firing under way.
   */
  private readonly ownClaims = new Map<string, number>();

  constructor(private readonly deps: ScheduleFiringDeps) {}

  /** Whether the store keeps schedules at all. */
  get supported(): boolean {
    return keepsSchedules(this.deps.store);
  }

  /**
   * One pass: fires every due schedule. A schedule that fails is reported (an `error` event) and
   * the others are fired all the same.
   */
  async fireDue(options: FireDueOptions = {}): Promise<FiringPass> {
    if (!this.supported) return { fired: 0, failed: 0, next: null };
    const store = this.deps.store as JobStore & ScheduleStore;
    const { clock, emitter } = this.deps;
    const signal = options.signal;
    if (clock.pending) await clock.ready();
    // Ticks are judged on the store's clock only: never on this process's own while the store's
    // could not be measured yet (its clock may be minutes off, and a tick fired early stays fired).
    if (clock.pending && clock.syncs) {
      throw new StoreError("The store's clock has not been measured yet; no schedule fires before it is (the next pass tries again).");
    }
    let fired = 0;
    let failed = 0;
    const seen = new Set<string>();
    for (let round = 0; round < MAX_ROUNDS && signal?.aborted !== true; round++) {
      const now = clock.clock.now();
      // Schedules waiting out a failure are overdue, so they sort first: read past them, or a
      // hundred broken schedules would hide every healthy one.
      const limit = Math.min(DUE_BATCH + this.backoff.size, MAX_SCHEDULE_PAGE);
      const found = await store.dueSchedules(new Date(now), limit);
      const due = found.filter((record) => !seen.has(record.name) && !this.waiting(record.name, now));
      for (const record of due) seen.add(record.name);
      // Schedules are independent: a few at a time, so a thousand due at one minute are not
      // fired one round trip after another (each firing is three sequential writes).
      await forEachConcurrently(due, FIRING_CONCURRENCY, async (record) => {
        if (signal?.aborted === true) return; // stopping: leave the rest to the next pass of any process
        try {
          const before = this.backoff.get(record.name);
          const created = await this.fireOne(store, record);
          fired += created; // after the await: `fired += await ...` would read it before, losing the other lanes' counts
          // Fired, or nothing to do: a failure's backoff ends (unless it now waits on a claim).
          if (this.backoff.get(record.name) === before) this.backoff.delete(record.name);
        } catch (error) {
          failed++;
          this.failedNow(record.name);
          emitter.error(error, { operation: 'schedule', schedule: record.name, type: record.type });
        }
      });
      if (found.length < limit || due.length === 0) break;
    }
    return { fired, failed, next: await this.nextWake(store) };
  }

  /**
   * When the next pass has work: the earliest `nextRunAt` of the schedules not waiting out a
   * failure, or the end of the earliest wait. Without waiting schedules that is the store's
   * `nextScheduleRunAt`; with some, the earliest due ones are read past them (they sort first,
   * being overdue) so a healthy schedule's time is never hidden behind a broken one's.
   */
  private async nextWake(store: ScheduleStore): Promise<Date | null> {
    const now = this.deps.clock.clock.now();
    for (const [name, entry] of this.backoff) if (entry.until <= now) this.backoff.delete(name);
    if (this.backoff.size === 0) return store.nextScheduleRunAt();
    let next = Math.min(...[...this.backoff.values()].map((entry) => entry.until));
    const horizon = new Date(Math.max(now, next));
    const earliest = await store.dueSchedules(horizon, Math.min(this.backoff.size + 1, MAX_SCHEDULE_PAGE));
    // Due before the first wait ends and not waiting itself; none: wake when that wait ends.
    const healthy = earliest.find((record) => !this.backoff.has(record.name));
    if (healthy !== undefined) next = Math.min(next, healthy.pendingTicks.length > 0 ? now : (healthy.nextRunAt?.getTime() ?? next));
    return new Date(next);
  }

  private waiting(name: string, now: number): boolean {
    const entry = this.backoff.get(name);
    return entry !== undefined && entry.until > now;
  }

  /** Leaves `name` alone until `until` (ms), keeping its failure backoff's current step. */
  private waitUntil(name: string, until: number): void {
    this.backoff.set(name, { until, delayMs: this.backoff.get(name)?.delayMs ?? RETRY_FIRST_MS / 2 });
  }

  private failedNow(name: string): void {
    const delayMs = Math.min((this.backoff.get(name)?.delayMs ?? RETRY_FIRST_MS / 2) * 2, RETRY_MAX_MS);
    this.backoff.set(name, { until: this.deps.clock.clock.now() + delayMs, delayMs });
  }

  /** Fires one schedule as read; answers how many jobs it created. */
  private async fireOne(store: ScheduleStore, record: ScheduleRecord): Promise<number> {
    let current = record;
    let created = 0;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (current.pendingTicks.length > 0) {
        // Another process's claim of ticks this recent is a firing under way (its own NOTIFY may
        // be what woke this pass): finishing it too would only be refused by the primary key. A
        // claim of this process's own has ended (passes never overlap): finish it now. Judged by
        // the newest claimed tick, which commands never change (they do change `updatedAt`).
        const newest = current.pendingTicks[current.pendingTicks.length - 1]!.getTime();
        const own = this.ownClaims.get(current.name) === newest;
        if (!own && this.now().getTime() - newest < PENDING_GRACE_MS) {
          // Not looked at again before the grace ends (and read past meanwhile, like a failure).
          this.waitUntil(current.name, newest + PENDING_GRACE_MS);
          return created;
        }
        created += await this.insertJobs(current, current.pendingTicks);
        const cleared = await this.clearPending(store, current, current.pendingTicks);
        if (cleared === null) return created;
        current = cleared;
        if (current.pendingTicks.length > 0) continue;
      }
      const now = this.now();
      if (!current.enabled || current.paused || current.nextRunAt === null || current.nextRunAt.getTime() > now.getTime()) return created;
      const due = dueTicks(current, new Date(current.nextRunAt.getTime() - 1), now);
      let ticks = due.fire;
      if (ticks.length > 0 && current.overlap === 'skip' && (await this.previousUnfinished(current))) ticks = [];
      const last = ticks[ticks.length - 1];
      const claimed = await store.updateSchedule(
        current.name,
        current.version,
        last === undefined
          ? { nextRunAt: due.next, updatedAt: now }
          : { nextRunAt: due.next, lastRunAt: last, lastJobId: scheduleJobId(current.name, last), pendingTicks: ticks, updatedAt: now },
      );
      if (!claimed.ok) {
        if (claimed.reason === 'not_found') return created;
        current = claimed.current;
        continue;
      }
      if (last === undefined) return created;
      // Ours until cleared: if an insert fails, this process's next pass finishes it at once.
      this.ownClaims.set(current.name, last.getTime());
      created += await this.insertJobs(claimed.schedule, ticks);
      await this.clearPending(store, claimed.schedule, ticks);
      return created;
    }
    return created;
  }

  /**
   * Clears `ticks` (whose jobs now exist) from the schedule's pending ticks, by compare-and-set,
   * re-reading once when a command changed the schedule meanwhile. Answers the schedule after, or
   * null when it is gone. Ticks it still lists (another claim) are left for their firing.
   */
  private async clearPending(store: ScheduleStore, record: ScheduleRecord, ticks: readonly Date[]): Promise<ScheduleRecord | null> {
    let current = record;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!sameTicks(current.pendingTicks, ticks)) return current;
      const cleared = await store.updateSchedule(current.name, current.version, { pendingTicks: [], updatedAt: this.now() });
      if (cleared.ok) {
        this.ownClaims.delete(current.name);
        return cleared.schedule;
      }
      if (cleared.reason === 'not_found') {
        this.ownClaims.delete(current.name);
        return null;
      }
      current = cleared.current;
    }
    return current;
  }

  /** Inserts the job of each tick, a few at a time; answers how many were new. */
  private async insertJobs(record: ScheduleRecord, ticks: readonly Date[]): Promise<number> {
    const { creation, store } = this.deps;
    let created = 0;
    // A catch-up of up to 1000 ticks: a few inserts at a time, not one round trip after another.
    await forEachConcurrently(ticks, FIRING_CONCURRENCY, async (tick) => {
      const job = creation.draft(record.type, { payload: record.payload, metadata: record.metadata, tenantId: record.tenantId }, 'queued');
      job.id = scheduleJobId(record.name, tick);
      job.scheduleName = record.name;
      job.scheduledFor = tick;
      try {
        await creation.insert(job, undefined);
        created++;
      } catch (error) {
        // The tick's job exists already (another process, or this one before it died): the
        // primary key refused the second insert, which is the point. Anything else is a failure.
        if ((await store.get(job.id, WITHOUT_LARGE_FIELDS)) === null) throw error;
      }
    });
    return created;
  }

  private async previousUnfinished(record: ScheduleRecord): Promise<boolean> {
    if (record.lastJobId === null) return false;
    const job = await this.deps.store.get(record.lastJobId, WITHOUT_LARGE_FIELDS);
    // A job that no longer exists was pruned, so it had finished.
    return job !== null && !isTerminal(job.status);
  }

  private now(): Date {
    return new Date(this.deps.clock.clock.now());
  }
}

/** Runs `work` over `items`, at most `limit` at a time; resolves when all have finished. */
async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function sameTicks(a: readonly Date[], b: readonly Date[]): boolean {
  return a.length === b.length && a.every((tick, index) => tick.getTime() === b[index]!.getTime());
}
