import { JobtrailError } from '../errors/jobtrail-error.js';
import type { Job, JobScope } from '../model/job.js';
import type { FieldReads } from '../store/job-store.js';
import type { JobFilter } from '../tracker/query-filters.js';
import type { Tracker } from '../tracker/tracker.js';
import { EVENT_STREAM_HEADERS, EventStream } from './event-stream.js';
import { HttpError, notFound } from './http-error.js';
import type { CallerScope } from './jobs-handler-options.js';
import type { JobJson } from './wire-types.js';

/** What the stream routes need of the handler. */
export interface StreamDeps {
  tracker: Pick<Tracker, 'get' | 'watch'>;
  read: FieldReads;
  jobJson: (job: Job, caller: CallerScope) => JobJson;
  heartbeatMs: number;
  maxBuffered: number;
  onError: (error: unknown, request: Request) => void;
}

/** How long a browser waits before reconnecting a dropped stream, in ms. */
const RETRY_MS = 2_000;

/**
 * `GET /jobs/:id/stream`: the job now (`event: job`), then after each change, each event's `id`
 * its version (`updatedAt` in ms). Only the latest state of the job waits for a slow reader.
 * Answers 404 before any stream opens when the job is missing or outside the caller's scope.
 */
export async function jobStream(deps: StreamDeps, id: string, caller: CallerScope, scope: JobScope): Promise<Response> {
  const { tracker, read } = deps;
  let lastVersion = -1;
  let stop: () => void = () => {};
  const stream = new EventStream({
    heartbeatMs: deps.heartbeatMs,
    maxBuffered: deps.maxBuffered,
    retryMs: RETRY_MS,
    // Never reached: job events replace each other, so at most one waits.
    onOverflow: () => ({ event: 'reset', data: {} }),
    onClose: () => stop(),
  });
  const send = (job: Job) => {
    const version = job.updatedAt.getTime();
    // A read that started before a change may answer after it: never step back.
    if (version < lastVersion) return;
    lastVersion = version;
    stream.send('job', { job: deps.jobJson(job, caller) }, { id: String(version), key: job.id });
  };
  // Watch first, then read: a change between the two is not lost (the version check orders them).
  let job: Job | null;
  try {
    // After a gap in the feed, the watch reads the job again by itself.
    // When the watch ends (the tracker or store closed), so does the stream: the browser reconnects or polls.
    stop = watchOrUnavailable(() => tracker.watch(id, send, { scope, read, onEnd: () => stream.close() }));
    job = await tracker.get(id, scope, read);
  } catch (error) {
    stream.close();
    throw error;
  }
  if (!job) {
    stream.close();
    throw notFound();
  }
  send(job);
  return new Response(stream.body, { status: 200, headers: EVENT_STREAM_HEADERS });
}

/**
 * `GET /jobs/stream?<list filter>`: `event: ready` once live, then `event: job` for each changed
 * job the filter matches in the caller's scope (and once more for one that stops matching, so a
 * view can drop it). There is no replay: a reconnect (`Last-Event-ID`), missed changes (the
 * feed reconnected) or a reader more than `maxBuffered` events behind get `event: reset`, and the
 * client reads its list afresh over JSON.
 */
export function listStream(deps: StreamDeps, filter: JobFilter, caller: CallerScope, scope: JobScope, resumed: boolean): Response {
  const { tracker, read } = deps;
  let stop: () => void = () => {};
  const stream = new EventStream({
    heartbeatMs: deps.heartbeatMs,
    maxBuffered: deps.maxBuffered,
    retryMs: RETRY_MS,
    onOverflow: () => ({ event: 'reset', data: { reason: 'overflow' } }),
    onClose: () => stop(),
  });
  const send = (job: Job) => stream.send('job', { job: deps.jobJson(job, caller) }, { id: String(job.updatedAt.getTime()), key: job.id });
  try {
    stop = watchOrUnavailable(() =>
      tracker.watch({ ...filter, scope }, send, { read, onGap: () => stream.send('reset', { reason: 'gap' }), onEnd: () => stream.close() }),
    );
  } catch (error) {
    stream.close();
    throw error;
  }
  stream.send(resumed ? 'reset' : 'ready', resumed ? { reason: 'resumed' } : {});
  return new Response(stream.body, { status: 200, headers: EVENT_STREAM_HEADERS });
}

/** A store without a change feed cannot stream: 501, so a client falls back to polling. */
function watchOrUnavailable(watch: () => () => void): () => void {
  try {
    return watch();
  } catch (error) {
    if (JobtrailError.isInstance(error) && error.code === 'change_feed_unavailable') {
      throw new HttpError(501, 'streams_unavailable', 'This server cannot stream job changes (its store has no change feed); poll the JSON routes.');
    }
    throw error;
  }
}
