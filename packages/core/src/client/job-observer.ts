import type { JobResponse, JobJson } from '../http/wire-types.js';
import { isTerminal, type JobStatus } from '../model/job-status.js';
import type { JobsClient } from './jobs-client.js';
import type { QueryState } from './polling-query.js';
import { QueryObserver, type ObserverOptions } from './query-observer.js';

/** Default poll intervals of one job by status; terminal statuses stop polling. */
export const JOB_POLL_INTERVALS: Readonly<Record<'running' | 'queued' | 'retrying' | 'unknown', number>> = {
  running: 1000,
  queued: 3000,
  retrying: 3000,
  unknown: 2000,
};

export interface JobObserverOptions extends ObserverOptions<JobResponse> {
  /** Called once each time this observer sees the job go from unfinished to a terminal status. */
  onComplete?: (job: JobJson) => void;
}

/**
 * `TJob`: the wire job type, `JobJson<TPayload, TResult>` unless given, e.g. the union of registered
 * job types that `useJob(id)` of `@jobtrail/react` answers (`AnyJobJson`).
 */
export interface JobResult<TPayload = unknown, TResult = unknown, TJob extends JobJson = JobJson<TPayload, TResult>> {
  job: TJob | undefined;
  status: JobStatus | undefined;
  /** 0..1; 0 until loaded. */
  progress: number;
  stage: string | null;
  isTerminal: boolean;
  /** The last poll's error (the last known `job` is kept). */
  error: Error | null;
  /** No job and no error yet. */
  isLoading: boolean;
}

const LOADING: JobResult = Object.freeze({
  job: undefined,
  status: undefined,
  progress: 0,
  stage: null,
  isTerminal: false,
  error: null,
  isLoading: true,
}) as JobResult;
const IDLE: JobResult = Object.freeze({ ...LOADING, isLoading: false }) as JobResult;

/**
 * Watches one job: polls fast while it runs, slower while it waits, and stops at a terminal
 * status. Every observer of the same job on one client shares one poller.
 */
export class JobObserver<TPayload = unknown, TResult = unknown> extends QueryObserver<JobResponse, JobResult<TPayload, TResult>> {
  declare protected options: JobObserverOptions;
  private seenStatus: JobStatus | undefined;

  constructor(client: JobsClient, id: string | null | undefined, options: JobObserverOptions = {}) {
    super(client, id ? `/jobs/${encodeURIComponent(id)}` : null, options);
  }

  override setOptions(options: JobObserverOptions): void {
    super.setOptions(options);
  }

  protected override intervalFor(data: JobResponse | undefined): number | false {
    // Whatever the options say: a finished job never changes again, so stop.
    if (data && isTerminal(data.job.status)) return false;
    return super.intervalFor(data);
  }

  protected defaultInterval(data: JobResponse | undefined): number | false {
    const status = data?.job.status;
    if (status === 'running' || status === 'queued' || status === 'retrying') return JOB_POLL_INTERVALS[status];
    return JOB_POLL_INTERVALS.unknown;
  }

  protected override onSubscribe(state: QueryState<JobResponse>): void {
    this.seenStatus ??= state.data?.job.status;
  }

  protected override onStateChange(state: QueryState<JobResponse>): void {
    const job = state.data?.job;
    if (!job) return;
    const before = this.seenStatus;
    this.seenStatus = job.status;
    if (before !== undefined && !isTerminal(before) && isTerminal(job.status)) this.options.onComplete?.(job);
  }

  protected select(state: QueryState<JobResponse>): JobResult<TPayload, TResult> {
    const job = state.data?.job as JobJson<TPayload, TResult> | undefined;
    return {
      job,
      status: job?.status,
      progress: job?.progress ?? 0,
      stage: job?.stage ?? null,
      isTerminal: job ? isTerminal(job.status) : false,
      error: state.error,
      isLoading: job === undefined && state.error === null,
    };
  }

  protected loadingResult(): JobResult<TPayload, TResult> {
    return LOADING as JobResult<TPayload, TResult>;
  }

  protected idleResult(): JobResult<TPayload, TResult> {
    return IDLE as JobResult<TPayload, TResult>;
  }
}
