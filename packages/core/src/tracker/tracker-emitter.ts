import type { EventEmitter } from 'eventemitter3';
import type { Job } from '../model/job.js';
import type { ProgressEvent, StaleWrite, TrackerErrorContext, TrackerEvents } from './tracker-events.js';

/** Jobs whose last told status the emitter remembers while relaying other processes' changes. */
const MAX_TOLD = 10_000;

/** A job state as told, ordered by {@link isLater}. */
export interface ToldState {
  at: number;
  attempt: number;
  rank: number;
}

/** How far each status goes within one attempt. */
const STATUS_RANK: Readonly<Record<Job['status'], number>> = {
  queued: 0,
  running: 1,
  retrying: 2,
  completed: 3,
  failed: 3,
  skipped: 3,
  cancelled: 3,
};

function isLater(state: ToldState, last: ToldState): boolean {
  if (state.at !== last.at) return state.at > last.at;
  if (state.attempt !== last.attempt) return state.attempt > last.attempt;
  return state.rank > last.rank;
}

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
  told: Map<string, ToldState> | null = null;

  job(event: JobEventName, job: Job): void {
    // `recovered` goes with the status event that follows it for the same state: never deduped.
    if (this.told !== null && event !== 'recovered' && !this.firstTelling(job)) return;
    if (this.events.listenerCount(event) === 0) return;
    try {
      this.events.emit(event, job);
    } catch (error) {
      this.error(error, { operation: `listener:${event}`, jobId: job.id, type: job.type });
    }
  }

  /**
   * Records the job's state as told; false when this status of this attempt, or a later state,
   * was told already (a read that the feed brings after the local path told a newer state is
   * older news, not an event). States are ordered by `updatedAt`, then attempt, then how far the
   * status goes.
   */
  firstTelling(job: Job): boolean {
    const told = this.told!;
    const state: ToldState = { at: job.updatedAt.getTime(), attempt: job.attempt, rank: STATUS_RANK[job.status] };
    const last = told.get(job.id);
    if (last !== undefined) {
      if (!isLater(state, last)) return false;
      // The same status of the same attempt, written again (progress, metrics): no new event,
      // but a later mark, so an older read cannot be taken for news afterwards.
      if (state.attempt === last.attempt && state.rank === last.rank) {
        last.at = state.at;
        return false;
      }
    }
    told.delete(job.id);
    told.set(job.id, state);
    // Bounded: the oldest jobs are forgotten first (a late duplicate of one is the only risk).
    if (told.size > MAX_TOLD) told.delete(told.keys().next().value!);
    return true;
  }

  /**
   * Whether `job(event, …)` would do anything: a listener, or told states to keep. Callers with
   * many jobs skip reading them (a store may answer them lazily) when it would not.
   */
  wantsJob(event: JobEventName): boolean {
    return this.told !== null || this.events.listenerCount(event) > 0;
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
