import type { ActiveJobsResponse, JobListResponse, JobResponse } from '../http/wire-types.js';
import type { ClientStream } from './client-stream.js';
import type { PollTimers } from './environment.js';
import { jobLiveSource, pageLiveSource, refetchLiveSource, type LiveSource } from './live-source.js';

/** A list, active or stats resource reads afresh at most this often on stream events (ms). */
const MIN_REFETCH_MS = 1_000;

/** How one resource follows the stream, and (for a job) how its states are ordered. */
export interface LivePath {
  live: LiveSource<unknown>;
  /** Orders two states of the resource: a read older than a streamed state never replaces it. */
  compare?: (incoming: unknown, current: unknown) => number;
}

/**
 * How the client's one stream keeps a resource path up to date, or null (schedules: polled):
 * `/jobs/:id` from its job's events, `/jobs?…` and `/jobs/active?…` in place (and by a fresh read
 * when a job may enter or leave), `/jobs/stats?…` by a fresh read when a job it may count changes.
 */
export function liveSourceFor(stream: ClientStream, timers: PollTimers, path: string): LivePath | null {
  const [pathname = '', search = ''] = path.split('?');
  const params = new URLSearchParams(search);
  if (pathname === '/jobs') return { live: pageLiveSource<JobListResponse>(stream, params, timers, MIN_REFETCH_MS, true) as LiveSource<unknown> };
  if (pathname === '/jobs/active') return { live: pageLiveSource<ActiveJobsResponse>(stream, params, timers, MIN_REFETCH_MS, false) as LiveSource<unknown> };
  if (pathname === '/jobs/stats') return { live: refetchLiveSource(stream, params, timers, MIN_REFETCH_MS) };
  const job = /^\/jobs\/([^/]+)$/.exec(pathname);
  if (job && job[1] !== 'stream') return { live: jobLiveSource(stream, decodeURIComponent(job[1]!)) as LiveSource<unknown>, compare: compareJobResponses };
  return null;
}

/** Orders two answers of one job by its `updatedAt`. */
function compareJobResponses(incoming: unknown, current: unknown): number {
  const at = (response: unknown) => Date.parse((response as Partial<JobResponse>).job?.updatedAt ?? '');
  return at(incoming) - at(current);
}
