import type { JobListResponse, JobResponse } from '../http/wire-types.js';
import { jobLiveSource, listLiveSource, refetchLiveSource, type LiveSource, type StreamTransport } from './live-source.js';

/** A list, active or stats resource reads afresh at most this often on stream events (ms). */
const MIN_REFETCH_MS = 1_000;

/** List parameters a stream takes: the filters, not the paging. */
const PAGING = ['cursor', 'limit', 'order'];

/**
 * The stream that keeps a resource path up to date, or null (schedules: polled):
 * `/jobs/:id` → `/jobs/:id/stream`; `/jobs?…`, `/jobs/active?…`, `/jobs/stats?…` →
 * `/jobs/stream?<their filters>`.
 */
export function liveSourceFor(transport: StreamTransport, path: string): LiveSource<JobResponse> | LiveSource<JobListResponse> | LiveSource<unknown> | null {
  const [pathname = '', search = ''] = path.split('?');
  const params = new URLSearchParams(search);
  if (pathname === '/jobs') {
    for (const name of PAGING) params.delete(name);
    return listLiveSource(transport, streamPath(params), MIN_REFETCH_MS);
  }
  if (pathname === '/jobs/active') {
    // Active jobs: of these types, whatever their status.
    const filter = new URLSearchParams();
    for (const type of params.getAll('type')) filter.append('type', type);
    return refetchLiveSource(transport, streamPath(filter), MIN_REFETCH_MS);
  }
  if (pathname === '/jobs/stats') return refetchLiveSource(transport, streamPath(params), MIN_REFETCH_MS);
  if (/^\/jobs\/[^/]+$/.test(pathname) && pathname !== '/jobs/stream') return jobLiveSource(transport, pathname);
  return null;
}

function streamPath(params: URLSearchParams): string {
  const text = params.toString();
  return text ? `/jobs/stream?${text}` : '/jobs/stream';
}
