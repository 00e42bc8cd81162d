import { EventEmitter } from 'eventemitter3';
import { JobValidationError } from '../errors/jobtrail-error.js';
import type { Job } from '../model/job.js';
import type { AttemptResult, AttemptRun, AttemptRunner } from '../tracker/attempt-runner.js';
import { InflightAttempts, type InFlight } from './inflight-attempts.js';
import { LeaseKeeper } from '../tracker/lease-keeper.js';
import type { Tracker } from '../tracker/tracker.js';
import type { Clock } from '../util/clock.js';
import { LazyAbortController } from '../util/lazy-abort-controller.js';
import { nextTurn } from '../util/race-timeout.js';
import { Waiters } from '../util/waiters.js';
import { uuidv7 } from '../util/uuid-v7.js';
import { resolveHandlers, type ResolvedHandler } from './handler-registry.js';
import { withTimeout } from './job-timeout.js';
import { ClaimHold } from './claim-hold.js';
import type { WorkerEvents } from './worker-events.js';
import { WorkerEmitter } from './worker-emitter.js';
import { holdProcess, MaintenanceTimers } from './maintenance-timers.js';
import { runOnceLoop, type RunOnceOptions, type RunOnceSummary } from './run-once.js';
import { SettledAttempts } from './settled-attempts.js';
import type { UntypedJobHandlers, WorkerOptions } from './worker-options.js';
import { assertTracker, resolveWorkerSettings, type WorkerSettings } from './worker-settings.js';
import { WorkerSlots } from './worker-slots.js';
import { ScheduleLoop } from './schedule-loop.js';
import { keepsSchedules } from '../store/guarded-store.js';

/**
 * Creates a worker over a tracker: it runs its attempts through the tracker's attempt runner.
 *
 * @throws {JobValidationError} (`invalid_input`) for bad options or handlers, an unknown option
 * key, or a `tracker` not made by `createTracker()`.
 */
export function createWorker(options: WorkerOptions): Worker {
  return new Worker(options);
}

/**
 * Claims due jobs in batches, runs their handlers with per-type slots, renews leases while they
 * run, recovers jobs of dead workers, and shuts down gracefully.
 */
export class Worker {
  readonly id: string;
  /**
   * Jobs in events are {@link AnyJob}: typed by job type once the `JobTypes` registry is filled.
   * Annotated, not inferred, so that the published declarations keep `AnyJob` for the
   * application's registry rather than core's empty one.
   */
  readonly events: EventEmitter<WorkerEvents> = new EventEmitter<WorkerEvents>();

  private readonly tracker: Tracker;
  private readonly runner: AttemptRunner;
  private readonly clock: Clock;
  private readonly settings: WorkerSettings;
  private readonly handlers: Map<string, ResolvedHandler>;
  private readonly slots: WorkerSlots;
  private readonly timers: MaintenanceTimers;
  private readonly hold: ClaimHold;
  private readonly leases: LeaseKeeper;
  private readonly emit: WorkerEmitter;
  private readonly inflight: InflightAttempts;
  private readonly settledHere = new SettledAttempts();
  private wakeScheduled = false;
  /** Told whenever a slot or a settle finishes. */
  private readonly released = new Waiters();
  private state: 'idle' | 'started' | 'stopping' | 'stopped' | 'once' = 'idle';
  private claiming: Promise<number> | null = null;
  private wakeRequested = false;
  private unsubscribe: (() => void) | null = null;
  private stopPromise: Promise<void> | null = null;
  private keepAliveTimer: ReturnType<typeof setInterval> | null = null;
  /** Null with `schedules: false`, or over a store that keeps no schedules. */
  private readonly scheduler: ScheduleLoop | null;

  constructor(options: WorkerOptions) {
    if (!options || typeof options !== 'object') throw new JobValidationError('options', 'createWorker() needs options.');
    this.settings = resolveWorkerSettings(options);
    assertTracker(options.tracker);
    this.tracker = options.tracker;
    this.runner = options.tracker.attempts;
    this.clock = this.runner.clock;
    this.id = options.workerId ?? `worker-${uuidv7(this.clock.now()).slice(-12)}`;
    // The registry only narrows what callers may pass; at run time every map is string-keyed.
    this.handlers = resolveHandlers(options.handlers as UntypedJobHandlers, options.concurrency, this.runner.policies);
    this.slots = new WorkerSlots(this.handlers);
    this.inflight = new InflightAttempts(this.clock);
    this.hold = new ClaimHold(this.clock);
    this.emit = new WorkerEmitter(this.events, this.runner);
    this.timers = new MaintenanceTimers(this.clock, this.tracker, { wake: () => this.wake(), report: this.emit.error }, this.settings);
    const store = this.tracker.store;
    this.scheduler =
      this.settings.schedules && keepsSchedules(store)
        ? new ScheduleLoop(
            this.clock,
            {
              fireDue: (fireOptions) => this.tracker.fireDueSchedules(fireOptions),
              subscribe: store.subscribe?.bind(store),
              report: this.emit.error,
            },
            this.settings.pollIntervalMs,
          )
        : null;
    this.leases = new LeaseKeeper({
      store: this.tracker.store,
      clock: this.clock,
      owner: this.id,
      leaseMs: this.settings.leaseMs,
      heartbeatMs: this.settings.heartbeatMs,
      onLost: (jobId) => void this.onLeaseLost(jobId),
      onError: (error) => this.emit.error(error, { operation: 'heartbeat' }),
    });
  }

  /**
   * Ids of the jobs this worker holds: running, or finished and having their outcome written (the
   * handler's slot is already free for the next job then, but the lease is kept until it lands).
   * A job handed back by `stop()` or `runOnce()` is no longer held, even if its handler runs on.
   */
  get running(): string[] {
    return this.inflight.ids();
  }

  get isRunning(): boolean {
    return this.state === 'started';
  }

  /** Starts claiming: at once, on every store wake-up, and every `pollIntervalMs`. */
  start(): this {
    if (this.state === 'started') return this;
    if (this.state !== 'idle') throw new JobValidationError('worker', `cannot start a worker that is ${this.state}; create a new one.`);
    this.state = 'started';
    this.keepAliveTimer = holdProcess(this.settings.keepAlive);
    this.unsubscribe =
      this.tracker.store.subscribe?.((event) => {
        // A schedule change is the scheduler's business (its firing inserts wake the claim loop).
        if (event.schedule !== undefined && event.type === undefined) return;
        if (!event.type || this.handlers.has(event.type)) this.wake();
      }) ?? null;
    this.timers.start();
    this.scheduler?.start();
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
    return this.emit.nextIdle();
  }

  /**
   * Stops claiming, waits up to `shutdownGraceMs` for running handlers, then aborts the rest
   * (`ctx.signal`) and hands their jobs back to the queue without consuming an attempt.
   */
  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  /**
   * Claims and runs due jobs until none are left or a limit is hit, then answers what happened.
   * For apps without a long-running process (a cron-triggered HTTP endpoint).
   *
   * @throws {JobValidationError} when the worker was started, or for bad options (keys, limits).
   */
  async runOnce(options?: RunOnceOptions): Promise<RunOnceSummary> {
    if (this.state !== 'idle') throw new JobValidationError('worker', `runOnce() needs a worker that was never started; this one is ${this.state}.`);
    this.state = 'once';
    // Like a started worker: the process must not exit while outcomes wait for the store.
    const keepAlive = holdProcess(this.settings.keepAlive);
    try {
      return await runOnceLoop(
        {
          clock: this.clock,
          batchSize: this.settings.batchSize,
          recover: () => this.tracker.recoverExpired().catch((error: unknown) => this.emit.error(error, { operation: 'recover' })),
          freeSlots: () => this.slots.free().total,
          claimHoldMs: () => this.hold.remainingMs(),
          claim: (max) => this.claimBatch(max),
          inflight: () => this.inflight.size,
          nextRelease: () => this.released.next(),
          allDone: () => this.inflight.allDone(),
          drain: (graceMs) => this.inflight.drain(graceMs, this.release),
          onSettled: (listener) => this.emit.onSettled(listener),
        },
        options,
      );
    } finally {
      this.leases.stop();
      if (keepAlive !== null) clearInterval(keepAlive);
      this.state = 'idle';
    }
  }

  // ---- the claim loop ----------------------------------------------------------------------------

  private async claimAndRun(): Promise<void> {
    while (this.state === 'started') {
      this.wakeRequested = false;
      let claimed = 0;
      let asked = 0;
      try {
        asked = this.slots.free().total;
        claimed = asked === 0 ? 0 : await this.claimBatch();
      } catch {
        // claimBatch reported it; the poll tries again.
        return;
      }
      if (claimed === 0 && this.inflight.size === 0) this.emit.idle();
      // A full batch suggests more is due: claim again at once while there are free slots.
      if (!(this.wakeRequested || (claimed > 0 && claimed === asked))) return;
      if (this.slots.free().total === 0) return;
    }
  }

  private claimBatch(max = Number.MAX_SAFE_INTEGER): Promise<number> {
    if (this.claiming) return this.claiming;
    const run = async (): Promise<number> => {
      const { limits, total } = this.slots.free();
      const limit = Math.min(total, this.settings.batchSize, max);
      if (limit <= 0) return 0;
      const holdMs = this.hold.remainingMs();
      if (holdMs > 0) {
        // The store was just unreachable: let every worker's pending outcomes land before claiming,
        // so that a job whose claim a crash undid is taken back by the worker that ran it, not
        // claimed and run again by another.
        this.timers.wakeAfter(holdMs);
        return 0;
      }
      await this.tracker.clockReady();
      let jobs: Job[];
      try {
        // Declared limits are stored before this process claims anything they govern.
        await this.tracker.limitsReady();
        const now = this.clock.now();
        jobs = await this.tracker.store.claim({
          owner: this.id,
          now: new Date(now),
          leaseExpiresAt: new Date(now + this.settings.leaseMs),
          limits,
          limit,
        });
      } catch (error) {
        this.hold.storeUnreachable();
        this.emit.error(error, { operation: 'claim' });
        throw error;
      }
      if (jobs.length > 0) {
        this.emit.claimed(jobs);
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

  private runJob(job: Job): void {
    // A claim that raced our own outcome write: the job is settled already.
    if (this.settledHere.has(job.id, job.attempt)) return;
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
    if (earlier) this.inflight.forget(job.id);
    const entry = this.handlers.get(job.type);
    if (!entry) {
      // The store handed out a type we did not ask for: give it back untouched.
      this.emit.error(new JobValidationError('type', `claimed a job of type "${job.type}" this worker has no handler for`), {
        operation: 'claim',
        jobId: job.id,
      });
      return;
    }
    const controller = new LazyAbortController();
    const slot = this.slots.take(job.type);
    const leaseExpiresAt = job.lease?.expiresAt.getTime() ?? this.clock.now() + this.settings.leaseMs;
    this.leases.add(job.id, leaseExpiresAt);
    const tracked: InFlight = { job, run: null, controller, done: Promise.resolve(), handlerDone: false, slot, handedBack: false };
    const onHandlerDone = () => {
      if (tracked.handlerDone) return;
      tracked.handlerDone = true;
      slot.handlerDone();
      this.signalRelease();
    };
    const fn = entry.timeoutMs === undefined ? entry.handler : withTimeout(entry.handler, entry.timeoutMs, job, controller, this.clock);
    const run: AttemptRun<unknown> = {
      job,
      owner: this.id,
      mode: 'queue',
      fn,
      controller,
      policy: entry.policy,
      onHandlerDone,
      leaseExpiresAt: () => this.leases.expiresAt(job.id) ?? leaseExpiresAt,
      onStoreUnreachable: this.hold.storeUnreachable,
    };
    tracked.run = run;
    tracked.done = this.runner
      .run(run)
      // A job handed back at shutdown was reported `released` then; its late answer is not ours.
      .then((result) => void (tracked.handedBack || this.onSettled(job, result)))
      .catch((error: unknown) => this.emit.error(error, { operation: 'run', jobId: job.id, type: job.type }))
      .finally(() => {
        slot.end();
        // A newer attempt of the same job may have taken this one's place meanwhile.
        if (this.inflight.forget(job.id, tracked)) this.leases.delete(job.id);
        this.signalRelease();
        if (this.inflight.size === 0 && !this.claiming) this.notifyIdleSoon();
      });
    this.inflight.set(job.id, tracked);
  }

  /**
   * A slot or a settle finished: claim again on the next turn, so that one claim fills every slot
   * a wave of finishing handlers frees instead of one claim per handler.
   */
  private signalRelease(): void {
    this.released.resolveAll();
    if (this.state !== 'started' || this.wakeScheduled) return;
    this.wakeScheduled = true;
    nextTurn(() => {
      this.wakeScheduled = false;
      this.wake();
    });
  }

  private onSettled(job: Job, result: AttemptResult<unknown>): void {
    if (result.outcome !== 'lost' && result.outcome !== 'unsettled' && result.outcome !== 'cancelled') {
      this.settledHere.add(job.id, job.attempt);
    }
    if (result.storeError !== undefined) {
      this.emit.error(result.storeError, { operation: 'settle', jobId: job.id, type: job.type });
    }
    this.emit.settled(result.job, job, result.outcome);
  }

  private async onLeaseLost(jobId: string): Promise<void> {
    const running = this.inflight.get(jobId);
    if (running && !running.controller.aborted) {
      // A database crash can undo a claim (claims do not wait for the WAL flush): the handler still
      // runs here, so take the job back rather than let another worker run it again.
      try {
        const expiresAt = this.clock.now() + this.settings.leaseMs;
        if (await this.runner.retake(running.job, this.id, new Date(expiresAt))) {
          running.run?.resumeWrites?.();
          if (this.inflight.get(jobId) === running) this.leases.add(jobId, expiresAt);
          return;
        }
      } catch (error) {
        this.emit.error(error, { operation: 'heartbeat', jobId });
      }
    }
    await this.runner.leaseLost(jobId, this.emit.error);
  }

  // ---- shutdown ----------------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.timers.stop();
    await this.scheduler?.stop(this.settings.shutdownGraceMs);
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.claiming) await this.claiming.catch(() => 0);
    await this.inflight.drain(this.settings.shutdownGraceMs, this.release);
    this.leases.stop();
    if (this.keepAliveTimer !== null) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
    this.state = 'stopped';
    this.emit.idle();
  }

  /**
   * Hands a job back to the queue without counting its attempt. Once back, it is no longer held
   * here even if its handler runs on: it leaves `running`, its slot and lease go, and the late
   * outcome (a write its fence refuses) is ignored.
   */
  private readonly release = async (entry: InFlight): Promise<void> => {
    const { job } = entry;
    try {
      const released = await this.runner.release(job, this.id);
      if (!released) return;
      if (this.inflight.handBack(entry)) this.leases.delete(job.id);
      this.emit.settled(released, job, 'released');
    } catch (error) {
      this.emit.error(error, { operation: 'release', jobId: job.id, type: job.type });
    }
  };

  private notifyIdleSoon(): void {
    // A started worker is idle only once a fresh claim also finds nothing: its loop emits idle then.
    queueMicrotask(() => {
      if (this.inflight.size === 0 && !this.claiming && !this.wakeRequested && this.state !== 'started') this.emit.idle();
    });
  }
}
