import type { JobStatus } from '../model/job-status.js';
import type { JobTypeName } from '../model/job-types.js';
import { joinTypeList } from '../model/job-type.js';
import { dateTime, isDate } from '../util/dates.js';
import type { MetadataFilter } from '../store/metadata-filter.js';
import type {
  ActiveJobsResponse,
  ErrorResponse,
  JobJson,
  JobListResponse,
  JobResponse,
  JobStatsResponse,
  ScheduleListResponse,
  JobAction,
  JobBulkAction,
  BulkActionResponse,
  ActivityJson,
  TypeListResponse,
  TypeResponse,
  ScheduleResponse,
} from '../http/wire-types.js';
import { JobsHttpError, JobsNetworkError } from './client-errors.js';
import { documentVisibility, globalTimers, type PollTimers, type VisibilitySource } from './environment.js';
import { PollingQuery, type FetchOutcome, type PollingQueryOptions } from './polling-query.js';
import { ClientStream } from './client-stream.js';
import type { StreamTransport } from './event-stream-reader.js';
import { liveSourceFor } from './live-paths.js';

export type HeadersSource = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);

export interface JobsClientOptions {
  /** Where the jobs handler is mounted: `/api` for `/api/jobs/...`; absolute URLs work too. */
  baseUrl: string;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Sent with every request, e.g. `{ authorization: 'Bearer …' }`, or a function called per request. */
  headers?: HeadersSource;
  /** Default 'same-origin' (cookies go to your own origin only). */
  credentials?: RequestCredentials;
  /** Backoff after failed polls: `baseMs * 2^(failures-1)`, at most `maxMs`. Default 1 s … 30 s. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** For tests and non-browser hosts: the timers pollers use (default: the global ones). */
  timers?: PollTimers & { now?: () => number };
  /** For tests and non-browser hosts: whether the page is hidden (default: `document.hidden`). */
  visibility?: VisibilitySource;
  /**
   * How long (ms) a resource's poller and its last value are kept once no observer watches it,
   * following TanStack Query v5's `gcTime` (https://tanstack.com/query/v5/docs/framework/react/guides/caching):
   * an observer that subscribes again within this time shows the kept value at once (and the poller
   * revalidates it); after it, the poller and its value are dropped, no timer or request is left,
   * and the next observer starts from a loading state. `0`: dropped on the next tick after the last
   * observer leaves (an unsubscribe/subscribe in one tick, as React StrictMode does, keeps it);
   * `Infinity` (or more than about 24.8 days, the longest timer delay): kept for the client's
   * lifetime. Default 5 minutes, TanStack Query's default, on the server too: server renders never
   * create pollers, and in Node the collection timer does not keep the process alive.
   * @throws TypeError when not a number ≥ 0 (NaN included).
   */
  gcTimeMs?: number;
  /**
   * How observers keep up with the server:
   * - `'auto'` (default): a Server-Sent Events stream per watched resource where the server
   *   offers one (`GET /jobs/:id/stream`, `GET /jobs/stream`), ETag polling where it does not (an
   *   older server, a store without a change feed: the first such answer switches the client to
   *   polling) and while a stream is down (it reconnects with `backoff`);
   * - `'stream'`: streams only; no interval polling (a read happens when a stream says so);
   * - `'poll'`: ETag polling only, as before streams existed.
   * Recurring schedules are always polled.
   */
  transport?: 'auto' | 'stream' | 'poll';
}

/** `gcTimeMs` when the options leave it out: 5 minutes, as TanStack Query's `gcTime`. */
const DEFAULT_GC_TIME_MS = 5 * 60_000;

/**
 * Filters of `GET /jobs`. `type` takes the registered job types once the `JobTypes` registry of
 * `@jobtrail/core` is filled (a misspelt type fails to compile), any string while it is empty.
 */
export interface ListJobsParams<T extends string = JobTypeName> {
  status?: JobStatus | readonly JobStatus[];
  type?: T | readonly T[];
  /** Jobs of this group (given at enqueue). */
  group?: string;
  /** Jobs with this dedupe key. */
  key?: string;
  /** Jobs a recurring schedule of this name fired. */
  scheduleName?: string;
  /** Jobs whose current error has this code. */
  errorCode?: string;
  /** Jobs whose metadata has each of these top-level fields equal to its value (sent as JSON). */
  metadata?: MetadataFilter;
  parentId?: string;
  createdAfter?: Date | string;
  createdBefore?: Date | string;
  cursor?: string | null;
  limit?: number;
  /** `newest` first (the default) or `oldest` first. */
  order?: 'newest' | 'oldest';
  /** Jobs of this tenant, within the caller's scope (for a caller of another tenant: none). */
  tenantId?: string;
}

/**
 * The filter of `client.retryMany` / `cancelMany`, sent as the JSON body of `POST /jobs/retry|cancel`:
 * the list filters; at least one is needed. The server adds the caller's scope.
 */
export interface BulkFilterParams<T extends string = JobTypeName> extends Omit<ListJobsParams<T>, 'cursor' | 'limit' | 'order' | 'tenantId'> {
  /** Jobs of this tenant (`null`: without one); within the caller's scope only. */
  tenantId?: string | null;
  /** Jobs of this owner (`null`: without one); within the caller's scope only. */
  ownerId?: string | null;
}

/** Filters of `GET /jobs/active`; `type` as in {@link ListJobsParams}. */
export interface ActiveJobsParams<T extends string = JobTypeName> {
  /** Also include jobs that finished within this many ms. Server default: 5 minutes. */
  withinMs?: number;
  type?: T | readonly T[];
  limit?: number;
}

export type JobStatsParams<T extends string = JobTypeName> = Pick<
  ListJobsParams<T>,
  'type' | 'tenantId' | 'group' | 'key' | 'scheduleName' | 'errorCode' | 'metadata' | 'parentId' | 'createdAfter' | 'createdBefore'
>;

/** `GET /jobs/activity`: the range and bucket width, plus the stats filters. */
export interface ActivityParams<T extends string = JobTypeName> extends JobStatsParams<T> {
  /** Start of the range (floored by the server to a multiple of `bucketMs`). Server default: `until` − 24 h. */
  since?: Date | string;
  /** End of the range (exclusive). Server default: now. */
  until?: Date | string;
  /** Bucket width in ms, an integer of at least 1000; at most 1440 buckets. Server default: 3 600 000. */
  bucketMs?: number;
}

/** Paging of `GET /schedules` (name ascending); the server narrows it to the caller's scope. */
export interface ListSchedulesParams {
  /** Schedules after this name: the previous page's `nextCursor`. */
  after?: string | null;
  limit?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

/**
 * Builds `?a=1&b=x,y` from defined values, in a stable order so equal filters share one poller.
 * `type` values are escaped as the handler reads them (`\,` and `\\`, see `joinTypeList`), so a
 * type holding a comma, a backslash or spaces is asked for as it is.
 */
export function toQueryString(params: object): string {
  const search = new URLSearchParams();
  for (const key of Object.keys(params).sort()) {
    const value = (params as Record<string, unknown>)[key];
    if (value === undefined || value === null || value === '') continue;
    if (key === 'type') {
      const types = (Array.isArray(value) ? value : [value]).map(String);
      if (types.length > 0) search.set(key, joinTypeList(types));
    } else if (Array.isArray(value)) {
      if (value.length > 0) search.set(key, value.join(','));
    } else if (isDate(value)) {
      search.set(key, new Date(dateTime(value)).toISOString());
    } else if (typeof value === 'object') {
      // Fields sorted, so equal filters make one query string and share one poller; undefined
      // fields are left out as undefined params are, and no field left means no filter.
      const fields = Object.keys(value)
        .filter((field) => (value as Record<string, unknown>)[field] !== undefined)
        .sort();
      if (fields.length > 0) search.set(key, JSON.stringify(Object.fromEntries(fields.map((field) => [field, (value as Record<string, unknown>)[field]]))));
    } else {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * A browser-safe client for the jobs HTTP handler. The request methods answer the server's JSON;
 * observers (`JobObserver`, `JobsObserver`, …) share one poller per resource through the client.
 */
export class JobsClient {
  readonly baseUrl: string;
  /** @internal shared pollers by resource path */
  private readonly queries = new Map<string, PollingQuery<unknown>>();
  private readonly fetchImpl: typeof fetch;
  private readonly timers: PollTimers;
  private readonly now: () => number;
  private readonly visibility: VisibilitySource;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly gcTimeMs: number;
  /** A server answered that it cannot stream: new resources are polled. */
  private streamsUnsupported = false;
  private readonly streamTransport: StreamTransport;
  /** The one stream every watched resource of this client listens to, opened on first use. */
  private stream: ClientStream | null = null;

  constructor(private readonly options: JobsClientOptions) {
    if (!options || typeof options.baseUrl !== 'string') {
      throw new TypeError('createJobsClient() needs { baseUrl }, e.g. { baseUrl: "/api" } when the handler is mounted at /api/jobs.');
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const fetchImpl = options.fetch ?? (globalThis.fetch as typeof fetch | undefined);
    if (typeof fetchImpl !== 'function') throw new TypeError('No fetch available: pass { fetch } to createJobsClient().');
    // Bound lazily: calling window.fetch unbound throws "Illegal invocation" in browsers.
    this.fetchImpl = options.fetch ? options.fetch : (input, init) => globalThis.fetch(input, init);
    this.timers = options.timers ?? globalTimers;
    this.now = options.timers?.now ?? (() => Date.now());
    this.visibility = options.visibility ?? documentVisibility;
    this.backoff = { baseMs: options.backoff?.baseMs ?? 1000, maxMs: options.backoff?.maxMs ?? 30_000 };
    this.gcTimeMs = validGcTime(options.gcTimeMs);
    const transport = options.transport;
    if (transport !== undefined && transport !== 'auto' && transport !== 'stream' && transport !== 'poll') {
      throw new TypeError(`transport must be 'auto', 'stream' or 'poll'; got ${JSON.stringify(transport)}.`);
    }
    this.streamTransport = {
      fetch: (input, init) => this.fetchImpl(input, init),
      url: (path) => this.baseUrl + path,
      headers: () => this.headers(),
      credentials: options.credentials ?? 'same-origin',
      timers: this.timers,
    };
  }

  async getJob<TPayload = unknown, TResult = unknown>(id: string, options?: RequestOptions): Promise<JobJson<TPayload, TResult>> {
    const body = await this.getJson<JobResponse<TPayload, TResult>>(jobPath(id), options);
    return body.job;
  }

  listJobs(params: ListJobsParams = {}, options?: RequestOptions): Promise<JobListResponse> {
    return this.getJson(`/jobs${toQueryString(params)}`, options);
  }

  activeJobs(params: ActiveJobsParams = {}, options?: RequestOptions): Promise<ActiveJobsResponse> {
    return this.getJson(`/jobs/active${toQueryString(params)}`, options);
  }

  stats(params: JobStatsParams = {}, options?: RequestOptions): Promise<JobStatsResponse> {
    return this.getJson(`/jobs/stats${toQueryString(params)}`, options);
  }

  /**
   * Jobs started, completed and failed per time bucket, with waits (`GET /jobs/activity`): every
   * bucket from `since` to `until`, empty ones as zeros; dates stay ISO strings.
   * @throws JobsHttpError 400 (`invalid_input`) for a bad range or `bucketMs`, 501
   *   (`activity_unavailable`) when the server's store cannot count activity.
   */
  activity(params: ActivityParams = {}, options?: RequestOptions): Promise<ActivityJson> {
    return this.getJson(`/jobs/activity${toQueryString(params)}`, options);
  }

  /** The job types the caller may see, with limits, pause and counts of its own scope (`GET /types`). */
  types(options?: RequestOptions): Promise<TypeListResponse> {
    return this.getJson('/types', options);
  }

  /**
   * Pauses job type `type` for every worker (`POST /types/:type/pause`); answers `{ type }`.
   * @throws JobsHttpError 403 (`forbidden`) unless the server lets this caller (see `canManageTypes`).
   */
  async pauseType(type: string, options?: RequestOptions): Promise<TypeResponse> {
    return this.control(`/types/${segment(type, 'job type')}/pause`, '/types', options);
  }

  /** Lets workers claim a paused type again (`POST /types/:type/resume`); as {@link pauseType}. */
  async resumeType(type: string, options?: RequestOptions): Promise<TypeResponse> {
    return this.control(`/types/${segment(type, 'job type')}/resume`, '/types', options);
  }

  /**
   * Pauses the schedule `name` (`POST /schedules/:name/pause`); answers `{ schedule }`.
   * @throws JobsHttpError 404 (`schedule_not_found`) for a schedule the caller cannot see, 403 when refused.
   */
  async pauseSchedule(name: string, options?: RequestOptions): Promise<ScheduleResponse> {
    return this.control(`/schedules/${segment(name, 'schedule name')}/pause`, '/schedules', options);
  }

  /** Lets a paused schedule fire again from its next tick (`POST /schedules/:name/resume`); as {@link pauseSchedule}. */
  async resumeSchedule(name: string, options?: RequestOptions): Promise<ScheduleResponse> {
    return this.control(`/schedules/${segment(name, 'schedule name')}/resume`, '/schedules', options);
  }

  /** A page of the caller's recurring schedules (`GET /schedules`), name ascending. */
  listSchedules(params: ListSchedulesParams = {}, options?: RequestOptions): Promise<ScheduleListResponse> {
    return this.getJson(`/schedules${toQueryString(params)}`, options);
  }

  /** Queues a failed or cancelled job again; live observers refresh at once. */
  retry(id: string, options?: RequestOptions): Promise<JobJson> {
    return this.act(id, 'retry', options);
  }

  /** Cancels a queued, retrying or running job; live observers refresh at once. */
  cancel(id: string, options?: RequestOptions): Promise<JobJson> {
    return this.act(id, 'cancel', options);
  }

  /** Makes a queued or retrying job that is due later due now (`POST /jobs/:id/run-now`). */
  runNow(id: string, options?: RequestOptions): Promise<JobJson> {
    return this.act(id, 'run-now', options);
  }

  /**
   * Retries every failed or cancelled job the filter matches within the caller's scope
   * (`POST /jobs/retry`); live observers refresh at once. Answers `{ matched, changed }`.
   * @throws JobsHttpError 400 for a bad or empty filter, 403 when the server refuses bulk actions (see `canActOnMany`).
   */
  retryMany(filter: BulkFilterParams, options?: RequestOptions): Promise<BulkActionResponse> {
    return this.actOnMany('retry', filter, options);
  }

  /** Cancels every unfinished job the filter matches within the caller's scope (`POST /jobs/cancel`); as {@link retryMany}. */
  cancelMany(filter: BulkFilterParams, options?: RequestOptions): Promise<BulkActionResponse> {
    return this.actOnMany('cancel', filter, options);
  }

  /**
   * A conditional GET of `path` (relative to `baseUrl`): `notModified` when `etag` still matches.
   * The building block of the pollers.
   */
  async request<T>(path: string, etag: string | null, options: RequestOptions = {}): Promise<FetchOutcome<T>> {
    const headers = await this.headers();
    headers.set('accept', 'application/json');
    if (etag) headers.set('if-none-match', etag);
    const response = await this.send(path, { method: 'GET', headers, ...(options.signal ? { signal: options.signal } : {}) });
    if (response.status === 304) {
      // Read to its (empty) end, so the browser counts the request as finished, not cancelled.
      await response.arrayBuffer().catch(() => undefined);
      return { notModified: true };
    }
    const text = await this.readOk(response);
    return { notModified: false, data: JSON.parse(text) as T, etag: response.headers.get('etag'), text };
  }

  /**
   * @internal The shared poller of `path`, created on first use; it removes itself from the client
   * `gcTimeMs` after its last subscriber left.
   */
  query<T>(path: string): PollingQuery<T> {
    let query = this.queries.get(path);
    if (!query) {
      const created: PollingQuery<unknown> = new PollingQuery<unknown>({
        fetch: (etag) => this.request(path, etag),
        timers: this.timers,
        visibility: this.visibility,
        now: this.now,
        backoff: this.backoff,
        gcTimeMs: this.gcTimeMs,
        onCollect: () => {
          if (this.queries.get(path) === created) this.queries.delete(path);
        },
        ...this.liveOptions(path),
      });
      query = created;
      this.queries.set(path, query);
    }
    return query as PollingQuery<T>;
  }

  /** @internal The poller of `path` if the client holds one; never creates one (snapshot reads). */
  cachedQuery<T>(path: string): PollingQuery<T> | undefined {
    return this.queries.get(path) as PollingQuery<T> | undefined;
  }

  /** Re-fetches every watched resource whose path starts with `prefix` (all by default). */
  async refresh(prefix = '/jobs'): Promise<void> {
    await Promise.all([...this.queries].filter(([path]) => path.startsWith(prefix)).map(([, query]) => query.refresh()));
  }

  private async act(id: string, action: JobAction, options: RequestOptions = {}): Promise<JobJson> {
    const headers = await this.headers();
    headers.set('accept', 'application/json');
    headers.set('content-type', 'application/json');
    const response = await this.send(`${jobPath(id)}/${action}`, {
      method: 'POST',
      headers,
      body: '{}',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const { job } = JSON.parse(await this.readOk(response)) as JobResponse;
    // The job, and every list it appears in, changed: let whoever watches see it now.
    void this.refresh();
    return job;
  }

  /** POSTs an action on a type or schedule; then refreshes what watches `refreshPrefix`. */
  private async control<T>(path: string, refreshPrefix: string, options: RequestOptions = {}): Promise<T> {
    const headers = await this.headers();
    headers.set('accept', 'application/json');
    headers.set('content-type', 'application/json');
    const response = await this.send(path, { method: 'POST', headers, body: '{}', ...(options.signal ? { signal: options.signal } : {}) });
    const body = JSON.parse(await this.readOk(response)) as T;
    void this.refresh(refreshPrefix);
    return body;
  }

  private async actOnMany(action: JobBulkAction, filter: BulkFilterParams, options: RequestOptions = {}): Promise<BulkActionResponse> {
    const headers = await this.headers();
    headers.set('accept', 'application/json');
    headers.set('content-type', 'application/json');
    const response = await this.send(`/jobs/${action}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(filter),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const result = JSON.parse(await this.readOk(response)) as BulkActionResponse;
    void this.refresh();
    return result;
  }

  /** The stream that keeps `path` up to date, per `transport` (none for schedules). */
  private liveOptions(path: string): Pick<PollingQueryOptions<unknown>, 'live' | 'streamOnly' | 'compare'> {
    const transport = this.options.transport ?? 'auto';
    if (transport === 'poll' || (transport === 'auto' && this.streamsUnsupported)) return {};
    this.stream ??= new ClientStream(
      this.streamTransport,
      this.backoff,
      () => {
        this.streamsUnsupported = true;
      },
      this.visibility,
    );
    const followed = liveSourceFor(this.stream, this.timers, path);
    if (followed === null) return {};
    return { live: followed.live, streamOnly: transport === 'stream', ...(followed.compare ? { compare: followed.compare } : {}) };
  }

  private async getJson<T>(path: string, options?: RequestOptions): Promise<T> {
    const outcome = await this.request<T>(path, null, options);
    if (outcome.notModified) throw new JobsHttpError(304, 'not_modified', 'Unexpected 304 without If-None-Match.');
    return outcome.data;
  }

  private async headers(): Promise<Headers> {
    const source = this.options.headers;
    return new Headers(typeof source === 'function' ? await source() : source);
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(this.baseUrl + path, { credentials: this.options.credentials ?? 'same-origin', ...init });
    } catch (error) {
      if ((error as { name?: string })?.name === 'AbortError') throw error;
      throw new JobsNetworkError(`Could not reach the jobs endpoint at ${this.baseUrl}${path}.`, { cause: error });
    }
  }

  private async readOk(response: Response): Promise<string> {
    const text = await response.text();
    if (response.ok) return text;
    let body: Partial<ErrorResponse> | undefined;
    try {
      body = JSON.parse(text) as Partial<ErrorResponse>;
    } catch {
      body = undefined;
    }
    const code = typeof body?.error?.code === 'string' ? body.error.code : 'http_error';
    const message = typeof body?.error?.message === 'string' ? body.error.message : `The jobs endpoint answered ${response.status}.`;
    throw new JobsHttpError(response.status, code, message);
  }
}


function validGcTime(gcTimeMs: number | undefined): number {
  if (gcTimeMs === undefined) return DEFAULT_GC_TIME_MS;
  if (typeof gcTimeMs !== 'number' || Number.isNaN(gcTimeMs) || gcTimeMs < 0) {
    throw new TypeError(`createJobsClient({ gcTimeMs }) needs a number of milliseconds ≥ 0, or Infinity; got ${String(gcTimeMs)}.`);
  }
  return gcTimeMs;
}

/**
 * @internal How many pollers `client` holds, watched or kept for `gcTimeMs`. For tests: not
 * exported from the package.
 */
export function heldPollerCount(client: JobsClient): number {
  return client['queries'].size;
}

function jobPath(id: string): string {
  if (typeof id !== 'string' || id === '') throw new TypeError('A job id is required.');
  return `/jobs/${encodeURIComponent(id)}`;
}

/** A type or schedule name as one path segment (`/` and every other reserved character escaped). */
function segment(name: string, what: string): string {
  if (typeof name !== 'string' || name === '') throw new TypeError(`A ${what} is required.`);
  return encodeURIComponent(name);
}

export function createJobsClient(options: JobsClientOptions): JobsClient {
  return new JobsClient(options);
}
