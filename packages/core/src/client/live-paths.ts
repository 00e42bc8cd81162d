import type { JobListResponse, JobResponse } from '../http/wire-types.js';
import type { ClientStream } from './client-stream.js';
import type { PollTimers } from './environment.js';
import type { ActiveJobsResponse } from '../http/wire-types.js';
import { jobLiveSource, pageLiveSource, refetchLiveSource, type LiveSource } from './live-source.js';

/** A list, active or stats resource reads afresh at most this often on stream events (ms). */
const MIN_REFETCH_MS = 1_000;

/**
 * How the client's one stream keeps a resource path up to date, or null (schedules: polled):
 * `/jobs/:id` from its job's events, `/jobs?…` and `/jobs/active?…` in place (and by a fresh read
 * when a job may enter or leave), `/jobs/stats?…` by a fresh read when a job it may count changes.
 */
export function liveSourceFor(
  stream: ClientStream,
  timers: PollTimers,
  path: string,
): LiveSource<JobResponse> | LiveSource<JobListResponse> | LiveSource<unknown> | null {
  const [pathname = '', search = ''] = path.split('?');
  const params = new URLSearchParams(search);
  if (pathname === '/jobs') return pageLiveSource<JobListResponse>(stream, params, timers, MIN_REFETCH_MS, true);
  if (pathname === '/jobs/active') return pageLiveSource<ActiveJobsResponse>(stream, params, timers, MIN_REFETCH_MS, false) as LiveSource<unknown>;
  if (pathname === '/jobs/stats') return refetchLiveSource(stream, params, timers, MIN_REFETCH_MS);
  const job = /^\/jobs\/([^/]+)$/.exec(pathname);
  if (job && job[1] !== 'stream') return jobLiveSource(stream, decodeURIComponent(job[1]!));
  return null;
}
