import { EventEmitter } from 'eventemitter3';
import { JobAbortedError } from '../errors/job-aborted-error.js';
import { JobValidationError, JobtrailError, defineErrorKind } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import { isJobStatus, isTerminal } from '../model/job-status.js';
import {
  trackerInternals,
  type AttemptOutcomeKind,
  type AttemptRun,
  type AttemptResult,
  type Tracker,
  type TrackerInternals,
} from '../tracker/create-tracker.js';
import { LeaseKeeper } from '../tracker/lease-keeper.js';
import type { JobTypeOptions } from '../tracker/tracker-options.js';
import { assertInteger, integerOption, isPlainObject, show } from '../tracker/validate-input.js';
import type { TimerHandle } from '../util/clock.js';
import { parseDuration } from '../util/duration.js';
import { LazyAbortController } from '../util/lazy-abort-controller.js';
import { getOwn, setOwn } from '../util/own-property.js';
import { uuidv7 } from '../util/uuid-v7.js';
import type { ConcurrencyOption, HandlerDefinition, JobHandler, UntypedJobHandlers, WorkerOptions } from './worker-options.js';

export interface WorkerEvents {
  /** A claim found nothing more to do and no handler is running. */
  idle: [];
  claimed: [jobs: Job[]];
  /** An attempt ended; `outcome` says how. */
  settled: [result: { job: Job | null; jobId: string; type: string; outcome: AttemptOutcomeKind }];
  error: [error: unknown, context: { operation: string; jobId?: string; type?: string }];
}

export type RunOnceSummary = Record<AttemptOutcomeKind, number> & {
  claimed: number;
  durationMs: number;
  /**
   * Why the run ended: nothing more was due, a limit was hit, or the store could not be reached
   * (with nothing left running: outcomes of jobs that ran were written, or left to recovery).
   */
  stoppedBy: 'empty' | 'maxJobs' | 'maxDurationMs' | 'storeError';
};

export class JobTimeoutError extends JobtrailError {
  static {
    defineErrorKind(this, '@jobtrail/core:JobTimeoutError');
  }

  constructor(jobId: string, timeoutMs: number) {
    super('job_timeout', `Job ${jobId} ran longer than its ${timeoutMs} ms time limit and was abandoned.`);
  }
}

interface ResolvedHandler {
  type: string;
  handler: JobHandler;
  limit: number;
  definition: HandlerDefinition;
  /** This worker's backoff/classify overrides for the type; one object, so the tracker can cache what it resolves to. */
  policy: JobTypeOptions | undefined;
}

interface InFlight {
  job: Job;
  /** The attempt as handed to the tracker (its `resumeWrites` is set once it runs). */
  run: AttemptRun<unknown> | null;
  controller: LazyAbortController;
  done: Promise<void>;
  /** The handler returned or threw; its outcome is being written. */
  handlerDone: boolean;
}

export type Worker = JobWorker;

export function createWorker(options: WorkerOptions): Worker {
  return new JobWorker(options);
}

/**
 * Claims due jobs in batches, runs their handlers with per-type slots, renews leases while they
 * run, recovers jobs of dead workers, and shuts down gracefully.
 */
export class JobWorker {
  readonly id: string;
  readonly events = new EventEmitter<WorkerEvents>();

  private readonly tracker: Tracker;
  private readonly internals: TrackerInternals;
  private readonly handlers = new Map<string, ResolvedHandler>();
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly shutdownGraceMs: number;
  private readonly recoverIntervalMs: number;
  private readonly retention: WorkerOptions['retention'];
  private readonly retentionIntervalMs: number;
  private readonly leases: LeaseKeeper;
  private readonly inflight = new Map<string, InFlight>();
  private readonly inflightByType = new Map<string, number>();
  /** Jobs whose handler has finished and whose outcome is being written. */
  private settling = 0;
  private settleBacklog = 0;
  private wakeScheduled = false;
  private releaseWaiters: Array<() => void> = [];

  private state: 'idle' | 'started' | 'stopping' | 'stopped' | 'once' = 'idle';
  private claiming: Promise<number> | null = null;
  private wakeRequested = false;
  private pollTimer: TimerHandle | null = null;
  private recoverTimer: TimerHandle | null = null;
  private retentionTimer: TimerHandle | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopPromise: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];
  private readonly keepAlive: boolean;
  /** The attempts whose outcome this worker wrote, in two bounded generations: see runJob. */
  private settledHere = new Map<string, number>();
  private settledBefore = new Map<string, number>();
  /** When a claim or an outcome write last failed to reach the store (epoch ms). */
  private lastStoreFailureAt = Number.NEGATIVE_INFINITY;
  private holdTimer: TimerHandle | null = null;
  private keepAliveTimer: ReturnType<typeof setInterval> | null = null;

  constructor(options: WorkerOptions) {
    if (!options || typeof options !== 'object') throw new JobValidationError('options', 'createWorker() needs options.');
    this.tracker = options.tracker;
    this.internals = trackerInternals(options.tracker);
    this.leaseMs = integerOption(options.leaseMs, 30_000, 'leaseMs', 100, 86_400_000);
    const heartbeatMs = integerOption(options.heartbeatMs, Math.floor(this.leaseMs / 3), 'heartbeatMs', 10, this.leaseMs - 1);
    this.pollIntervalMs = integerOption(options.pollIntervalMs, 1000, 'pollIntervalMs', 1, 3_600_000);
    this.batchSize = integerOption(options.batchSize, 20, 'batchSize', 1, 1000);
    this.shutdownGraceMs = integerOption(options.shutdownGraceMs, 10_000, 'shutdownGraceMs', 0, 86_400_000);
    const defaultRecoverMs = Math.max(1000, Math.floor(this.leaseMs / 2));
    this.recoverIntervalMs = integerOption(options.recoverIntervalMs, defaultRecoverMs, 'recoverIntervalMs', 10, 86_400_000);
    this.retentionIntervalMs = integerOption(options.retentionIntervalMs, 3_600_000, 'retentionIntervalMs', 10, 86_400_000);
    this.retention = options.retention;
    this.keepAlive = options.keepAlive ?? true;
    if (this.retention) {
      for (const [status, age] of Object.entries(this.retention)) {
        if (!isJobStatus(status) || !isTerminal(status)) {
          throw new JobValidationError(`retention.${status}`, 'only completed, failed, skipped and cancelled jobs can be pruned.');
        }
        parseDuration(age as number | string, `retention.${status}`);
      }
    }
    this.id = options.workerId ?? `worker-${uuidv7(this.internals.clock.now()).slice(-12)}`;
    // The registry only narrows what callers may pass; at run time every map is string-keyed.
    this.resolveHandlers(options.handlers as UntypedJobHandlers, options.concurrency);
    this.leases = new LeaseKeeper({
      store: this.tracker.store,
      clock: this.internals.clock,
      owner: this.id,
      leaseMs: this.leaseMs,
      heartbeatMs,
      onLost: (jobId) => void this.onLeaseLost(jobId),
      onError: (error) => this.emitError(error, { operation: 'heartbeat' }),
    });
  }

  /**
   * Ids of the jobs this worker holds: running, or finished and having their outcome written (the
   * handler's slot is already free for the next job then, but the lease is kept until it lands).
   */
  get running(): string[] {
    return [...this.inflight.keys()];
  }

  get isRunning(): boolean {
    return this.state === 'started';
  }

  /** Starts claiming: at once, on every store wake-up, and every `pollIntervalMs`. */
  start(): this {
    if (this.state === 'started') return this;
    if (this.state !== 'idle') throw new JobValidationError('worker', `cannot start a worker that is ${this.state}; create a new one.`);
    this.state = 'started';
    // Every other timer is unref'd: without this a worker-only process would exit the moment its
    // database connections drop (an outage), instead of waiting for the database to come back.
    this.keepAliveTimer = this.holdProcess();
    this.unsubscribe = this.tracker.store.subscribe?.((event) => {
      if (!event.type || this.handlers.has(event.type)) this.wake();
    }) ?? null;
    this.schedulePoll();
    this.scheduleRecovery(0);
    if (this.retention) this.scheduleRetention(0);
    this.wake();
    return this;
  }

  /** Look for due jobs now (e.g. after an enqueue in the same process). */
  wake(): void {
    if (this.state !== 'started' && this.state !== 'once') return;
    if (this.claiming) {
      this.wakeRequested = true;
      return;
    }
    void this.claimAndRun();
  }

  /** Resolves the next time the worker has nothing running and found nothing to claim. */
  idle(): Promise<void> {
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops claiming, waits up to `shutdownGraceMs` for running handlers, then aborts the rest
   * (`ctx.signal`) and hands their jobs back to the queue without consuming an attempt.
   */
  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.stopPromise = this.shutdown();
    return this.stopPromise;
  }

  /**
   * Claims and runs due jobs until none are left or a limit is hit, then answers what happened.
   * For apps without a long-running process (a cron-triggered HTTP endpoint).
   */
  async runOnce(options: { maxJobs?: number; maxDurationMs?: number } = {}): Promise<RunOnceSummary> {
    if (this.state !== 'idle') throw new JobValidationError('worker', `runOnce() needs a worker that was never started; this one is ${this.state}.`);
    const maxJobs = integerOption(options.maxJobs, Number.MAX_SAFE_INTEGER, 'maxJobs', 1, Number.MAX_SAFE_INTEGER);
    const maxDurationMs = integerOption(options.maxDurationMs, Number.MAX_SAFE_INTEGER, 'maxDurationMs', 1, Number.MAX_SAFE_INTEGER);
    const clock = this.internals.clock;
    const startedAt = clock.now();
    const summary: RunOnceSummary = {
      claimed: 0, completed: 0, failed: 0, retrying: 0, skipped: 0, cancelled: 0, released: 0, lost: 0, unsettled: 0,
      durationMs: 0, stoppedBy: 'empty',
    };
    const count = (result: { outcome: AttemptOutcomeKind }) => {
      summary[result.outcome] += 1;
    };
    this.events.on('settled', count);
    this.state = 'once';
    // Like a started worker: the process must not exit while outcomes wait for the store.
    const keepAlive = this.holdProcess();
    try {
      await this.tracker.recoverExpired().catch((error: unknown) => this.emitError(error, { operation: 'recover' }));
      for (;;) {
        if (summary.claimed >= maxJobs) {
          summary.stoppedBy = 'maxJobs';
          break;
        }
        if (clock.now() - startedAt >= maxDurationMs) {
          summary.stoppedBy = 'maxDurationMs';
          break;
        }
        const left = maxDurationMs - (clock.now() - startedAt);
        const hold = this.claimHoldMs();
        if (hold > 0) {
          // The store was just unreachable: outcomes land first (see claimBatch).
          await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(hold, left)));
          continue;
        }
        const asked = Math.min(this.freeSlots().total, this.batchSize, maxJobs - summary.claimed);
        let claimed = 0;
        if (asked > 0) {
          try {
            claimed = await this.claimBatch(asked);
          } catch {
            // Reported as an `error` event. With nothing running there is nothing to wait for.
            if (this.inflight.size === 0) {
              summary.stoppedBy = 'storeError';
              break;
            }
            continue;
          }
        }
        summary.claimed += claimed;
        // Nothing due (or no free slot): wait for a running job to free a slot, or end.
        if (claimed < asked || asked === 0) {
          if (this.inflight.size === 0) {
            if (asked > 0) break;
            continue;
          }
          await raceTimeout(this.nextRelease(), left, clock);
        }
      }
      const remaining = maxDurationMs - (clock.now() - startedAt);
      if (remaining > 0) await raceTimeout(this.allDone(), remaining, clock);
      if (this.inflight.size > 0) {
        // Out of time: abort, give handlers that honour the signal a moment, hand the rest back.
        summary.stoppedBy = 'maxDurationMs';
        await this.drain(0);
      }
    } finally {
      this.events.off('settled', count);
      this.leases.stop();
      if (keepAlive !== null) clearInterval(keepAlive);
      this.state = 'idle';
    }
    summary.durationMs = clock.now() - startedAt;
    return summary;
  }

  // ---- loop ------------------------------------------------------------------------------------

  private async claimAndRun(): Promise<void> {
    while (this.state === 'started') {
      this.wakeRequested = false;
      let claimed = 0;
      let asked = 0;
      try {
        asked = this.freeSlots().total;
        claimed = asked === 0 ? 0 : await this.claimBatch();
      } catch {
        // claimBatch reported it; the poll tries again.
        return;
      }
      if (claimed === 0 && this.inflight.size === 0) this.notifyIdle();
      // A full batch suggests more is due: claim again at once while there are free slots.
      if (!(this.wakeRequested || (claimed > 0 && claimed === asked))) return;
      if (this.freeSlots().total === 0) return;
    }
  }

  private claimBatch(max = Number.MAX_SAFE_INTEGER): Promise<number> {
    if (this.claiming) return this.claiming;
    const run = async (): Promise<number> => {
      const { limits, total } = this.freeSlots();
      const limit = Math.min(total, this.batchSize, max);
      if (limit <= 0) return 0;
      const holdMs = this.claimHoldMs();
      if (holdMs > 0) {
        // The store was just unreachable: let every worker's pending outcomes land before claiming,
        // so that a job whose claim a crash undid is taken back by the worker that ran it, not
        // claimed and run again by another.
        this.wakeAfter(holdMs);
        return 0;
      }
      await this.tracker.clockReady();
      const now = this.internals.clock.now();
      let jobs: Job[];
      try {
        jobs = await this.tracker.store.claim({
          owner: this.id,
          now: new Date(now),
          leaseExpiresAt: new Date(now + this.leaseMs),
          limits,
          limit,
        });
      } catch (error) {
        this.storeUnreachable();
        this.emitError(error, { operation: 'claim' });
        throw error;
      }
      if (jobs.length > 0) {
        if (this.events.listenerCount('claimed') > 0) this.events.emit('claimed', jobs);
        for (const job of jobs) this.runJob(job);
      }
      return jobs.length;
    };
    const claiming = run().finally(() => {
      this.claiming = null;
    });
    this.claiming = claiming;
    return claiming;
  }

  private freeSlots(): { limits: Record<string, number>; total: number } {
    const limits: Record<string, number> = {};
    let total = 0;
    // Outcomes still being written hold their leases; past this many, claiming waits for the store.
    if (this.settling >= this.settleBacklog) return { limits, total };
    for (const [type, entry] of this.handlers) {
      const free = entry.limit - (this.inflightByType.get(type) ?? 0);
      if (free > 0) {
        setOwn(limits, type, free);
        total += free;
      }
    }
    return { limits, total };
  }

  private runJob(job: Job): void {
    if (this.settledHere.get(job.id) === job.attempt || this.settledBefore.get(job.id) === job.attempt) {
      // A claim that raced our own outcome write (it re-claimed the job after a database crash
      // undid the first claim, and the outcome then landed on it): the job is settled already.
      return;
    }
    const earlier = this.inflight.get(job.id);
    if (earlier?.job.attempt === job.attempt && job.lease) {
      // A database crash undid our claim of this job while we still hold its run (and maybe its
      // outcome, being written): the store handed it to us again with the same attempt, so that
      // run stands for this claim. Running the handler again would run it twice.
      this.leases.add(job.id, job.lease.expiresAt.getTime());
      earlier.run?.resumeWrites?.();
      return;
    }
    // An older attempt of it may still run here (it lost the job and ignores its signal; its writes
    // are fenced): this attempt is tracked on its own from now on.
    if (earlier) this.inflight.delete(job.id);
    const entry = this.handlers.get(job.type);
    if (!entry) {
      // The store handed out a type we did not ask for: give it back untouched.
      this.emitError(new JobValidationError('type', `claimed a job of type "${job.type}" this worker has no handler for`), {
        operation: 'claim',
        jobId: job.id,
      });
      return;
    }
    const controller = new LazyAbortController();
    this.inflightByType.set(job.type, (this.inflightByType.get(job.type) ?? 0) + 1);
    const leaseExpiresAt = job.lease?.expiresAt.getTime() ?? this.internals.clock.now() + this.leaseMs;
    this.leases.add(job.id, leaseExpiresAt);
    // The handler's slot is free as soon as it returns: the next claim overlaps the write of its
    // outcome (the job keeps its lease until that write lands), so a store round trip per settle
    // does not cap throughput at concurrency / latency.
    let slot: 'running' | 'settling' | 'done' = 'running';
    const tracked: InFlight = { job, run: null, controller, done: Promise.resolve(), handlerDone: false };
    const onHandlerDone = () => {
      if (slot !== 'running') return;
      slot = 'settling';
      tracked.handlerDone = true;
      this.settling++;
      this.inflightByType.set(job.type, (this.inflightByType.get(job.type) ?? 1) - 1);
      this.signalRelease();
    };
    const fn = entry.definition.timeoutMs === undefined ? entry.handler : this.withTimeout(entry, job, controller);
    const run: AttemptRun<unknown> = {
      job,
      owner: this.id,
      mode: 'queue',
      fn,
      controller,
      policy: entry.policy,
      onHandlerDone,
      leaseExpiresAt: () => this.leases.expiresAt(job.id) ?? leaseExpiresAt,
      onStoreUnreachable: this.storeUnreachable,
    };
    tracked.run = run;
    const done = this.internals
      .runAttempt(run)
      .then((result) => this.onSettled(job, result))
      .catch((error: unknown) => this.emitError(error, { operation: 'run', jobId: job.id, type: job.type }))
      .finally(() => {
        if (slot === 'running') this.inflightByType.set(job.type, (this.inflightByType.get(job.type) ?? 1) - 1);
        else this.settling--;
        slot = 'done';
        // A newer attempt of the same job may have taken this one's place meanwhile.
        if (this.inflight.get(job.id) === tracked) {
          this.inflight.delete(job.id);
          this.leases.delete(job.id);
        }
        this.signalRelease();
        if (this.inflight.size === 0 && !this.claiming) this.notifyIdleSoon();
      });
    tracked.done = done;
    this.inflight.set(job.id, tracked);
  }

  /**
   * A slot or a settle finished: claim again on the next turn, so that one claim fills every slot
   * a wave of finishing handlers frees instead of one claim per handler.
   */
  private signalRelease(): void {
    const waiters = this.releaseWaiters;
    this.releaseWaiters = [];
    for (const resolve of waiters) resolve();
    if (this.state !== 'started' || this.wakeScheduled) return;
    this.wakeScheduled = true;
    nextTurn(() => {
      this.wakeScheduled = false;
      this.wake();
    });
  }

  private nextRelease(): Promise<void> {
    return new Promise((resolve) => this.releaseWaiters.push(resolve));
  }

  private withTimeout(entry: ResolvedHandler, job: Job, controller: LazyAbortController): JobHandler {
    const timeoutMs = entry.definition.timeoutMs!;
    const clock = this.internals.clock;
    return (ctx) =>
      new Promise((resolve, reject) => {
        const timer = clock.setTimeout(() => {
          const error = new JobTimeoutError(job.id, timeoutMs);
          controller.abort(new JobAbortedError(job.id, 'timeout'));
          reject(error);
        }, timeoutMs);
        Promise.resolve()
          .then(() => entry.handler(ctx))
          .then(resolve, reject)
          .finally(() => clock.clearTimeout(timer));
      });
  }

  private onSettled(job: Job, result: AttemptResult<unknown>): void {
    if (result.outcome !== 'lost' && result.outcome !== 'unsettled' && result.outcome !== 'cancelled') {
      this.settledHere.set(job.id, job.attempt);
      // Two generations instead of an LRU: bounded, and O(1) per job.
      if (this.settledHere.size >= SETTLED_MEMORY) {
        this.settledBefore = this.settledHere;
        this.settledHere = new Map();
      }
    }
    if (result.storeError !== undefined) {
      this.emitError(result.storeError, { operation: 'settle', jobId: job.id, type: job.type });
    }
    if (this.events.listenerCount('settled') > 0) {
      this.events.emit('settled', { job: result.job, jobId: job.id, type: job.type, outcome: result.outcome });
    }
  }

  private async onLeaseLost(jobId: string): Promise<void> {
    const running = this.inflight.get(jobId);
    if (running && !running.controller.aborted) {
      // A database crash can undo a claim (claims do not wait for the WAL flush): the handler still
      // runs here, so take the job back rather than let another worker run it again.
      try {
        const expiresAt = this.internals.clock.now() + this.leaseMs;
        if (await this.internals.retake(running.job, this.id, new Date(expiresAt))) {
          running.run?.resumeWrites?.();
          if (this.inflight.get(jobId) === running) this.leases.add(jobId, expiresAt);
          return;
        }
      } catch (error) {
        this.emitError(error, { operation: 'heartbeat', jobId });
      }
    }
    let cancelled = false;
    try {
      const current = await this.tracker.store.get(jobId);
      cancelled = current?.status === 'cancelled';
    } catch (error) {
      this.emitError(error, { operation: 'heartbeat', jobId });
    }
    const entry = this.inflight.get(jobId);
    if (entry && !entry.controller.aborted) {
      entry.controller.abort(new JobAbortedError(jobId, cancelled ? 'cancelled' : 'lease_lost'));
    }
  }

  // ---- timers ----------------------------------------------------------------------------------

  /** A ref'd timer that keeps the process alive (every other timer is unref'd), when `keepAlive`. */
  private holdProcess(): ReturnType<typeof setInterval> | null {
    return this.keepAlive && typeof setInterval === 'function' ? setInterval(noop, 3_600_000) : null;
  }

  /** How long claims still wait after the store was last unreachable (ms; 0 or less: none). */
  private claimHoldMs(): number {
    return this.lastStoreFailureAt + CLAIM_HOLD_AFTER_FAILURE_MS - this.internals.clock.now();
  }

  private readonly storeUnreachable = (): void => {
    this.lastStoreFailureAt = this.internals.clock.now();
  };

  /** One wake-up once a claim hold ends (the poll would come too, but later). */
  private wakeAfter(ms: number): void {
    if (this.holdTimer !== null || this.state !== 'started') return;
    this.holdTimer = this.internals.clock.setTimeout(() => {
      this.holdTimer = null;
      this.wake();
    }, ms);
  }

  private schedulePoll(): void {
    if (this.state !== 'started') return;
    this.pollTimer = this.internals.clock.setTimeout(() => {
      this.pollTimer = null;
      this.wake();
      this.schedulePoll();
    }, this.pollIntervalMs);
  }

  private scheduleRecovery(delay = this.recoverIntervalMs): void {
    if (this.state !== 'started') return;
    this.recoverTimer = this.internals.clock.setTimeout(() => {
      this.recoverTimer = null;
      void this.tracker
        .recoverExpired()
        .then((jobs) => {
          if (jobs.some((job) => !isTerminal(job.status))) this.wake();
        })
        .catch((error: unknown) => this.emitError(error, { operation: 'recover' }))
        .finally(() => this.scheduleRecovery());
    }, delay);
  }

  private scheduleRetention(delay = this.retentionIntervalMs): void {
    if (this.state !== 'started' || !this.retention) return;
    const retention = this.retention;
    this.retentionTimer = this.internals.clock.setTimeout(() => {
      this.retentionTimer = null;
      void this.tracker
        .prune({ olderThanMs: retention, statuses: Object.keys(retention) as Array<keyof typeof retention> })
        .catch((error: unknown) => this.emitError(error, { operation: 'retention' }))
        .finally(() => this.scheduleRetention());
    }, delay);
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    const clock = this.internals.clock;
    for (const timer of [this.pollTimer, this.recoverTimer, this.retentionTimer, this.holdTimer]) {
      if (timer !== null) clock.clearTimeout(timer);
    }
    this.pollTimer = this.recoverTimer = this.retentionTimer = this.holdTimer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.claiming) await this.claiming.catch(() => 0);
    await this.drain(this.shutdownGraceMs);
    this.leases.stop();
    if (this.keepAliveTimer !== null) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
    this.state = 'stopped';
    this.notifyIdle();
  }

  private allDone(): Promise<unknown> {
    return Promise.all([...this.inflight.values()].map((entry) => entry.done));
  }

  /**
   * Bounded wind-down: waits up to `graceMs` for running handlers, aborts the rest (`ctx.signal`),
   * gives those that honour it up to 1 s to settle, and hands the ones still running back to the
   * queue without counting their attempt. Outcomes already being written (a handler that returned
   * while the store is slow or down) are never handed back: they get the grace period (at least
   * 1 s) to land, and their lease covers them after that.
   */
  private async drain(graceMs: number): Promise<void> {
    const clock = this.internals.clock;
    if (this.inflight.size > 0 && graceMs > 0) await raceTimeout(this.allDone(), graceMs, clock);
    if (this.inflight.size === 0) return;
    for (const [jobId, entry] of this.inflight) {
      if (!entry.handlerDone && !entry.controller.aborted) entry.controller.abort(new JobAbortedError(jobId, 'shutdown'));
    }
    await raceTimeout(this.allDone(), Math.min(1000, Math.max(50, graceMs)), clock);
    const stuck = [...this.inflight.values()].filter((entry) => !entry.handlerDone);
    await Promise.all(stuck.map((entry) => this.release(entry.job)));
    const settling = [...this.inflight.values()].filter((entry) => entry.handlerDone);
    if (settling.length > 0) await raceTimeout(Promise.all(settling.map((entry) => entry.done)), Math.max(1000, graceMs), clock);
  }

  /** Hands a job back to the queue without counting its attempt. */
  private async release(job: Job): Promise<void> {
    try {
      const released = await this.internals.release(job, this.id);
      if (released && this.events.listenerCount('settled') > 0) {
        this.events.emit('settled', { job: released, jobId: job.id, type: job.type, outcome: 'released' });
      }
    } catch (error) {
      this.emitError(error, { operation: 'release', jobId: job.id, type: job.type });
    }
  }

  private notifyIdleSoon(): void {
    queueMicrotask(() => {
      if (this.inflight.size === 0 && !this.claiming && !this.wakeRequested) {
        // Only idle if a fresh claim also finds nothing; the loop emits idle itself then.
        if (this.state !== 'started') this.notifyIdle();
      }
    });
  }

  private notifyIdle(): void {
    if (this.events.listenerCount('idle') > 0) this.events.emit('idle');
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private resolveHandlers(handlers: UntypedJobHandlers, concurrency: ConcurrencyOption | undefined): void {
    if (!handlers || typeof handlers !== 'object' || Object.keys(handlers).length === 0) {
      throw new JobValidationError('handlers', 'needs at least one handler: { "imports.upload": async (ctx) => { ... } }.');
    }
    if (concurrency !== undefined && typeof concurrency !== 'number' && !isPlainObject(concurrency)) {
      throw new JobValidationError('concurrency', `must be a number or { default?, [type]: number }; got ${show(concurrency)}.`);
    }
    const perType: Record<string, number> = typeof concurrency === 'object' ? concurrency : {};
    const fallback = typeof concurrency === 'number' ? concurrency : (getOwn(perType, 'default') ?? 10);
    assertInteger(fallback, 'concurrency', 1, 10_000);
    for (const key of Object.keys(perType)) {
      // Own keys only: a type named `constructor` or `toString` is a type like any other.
      if (key !== 'default' && !Object.hasOwn(handlers, key)) {
        throw new JobValidationError(`concurrency.${key}`, `names a type with no handler; handlers: ${Object.keys(handlers).join(', ')}.`);
      }
    }
    for (const [type, value] of Object.entries(handlers)) {
      const definition: HandlerDefinition = typeof value === 'function' ? { handler: value } : value;
      if (!definition || typeof definition.handler !== 'function') {
        throw new JobValidationError(`handlers.${type}`, 'must be a function or { handler, concurrency?, timeoutMs? }.');
      }
      const limit = definition.concurrency ?? getOwn(perType, type) ?? fallback;
      assertInteger(limit, `concurrency.${type}`, 1, 10_000);
      if (definition.timeoutMs !== undefined) assertInteger(definition.timeoutMs, `handlers.${type}.timeoutMs`, 1, 86_400_000);
      const { backoff, classify } = definition;
      const policy = backoff || classify ? { ...(backoff ? { backoff } : {}), ...(classify ? { classify } : {}) } : undefined;
      this.handlers.set(type, { type, handler: definition.handler, limit, definition, policy });
    }
    const slots = [...this.handlers.values()].reduce((sum, entry) => sum + entry.limit, 0);
    this.settleBacklog = Math.max(100, 4 * slots);
  }

  private emitError(error: unknown, context: { operation: string; jobId?: string; type?: string }): void {
    if (this.events.listenerCount('error') > 0) this.events.emit('error', error, context);
    else this.internals.emitError(error, context);
  }
}

function noop(): void {}

/**
 * After the store was unreachable, claims wait this long (twice the outcome writer's longest
 * retry interval), so the outcomes every worker still holds land first.
 */
const CLAIM_HOLD_AFTER_FAILURE_MS = 1_000;

/** How many written attempts a worker remembers, to recognise a claim that raced its outcome write. */
const SETTLED_MEMORY = 1_000;

const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

/** Longest delay a timer takes (2^31 - 1 ms); a longer wait is no wait limit at all (runOnce without maxDurationMs). */
const MAX_TIMER_MS = 2_147_483_647;

function raceTimeout(promise: Promise<unknown>, ms: number, clock: TrackerInternals['clock']): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  if (ms > MAX_TIMER_MS) return promise.then(() => undefined);
  return new Promise((resolve) => {
    const timer = clock.setTimeout(resolve, ms);
    void promise.then(() => {
      clock.clearTimeout(timer);
      resolve();
    });
  });
}
