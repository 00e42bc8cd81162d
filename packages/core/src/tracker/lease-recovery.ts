import type { Job } from '../model/job.js';
import type { JobStore } from '../store/job-store.js';
import type { JobTelemetry } from '../telemetry/telemetry-port.js';
import type { TimerHandle } from '../util/clock.js';
import { scheduleWeakly } from '../util/weak-timer.js';
import type { AttemptRunner } from './attempt-runner.js';
import type { ClockSync } from './clock-sync.js';
import { recoverTransition } from './lifecycle-transitions.js';
import { writeOutcome } from './outcome-writer.js';
import type { TrackerEmitter } from './tracker-emitter.js';
import type { TypePolicies } from './type-policies.js';

const RECOVERY_BATCH = 100;

export interface LeaseRecoveryDeps {
  store: JobStore;
  clock: ClockSync;
  policies: TypePolicies;
  runner: AttemptRunner;
  emitter: TrackerEmitter;
  telemetry: { current: JobTelemetry | null };
  /** Between passes (ms), or false for none in the background. */
  intervalMs: number | false;
}

/**
 * Takes back running jobs whose lease expired (their process died or stalled): `retrying` while
 * attempts remain, else `failed` with code `lease_expired`. Every tracker runs it in the
 * background, so a deployment that only tracks work (no worker) recovers its crashed jobs.
 */
export class LeaseRecovery {
  private timer: TimerHandle | null = null;
  private pass: Promise<Job[]> | null = null;
  private stopped = false;

  constructor(private readonly deps: LeaseRecoveryDeps) {
    if (deps.intervalMs !== false) this.schedule(Math.min(deps.intervalMs, 1000));
  }

  /** See `Tracker.recoverExpired`: concurrent calls share one pass. */
  recoverExpired(): Promise<Job[]> {
    this.pass ??= this.recoverPass().finally(() => {
      this.pass = null;
    });
    return this.pass;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.clock.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** One background pass, then the next one is scheduled. */
  tick(): void {
    this.timer = null;
    void this.recoverExpired()
      .catch((error: unknown) => this.deps.emitter.error(error, { operation: 'recover' }))
      .finally(() => {
        if (this.deps.intervalMs !== false) this.schedule(this.deps.intervalMs);
      });
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    // The timer holds this weakly: a tracker nobody uses any more (made per request, never
    // closed) is collected, and its recovery stops with it, instead of living on in the timer.
    this.timer = scheduleWeakly(this.deps.clock.clock, this, delay, tickRecovery);
  }

  private async recoverPass(): Promise<Job[]> {
    const { clock, store, emitter } = this.deps;
    if (clock.pending) await clock.ready();
    const recovered: Job[] = [];
    const refused = new Set<string>();
    for (let round = 0; round < 50; round++) {
      const now = clock.clock.now();
      const expired = await store.findExpired(new Date(now), RECOVERY_BATCH + refused.size);
      const fresh = expired.filter((job) => !refused.has(job.id));
      for (const job of fresh) {
        try {
          const done = await this.recoverOne(job, now);
          if (done) recovered.push(done);
        } catch (error) {
          refused.add(job.id);
          emitter.error(error, { operation: 'recover', jobId: job.id, type: job.type });
        }
      }
      if (fresh.length === 0 || expired.length < RECOVERY_BATCH + refused.size) break;
    }
    return recovered;
  }

  /** Compare-and-set on lease owner, attempt and expiry, so a late outcome and this never both win. */
  private async recoverOne(job: Job, now: number): Promise<Job | null> {
    const { store, policies, emitter, runner } = this.deps;
    const owner = job.lease?.owner ?? null;
    const decision = recoverTransition(job, policies.forType(job.type).backoff, now, policies.failureOptions(job));
    const result = await writeOutcome(
      job.id,
      { status: 'running', leaseOwner: owner, attempt: job.attempt, leaseExpiresBefore: new Date(now) },
      decision.patch,
      {
        store,
        clock: this.deps.clock.clock,
        // Recovery is retried by its next pass, not here.
        leaseExpiresAt: () => 0,
        onRetry: (error) => emitter.error(error, { operation: 'recover:degrade', jobId: job.id, type: job.type }),
      },
    );
    if (!result.ok) return null;
    runner.abort(job.id, 'lease_lost');
    emitter.job('recovered', result.job);
    emitter.job(decision.status, result.job);
    try {
      this.deps.telemetry.current?.onRecovered?.(result.job);
    } catch (error) {
      emitter.error(error, { operation: 'telemetry', jobId: job.id });
    }
    return result.job;
  }
}

/** Module level, not a closure in a method: see `scheduleWeakly`. */
function tickRecovery(recovery: LeaseRecovery): void {
  recovery.tick();
}
