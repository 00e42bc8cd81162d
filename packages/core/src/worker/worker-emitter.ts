import type { EventEmitter } from 'eventemitter3';
import type { Job } from '../model/job.js';
import type { AttemptOutcomeKind } from '../tracker/attempt-outcome-kind.js';
import type { AttemptRunner } from '../tracker/attempt-runner.js';
import type { TrackerErrorContext } from '../tracker/tracker-events.js';
import { Waiters } from '../util/waiters.js';
import type { WorkerEvents } from './worker-events.js';

/**
 * How a worker tells `worker.events`: jobs as claimed and settled (`Job`; listeners see them as
 * `AnyJob`, types only, so this is the one place that says so), idle waiters, and errors, which
 * go to the worker's `error` listeners, else to the tracker's.
 */
export class WorkerEmitter {
  private readonly idled = new Waiters();
  private readonly events: EventEmitter<WorkerEvents<Job>>;

  constructor(
    events: EventEmitter<WorkerEvents>,
    private readonly runner: AttemptRunner,
  ) {
    this.events = events as EventEmitter<WorkerEvents<Job>>;
  }

  claimed(jobs: Job[]): void {
    if (this.events.listenerCount('claimed') > 0) this.events.emit('claimed', jobs);
  }

  settled(job: Job | null, of: Job, outcome: AttemptOutcomeKind): void {
    if (this.events.listenerCount('settled') > 0) this.events.emit('settled', { job, jobId: of.id, type: of.type, outcome });
  }

  /** Counts every settle while runOnce runs; answers a function that stops it. */
  onSettled(listener: (result: { outcome: AttemptOutcomeKind }) => void): () => void {
    this.events.on('settled', listener);
    return () => this.events.off('settled', listener);
  }

  /** Resolves the next time the worker goes idle. */
  nextIdle(): Promise<void> {
    return this.idled.next();
  }

  idle(): void {
    if (this.events.listenerCount('idle') > 0) this.events.emit('idle');
    this.idled.resolveAll();
  }

  readonly error = (error: unknown, context: TrackerErrorContext): void => {
    if (this.events.listenerCount('error') > 0) this.events.emit('error', error, context);
    else this.runner.report(error, context);
  };
}
