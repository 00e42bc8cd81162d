import type { EventEmitter } from 'eventemitter3';
import type { Job } from '../model/job.js';
import type { ProgressEvent, StaleWrite, TrackerErrorContext, TrackerEvents } from './tracker-events.js';

/** Jobs whose last told status the emitter remembers while relaying other processes' changes. */
const MAX_TOLD = 10_000;

/** The events that carry a job snapshot. */
export type JobEventName = 'created' | 'started' | 'retrying' | 'completed' | 'failed' | 'skipped' | 'cancelled' | 'recovered';

/**
 * How every part of a tracker tells `tracker.events`. A listener that throws never turns a
 * recorded outcome into a failure: it is reported as an `error` event instead. Events without a
 * listener cost one check (the hot path emits several per attempt).
 */
export class TrackerEmitter {
  /** `tracker.events`, typed as core emits it: jobs as read from the store (`Job`, see `AnyJob`). */
  constructor(readonly events: EventEmitter<TrackerEvents<Job>>) {}

  /**
   * Set while the tracker relays other processes' changes (`listenToAllProcesses`): each job's
   * status and attempt already told, so one heard both here and through the feed is told once.
   */
  told: Map<string, string> | null = null;

  job(event: JobEventName, job: Job): void {
    if (this.told !== null && !this.firstTelling(job)) return;
    if (this.events.listenerCount(event) === 0) return;
    try {
      this.events.emit(event, job);
    } catch (error) {
      this.error(error, { operation: `listener:${event}`, jobId: job.id, type: job.type });
    }
  }

  /** Records the job's status and attempt as told; false when they were told already. */
  firstTelling(job: Job): boolean {
    const told = this.told!;
    const key = `${job.status}:${job.attempt}`;
    if (told.get(job.id) === key) return false;
    told.delete(job.id);
    told.set(job.id, key);
    // Bounded: the oldest jobs are forgotten first (a late duplicate of one is the only risk).
    if (told.size > MAX_TOLD) told.delete(told.keys().next().value!);
    return true;
  }

  progress(event: ProgressEvent): void {
    if (this.events.listenerCount('progress') > 0) this.events.emit('progress', event);
  }

  hasProgressListeners(): boolean {
    return this.events.listenerCount('progress') > 0;
  }

  stale(info: StaleWrite): void {
    if (this.events.listenerCount('stale') === 0) return;
    try {
      this.events.emit('stale', info);
    } catch (error) {
      this.error(error, { operation: 'listener:stale', jobId: info.jobId, type: info.type });
    }
  }

  error(error: unknown, context: TrackerErrorContext): void {
    if (this.events.listenerCount('error') === 0) return;
    try {
      this.events.emit('error', error, context);
    } catch {
      // An error listener that throws has nowhere left to report to.
    }
  }
}
