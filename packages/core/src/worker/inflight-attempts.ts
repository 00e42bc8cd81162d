import { JobAbortedError } from '../errors/job-aborted-error.js';
import type { Job } from '../model/job.js';
import type { AttemptRun } from '../tracker/attempt-runner.js';
import type { Clock } from '../util/clock.js';
import type { LazyAbortController } from '../util/lazy-abort-controller.js';
import { raceTimeout } from '../util/race-timeout.js';
import type { SlotHold } from './worker-slots.js';

/** One attempt a worker holds: its handler running, or its outcome being written. */
export interface InFlight {
  job: Job;
  /** The attempt as handed to the runner (its `resumeWrites` is set once it runs). */
  run: AttemptRun<unknown> | null;
  controller: LazyAbortController;
  done: Promise<void>;
  /** The handler returned or threw; its outcome is being written. */
  handlerDone: boolean;
  /** Its hold on a slot of its type. */
  slot: SlotHold;
  /**
   * Handed back to the queue by a shutdown while its handler still ran: the worker holds the job
   * no more, and what the abandoned handler answers later is not reported.
   */
  handedBack: boolean;
}

/** The attempts a worker holds, by job id, and their bounded wind-down. */
export class InflightAttempts {
  private readonly byJob = new Map<string, InFlight>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.byJob.size;
  }

  ids(): string[] {
    return [...this.byJob.keys()];
  }

  get(jobId: string): InFlight | undefined {
    return this.byJob.get(jobId);
  }

  set(jobId: string, entry: InFlight): void {
    this.byJob.set(jobId, entry);
  }

  /** Forgets `entry` unless a newer attempt of its job took its place; answers whether it did. */
  forget(jobId: string, entry?: InFlight): boolean {
    if (entry !== undefined && this.byJob.get(jobId) !== entry) return false;
    return this.byJob.delete(jobId);
  }

  /**
   * The job of `entry` was handed back to the queue: the worker holds it no more, though its
   * handler may run on (it ignores its signal). Frees its slot if the handler still runs (its
   * return frees nothing more) and forgets it; answers whether it was still the job's entry.
   */
  handBack(entry: InFlight): boolean {
    entry.handedBack = true;
    entry.slot.handBack();
    return this.forget(entry.job.id, entry);
  }

  allDone(): Promise<unknown> {
    return Promise.all([...this.byJob.values()].map((entry) => entry.done));
  }

  /**
   * Bounded wind-down: waits up to `graceMs` for running handlers, aborts the rest (`ctx.signal`),
   * gives those that honour it up to 1 s to settle, and hands the ones still running back to the
   * queue (`release`) without counting their attempt; `release` forgets each one it handed back
   * (the worker no longer holds it, though its handler may still run). Outcomes already being
   * written (a handler that returned while the store is slow or down) are never handed back: they
   * get the grace period (at least 1 s) to land, and their lease covers them after that.
   */
  async drain(graceMs: number, release: (entry: InFlight) => Promise<void>): Promise<void> {
    const clock = this.clock;
    if (this.byJob.size > 0 && graceMs > 0) await raceTimeout(this.allDone(), graceMs, clock);
    if (this.byJob.size === 0) return;
    for (const [jobId, entry] of this.byJob) {
      if (!entry.handlerDone && !entry.controller.aborted) entry.controller.abort(new JobAbortedError(jobId, 'shutdown'));
    }
    await raceTimeout(this.allDone(), Math.min(1000, Math.max(50, graceMs)), clock);
    const entries = [...this.byJob.values()];
    await Promise.all(entries.filter((entry) => !entry.handlerDone).map((entry) => release(entry)));
    const settling = [...this.byJob.values()].filter((entry) => entry.handlerDone);
    if (settling.length > 0) await raceTimeout(Promise.all(settling.map((entry) => entry.done)), Math.max(1000, graceMs), clock);
  }
}
