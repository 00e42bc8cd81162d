import type { JobJson, JobResponse } from '../http/wire-types.js';
import { splitTypeList } from '../model/job-type.js';
import type { ClientStream, StreamListener } from './client-stream.js';
import type { PollTimers } from './environment.js';

/** What a live source tells the poller of its resource. */
export interface LiveHandlers<T> {
  /** The stream is live: the poller stops polling while it stays so. */
  onOpen(): void;
  /** The resource's new state, from an event. */
  onData(data: T): void;
  /** The resource may have changed in a way events cannot say: read it afresh over JSON. */
  onStale(): void;
  /** The stream is down (`unsupported`: for good); the poller polls until it is live again. */
  onDown(unsupported: boolean): void;
}

/** Keeps one resource up to date from the client's stream; `open` answers the function that stops it. */
export interface LiveSource<T> {
  open(handlers: LiveHandlers<T>, current: () => T | undefined): () => void;
}

/**
 * Subscribes to the client's stream. `onReady` right at subscription (the stream was live
 * already) needs no fresh read: the poller's first read is after it. Later ones (a reconnect)
 * may have missed changes: `stale` then.
 */
function listen(stream: ClientStream, handlers: LiveHandlers<unknown>, stale: () => void, onJob: (job: JobJson) => void): () => void {
  let subscribing = true;
  const listener: StreamListener = {
    onReady: () => {
      handlers.onOpen();
      if (!subscribing) stale();
    },
    onJob,
    onReset: stale,
    onDown: (unsupported) => handlers.onDown(unsupported),
  };
  const stop = stream.subscribe(listener);
  subscribing = false;
  return stop;
}

/** One job (`/jobs/:id`): its events bring its state. */
export function jobLiveSource(stream: ClientStream, id: string): LiveSource<JobResponse> {
  return {
    open(handlers) {
      return listen(stream, handlers as LiveHandlers<unknown>, () => handlers.onStale(), (job) => {
        if (job.id === id) handlers.onData({ job });
      });
    },
  };
}

/**
 * A page of jobs (`/jobs?…`, and the active jobs' `{ jobs }`): a job already shown takes each
 * state its events bring at once, so every panel of a page shows the same job alike; a job that
 * may enter, leave or move (a new one, a status change) also reads the page afresh, at most once
 * per `minRefetchMs`. `withStatus`: the page's `status` filter decides membership (lists); the
 * active jobs take every status.
 */
export function pageLiveSource<T extends { jobs: readonly JobJson[] }>(
  stream: ClientStream,
  params: URLSearchParams,
  timers: PollTimers,
  minRefetchMs: number,
  withStatus: boolean,
): LiveSource<T> {
  return {
    open(handlers, current) {
      const stale = throttle(timers, minRefetchMs, () => handlers.onStale());
      const stop = listen(stream, handlers as LiveHandlers<unknown>, stale.run, (job) => {
        const page = current();
        const index = page ? page.jobs.findIndex((listed) => listed.id === job.id) : -1;
        if (page && index >= 0) {
          const statusChanged = page.jobs[index]!.status !== job.status;
          handlers.onData({ ...page, jobs: page.jobs.map((listed, at) => (at === index ? job : listed)) });
          if (statusChanged) stale.run();
        } else if (mayMatch(job, params, withStatus)) stale.run();
      });
      return () => {
        stale.cancel();
        stop();
      };
    },
  };
}

/** Stats: a change of a job they may count reads them afresh, throttled. */
export function refetchLiveSource<T>(stream: ClientStream, params: URLSearchParams, timers: PollTimers, minRefetchMs: number): LiveSource<T> {
  return {
    open(handlers) {
      const stale = throttle(timers, minRefetchMs, () => handlers.onStale());
      const stop = listen(stream, handlers as LiveHandlers<unknown>, stale.run, (job) => {
        if (mayMatch(job, params, false)) stale.run();
      });
      return () => {
        stale.cancel();
        stop();
      };
    },
  };
}

/**
 * Whether a changed job can belong to a resource of these query parameters (the list filters).
 * False only when a filter the job carries rules it out; `status` counts only for lists
 * (`withStatus`): a stat moves whatever the new status.
 */
export function mayMatch(job: JobJson, params: URLSearchParams, withStatus: boolean): boolean {
  const types = params.getAll('type').flatMap(splitTypeList);
  if (types.length > 0 && !types.includes(job.type)) return false;
  if (withStatus) {
    const statuses = params.getAll('status').flatMap((value) => value.split(','));
    if (statuses.length > 0 && !statuses.includes(job.status)) return false;
  }
  const equal: Array<[string, unknown]> = [
    ['group', job.group],
    ['key', job.key],
    ['scheduleName', job.scheduleName],
    ['errorCode', job.error?.code],
    ['parentId', job.parentId],
  ];
  for (const [name, value] of equal) {
    const wanted = params.get(name);
    if (wanted !== null && wanted !== value) return false;
  }
  const created = Date.parse(job.createdAt);
  const after = params.get('createdAfter');
  if (after !== null && created < Date.parse(after)) return false;
  const before = params.get('createdBefore');
  if (before !== null && created >= Date.parse(before)) return false;
  return true;
}

/** Runs `fn` at once, then at most once per `ms` (calls in between run once when it ends). */
function throttle(timers: PollTimers, ms: number, fn: () => void): { run: () => void; cancel(): void } {
  let timer: unknown;
  let pending = false;
  const release = () => {
    timer = undefined;
    if (pending) {
      pending = false;
      fn();
      timer = timers.setTimeout(release, ms);
    }
  };
  return {
    run: () => {
      if (timer !== undefined) {
        pending = true;
        return;
      }
      fn();
      timer = timers.setTimeout(release, ms);
    },
    cancel() {
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      pending = false;
    },
  };
}
