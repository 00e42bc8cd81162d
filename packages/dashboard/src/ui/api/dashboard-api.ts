import type { ActivityJson, BulkActionResponse, ScheduleJson, TypeJson } from '@jobtrail/core/client';

/**
 * The dashboard's calls that `@jobtrail/core/client` does not make yet (dashboard info, activity,
 * types, schedule pause/resume) plus bulk actions, as plain `fetch` on the contract URLs. Kept in
 * one module so switching to `JobsClient` methods once they exist touches only this file.
 */

/** The API root: the page lives at `<mount>/`, so `api` resolves to `<mount>/api`. */
export const API_BASE = new URL('api', document.baseURI).href.replace(/\/+$/, '');

export interface DashboardInfo {
  title: string;
  readOnly: boolean;
  scope: { tenantId?: string | null; ownerId?: string | null; admin: boolean };
  features: { streams: boolean; schedules: boolean; types: boolean; activity: boolean; bulkActions: boolean; typeActions?: boolean };
}

/** The jobs API's wire shapes, from core: one definition for the server that writes them and the page that reads them. */
export type { ActivityBucketJson as ActivityBucket, ActivityJson as ActivityResponse, TypeJson } from '@jobtrail/core/client';

/** A non-2xx answer, with the server's `{ error: { code, message } }` when it sent one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /**
   * The route or capability is not there (an older core, a store without it): 501, 405, or a 404
   * that is not about a missing record (`not_found` is a job or schedule that does not exist).
   */
  get isUnavailable(): boolean {
    return this.status === 501 || this.status === 405 || (this.status === 404 && this.code !== 'not_found');
  }
}

async function call<T>(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, { credentials: 'same-origin', ...init, headers, ...(signal ? { signal } : {}) });
  } catch (cause) {
    if ((cause as { name?: string }).name === 'AbortError') throw cause;
    throw new ApiError(0, 'network_error', 'Could not reach the server.');
  }
  const text = await response.text();
  if (response.ok) return JSON.parse(text) as T;
  let code = 'http_error';
  let message = `The server answered ${response.status}.`;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not JSON (a proxy's error page): keep the generic message.
  }
  throw new ApiError(response.status, code, message);
}

/**
 * Whether an activity call failed because the server has no activity route. An older core reads
 * `/jobs/activity` as `/jobs/:id` and answers 400 about the job id, not 404.
 */
export function isActivityUnavailable(error: ApiError | null): boolean {
  if (!error) return false;
  return error.isUnavailable || (error.status === 400 && error.code === 'invalid_input' && /job id/i.test(error.message));
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function post<T>(path: string, body: unknown = {}): Promise<T> {
  return call<T>(path, { method: 'POST', body: JSON.stringify(body) });
}

export const dashboardApi = {
  info: (signal?: AbortSignal) => call<DashboardInfo>('/dashboard', {}, signal),
  activity: (params: { since: string; until?: string; bucketMs: number }, signal?: AbortSignal) =>
    call<ActivityJson>(`/jobs/activity${query(params)}`, {}, signal),
  types: (signal?: AbortSignal) => call<{ types: TypeJson[] }>('/types', {}, signal),
  pauseType: (type: string) => post<{ type: TypeJson }>(`/types/${encodeURIComponent(type)}/pause`),
  resumeType: (type: string) => post<{ type: TypeJson }>(`/types/${encodeURIComponent(type)}/resume`),
  pauseSchedule: (name: string) => post<{ schedule: ScheduleJson }>(`/schedules/${encodeURIComponent(name)}/pause`),
  resumeSchedule: (name: string) => post<{ schedule: ScheduleJson }>(`/schedules/${encodeURIComponent(name)}/resume`),
  bulk: (action: 'retry' | 'cancel', filter: Record<string, unknown>) => post<BulkActionResponse>(`/jobs/${action}`, filter),
};
