import { BulkActionError, InvalidTransitionError, JobConflictError, JobNotFoundError, JobValidationError, JobtrailError, ScheduleNotFoundError } from '../errors/jobtrail-error.js';
import type { Job, JobScope } from '../model/job.js';
import { DEFAULT_PAGE_SIZE } from '../tracker/query-filters.js';
import { integerOption } from '../tracker/validate-input.js';
import { isUuid } from '../util/uuid-v7.js';
import { createActionGuard } from './action-guard.js';
import { readBulkFilter } from './bulk-request.js';
import { etagOf, matchesIfNoneMatch } from './etag.js';
import { LARGE_JOB_FIELDS, MAX_FIELD_CAP_BYTES } from '../store/field-reads.js';
import { readCallerScope } from './caller-scope.js';
import { HttpError, badRequest, notFound, quote } from './http-error.js';
import { DEFAULT_MAX_EXPOSED_BYTES, readForExpose, toJobJson } from './job-json.js';
import type { CallerScope, ExposeOptions, JobsHandler, JobsHandlerOptions } from './jobs-handler-options.js';
import { parseActiveQuery, parseActivityQuery, parseListQuery, parseScheduleListQuery, parseStatsQuery, parseStreamQuery, type ScheduleListQuery } from './parse-query.js';
import { jobStream, listStream, type StreamDeps } from './job-streams.js';
import { JSON_HEADERS, errorResponse, json, routeMissResponse } from './responses.js';
import { allowedMethods, matchRoute, routeMisses, type Route } from './routes.js';
import { toScheduleJson } from './schedule-json.js';
import { toActivityJson } from './activity-json.js';
import { createControlRoutes, scheduleNotFound } from './control-routes.js';
import type { ActiveJobsResponse, ActivityJson, BulkActionResponse, JobBulkAction, JobJson, JobListResponse, JobResponse, JobStatsResponse, ScheduleListResponse } from './wire-types.js';

function normaliseBasePath(basePath: string | undefined): string {
  if (basePath === undefined || basePath === '' || basePath === '/') return '';
  if (typeof basePath !== 'string' || !basePath.startsWith('/')) {
    throw new JobValidationError('basePath', `must start with "/", e.g. "/api"; got ${JSON.stringify(basePath)}.`);
  }
  return basePath.replace(/\/+$/, '');
}

/**
 * The jobs HTTP API as a Fetch handler (`Request` → `Response`): read one job, list with
 * filters and cursor, active jobs, stats, retry, cancel and run-now of one job, retry and cancel of
 * every job a filter matches (`POST /jobs/retry`, `POST /jobs/cancel`, see `canActOnMany`), and
 * list the recurring schedules (`GET /schedules`) — each narrowed to the scope that `authorize` returns. A job outside that
 * scope answers exactly like a missing one (404), and that is decided before any ETag / 304 logic.
 *
 * For dashboards:
 * - `GET /jobs/activity?since=&until=&bucketMs=` plus the stats filters → `ActivityJson`: per
 *   bucket, jobs started, completed and failed and the wait from due to start (see
 *   `tracker.activity`). `bucketMs` 1000..31 622 400 000 (default 3 600 000); `since` default
 *   `until` − 24 h, floored to a multiple of `bucketMs`; `until` default now; at most 1440
 *   buckets; 400 `invalid_input` otherwise, 501 `activity_unavailable` for a store without it.
 * - `GET /types` → `{ types: TypeJson[] }`: limits, pause, and counts of the caller's scope (a
 *   scoped caller sees the types it has jobs of and the paused or limited ones).
 * - `POST /types/:type/pause|resume` → `{ type: TypeJson }`; 403 unless `canManageTypes` allows
 *   it (default: an unscoped `admin: true` caller only). `:type` percent-encoded.
 * - `POST /schedules/:name/pause|resume` → `{ schedule: ScheduleJson }`; 404
 *   `schedule_not_found` for a schedule the caller cannot see, 403 when `canActOnSchedule`
 *   says no. `:name` percent-encoded.
 * - `GET /jobs` and `GET /jobs/stats` take `tenantId=` to narrow inside the caller's scope.
 *
 * Every POST route passes the same action guard (origin, `Sec-Fetch-Site`, no form body).
 *
 * - Routes are exact paths under `basePath`; anything else answers 404 `route_not_found`.
 *   Read routes take GET and HEAD, actions POST; OPTIONS answers 204 with `Allow`, any other
 *   method 405 with `Allow` (both before `authorize`).
 * - `authorize` must narrow (`tenantId` / `ownerId`, `undefined` counting as absent) or say
 *   `admin: true`; else 403 `forbidden`.
 * - Retry/cancel refuse (403) an `Origin` other than the API's own or `allowedOrigins`
 *   (`Origin: null` included), and `Sec-Fetch-Site: cross-site`, unless `allowCrossSiteActions`.
 * - `type` filters: comma-separated, `\,` and `\\` escape a comma / backslash, values not trimmed,
 *   each at most `MAX_JOB_TYPE_LENGTH`. Dates: ISO 8601 days and times that exist, UTC without an
 *   offset, within years 0001–9999. Bad input answers 400 `invalid_input`.
 *
 * @throws {JobValidationError} for bad options (`tracker`, `authorize`, `maxPageSize`, `basePath`, `expose`,
 *   `maxExposedBytes`, `allowedOrigins`, `trustProxy`, `canManageTypes` or `canActOnSchedule` that is not a function).
 */
export function createJobsHandler(options: JobsHandlerOptions): JobsHandler {
  if (!options || typeof options !== 'object' || !options.tracker) {
    throw new JobValidationError('tracker', 'createJobsHandler() needs { tracker, authorize }.');
  }
  if (typeof options.authorize !== 'function') {
    throw new JobValidationError('authorize', 'must be a function (request) => scope | null; it decides who sees which jobs.');
  }
  const maxPageSize = options.maxPageSize ?? 100;
  if (!Number.isInteger(maxPageSize) || maxPageSize < 1 || maxPageSize > 1000) {
    throw new JobValidationError('maxPageSize', `must be an integer from 1 to 1000; got ${String(maxPageSize)}.`);
  }
  const basePath = normaliseBasePath(options.basePath);
  const defaultLimit = Math.min(DEFAULT_PAGE_SIZE, maxPageSize);
  const expose = checkExpose(options.expose);
  const maxExposedBytes = integerOption(options.maxExposedBytes, DEFAULT_MAX_EXPOSED_BYTES, 'maxExposedBytes', 0, MAX_FIELD_CAP_BYTES);
  // Reads pay only for what is sent: fields the handler may not send are never read, the others
  // only up to the cap (which also bounds what an action's answer carries).
  const read = readForExpose(expose, maxExposedBytes);
  const { tracker } = options;
  const jobJson = (job: Job, caller: CallerScope): JobJson => toJobJson(job, caller, expose, maxExposedBytes);
  const onError = options.onError ?? ((error: unknown) => console.error('[jobtrail] jobs handler failed:', error));

  for (const hook of ['canManageTypes', 'canActOnSchedule'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new JobValidationError(hook, `must be a function (scope, action, ...) => boolean; got ${typeof options[hook]}.`);
    }
  }
  const checkActionRequest = createActionGuard(options);
  const control = createControlRoutes({
    tracker,
    canManageTypes: options.canManageTypes,
    canActOnSchedule: options.canActOnSchedule,
    expose,
    maxExposedBytes,
  });
  const streams: StreamDeps = {
    tracker,
    read,
    jobJson,
    heartbeatMs: integerOption(options.streamHeartbeatMs, 15_000, 'streamHeartbeatMs', 1_000, 300_000),
    maxBuffered: integerOption(options.maxStreamBuffer, 100, 'maxStreamBuffer', 1, 100_000),
    onError,
  };

  const jobBody = (job: Job, scope: CallerScope): JobResponse => ({ job: jobJson(job, scope) });

  async function visibleJob(id: string, scope: JobScope): Promise<Job> {
    const job = await tracker.get(id, scope, read);
    if (!job) throw notFound();
    return job;
  }

  /**
   * The caller's page of schedules. A schedule belongs to a tenant and to no owner: to a scope it
   * is a record whose `ownerId` is null, like a job enqueued without one (as the jobs it makes
   * are). So the scope's `tenantId` narrows the list, and a caller narrowed to an owner
   * (`ownerId: 'u1'`) sees none; `ownerId: null` (callers who see unowned jobs) sees its tenant's.
   */
  async function schedulePage(scope: JobScope, query: ScheduleListQuery): Promise<ScheduleListResponse> {
    if (scope.ownerId !== undefined && scope.ownerId !== null) return { schedules: [], nextCursor: null };
    const page = await tracker.listSchedules({
      limit: query.limit,
      ...(query.after !== undefined ? { after: query.after } : {}),
      ...(scope.tenantId !== undefined ? { tenantId: scope.tenantId } : {}),
    });
    return { schedules: page.schedules.map((schedule) => toScheduleJson(schedule, expose, maxExposedBytes)), nextCursor: page.nextCursor };
  }

  async function act(request: Request, route: Extract<Route, { name: 'action' }>, caller: CallerScope, scope: JobScope) {
    // Before the lookup: a refused origin learns nothing, not even whether the job exists.
    checkActionRequest(request);
    // Only canAct needs the job before the change; the change itself reads it in scope, and a job
    // outside the scope fails it with the same 404 as a missing one.
    if (options.canAct && !(await options.canAct(caller, route.action, await visibleJob(route.id, scope)))) {
      throw new HttpError(403, 'forbidden', `You may see this job but not ${route.action} it.`);
    }
    const changed =
      route.action === 'retry'
        ? await tracker.retry(route.id, scope)
        : route.action === 'cancel'
          ? await tracker.cancel(route.id, scope)
          : await tracker.runNow(route.id, scope);
    return json(200, jobBody(changed, caller));
  }

  /**
   * `POST /jobs/retry|cancel`: the filter body, narrowed to the caller's scope (folded into the
   * filter by the tracker, so a `tenantId` in the body can only narrow further, never widen).
   */
  async function actOnMany(request: Request, action: JobBulkAction, caller: CallerScope, scope: JobScope): Promise<Response> {
    checkActionRequest(request);
    const filter = await readBulkFilter(request);
    // Opt-in: acting on every match is a power an API that predates it must grant on purpose.
    if (!options.canActOnMany) {
      throw new HttpError(403, 'forbidden', `Bulk ${action} is off on this API: the server sets canActOnMany(scope, action, filter) to allow it.`);
    }
    if (!(await options.canActOnMany(caller, action, filter))) {
      throw new HttpError(403, 'forbidden', `You may not ${action} jobs by filter.`);
    }
    const result = action === 'retry' ? await tracker.retryMany({ ...filter, scope }) : await tracker.cancelMany({ ...filter, scope });
    const body: BulkActionResponse = { matched: result.matched, changed: result.changed };
    return json(200, body);
  }

  async function handle(request: Request, context: unknown): Promise<Response> {
    const url = new URL(request.url);
    const route = matchRoute(url.pathname, basePath);
    if (!route) return routeMissResponse(url.pathname);
    const methods = allowedMethods(route);
    const allow = methods.join(', ');
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow } });
    if (!methods.includes(request.method)) {
      throw new HttpError(405, 'method_not_allowed', `Use ${allow} for this route.`, { allow });
    }
    const { caller, scope, admin } = await authenticate(request, context, options.authorize);
    const params = url.searchParams;
    switch (route.name) {
      case 'job': {
        checkJobId(route.id);
        if ([...params.keys()].length > 0) throw badRequest('GET /jobs/:id takes no query parameters.');
        // Scope first: a caller holding another tenant's ETag still gets the same 404 as for a missing job.
        const job = await visibleJob(route.id, scope);
        return conditional(request, jobBody(job, caller));
      }
      case 'list': {
        const query = parseListQuery(params, defaultLimit, maxPageSize);
        const page = await tracker.list({
          ...query.filter,
          scope,
          read,
          limit: query.limit,
          ...(query.cursor ? { cursor: query.cursor } : {}),
          ...(query.order ? { order: query.order } : {}),
        });
        const body: JobListResponse = { jobs: page.jobs.map((job) => jobJson(job, caller)), nextCursor: page.nextCursor };
        return conditional(request, body);
      }
      case 'active': {
        const query = parseActiveQuery(params, defaultLimit, maxPageSize);
        const jobs = await tracker.active({ scope, read, withinMs: query.withinMs, limit: query.limit, ...(query.type ? { type: query.type } : {}) });
        const body: ActiveJobsResponse = { jobs: jobs.map((job) => jobJson(job, caller)), withinMs: query.withinMs };
        return conditional(request, body);
      }
      case 'stats': {
        const body: JobStatsResponse = await tracker.stats({ ...parseStatsQuery(params), scope });
        return conditional(request, body);
      }
      case 'activity': {
        const body: ActivityJson = toActivityJson(await tracker.activity({ ...parseActivityQuery(params), scope }));
        return conditional(request, body);
      }
      case 'types': {
        if ([...params.keys()].length > 0) throw badRequest('GET /types takes no query parameters.');
        return conditional(request, await control.types(scope));
      }
      case 'typeAction': {
        if ([...params.keys()].length > 0) throw badRequest(`POST /types/:type/${route.action} takes no query parameters.`);
        checkActionRequest(request);
        return json(200, await control.actOnType(route.type, route.action, caller, scope, admin));
      }
      case 'scheduleAction': {
        if ([...params.keys()].length > 0) throw badRequest(`POST /schedules/:name/${route.action} takes no query parameters.`);
        // Before the lookup: a refused origin learns nothing, not even whether the schedule exists.
        checkActionRequest(request);
        return json(200, await control.actOnSchedule(route.scheduleName, route.action, caller, scope));
      }
      case 'jobStream': {
        checkJobId(route.id);
        if ([...params.keys()].length > 0) throw badRequest('GET /jobs/:id/stream takes no query parameters.');
        return jobStream(streams, route.id, caller, scope);
      }
      case 'listStream': {
        const filter = parseStreamQuery(params);
        return listStream(streams, filter, caller, scope, request.headers.has('last-event-id'));
      }
      case 'schedules': {
        const query = parseScheduleListQuery(params, defaultLimit, maxPageSize);
        return conditional(request, await schedulePage(scope, query));
      }
      case 'bulk': {
        if ([...params.keys()].length > 0) throw badRequest(`POST /jobs/${route.action} takes its filter in the JSON body, not the query string.`);
        return actOnMany(request, route.action, caller, scope);
      }
      case 'action': {
        checkJobId(route.id);
        if ([...params.keys()].length > 0) throw badRequest(`POST /jobs/:id/${route.action} takes no query parameters.`);
        return act(request, route, caller, scope);
      }
    }
  }

  async function answer(request: Request, context: unknown): Promise<Response> {
    try {
      return await handle(request, context);
    } catch (error) {
      const known = toHttpError(error);
      if (known) return errorResponse(known);
      if (BulkActionError.isInstance(error)) {
        // The store failed part-way: the server log gets the cause, the caller what was done (its own jobs' counts).
        onError(error, request);
        return errorResponse(
          new HttpError(500, error.code, `The store failed after ${error.changed} of ${error.matched} matched jobs were changed; send the same request again to finish.`),
        );
      }
      onError(error, request);
      return errorResponse(new HttpError(500, 'internal_error', 'The jobs endpoint failed; the server log has the details.'));
    }
  }

  return async function jobsHandler(request: Request, context?: unknown): Promise<Response> {
    const response = await answer(request, context);
    return request.method === 'HEAD' ? withoutBody(response) : response;
  };
}

/** What HEAD answers: GET's status and headers, no body. */
function withoutBody(response: Response): Response {
  // A stream's body must be cancelled, or it would keep its watch and heartbeat.
  void response.body?.cancel().catch(() => {});
  const head = new Response(null, { status: response.status, headers: response.headers });
  if (routeMisses.has(response)) routeMisses.add(head);
  return head;
}

/**
 * The caller `authorize` returned and the tracker scope it narrows to (see `readCallerScope`).
 */
async function authenticate(
  request: Request,
  context: unknown,
  authorize: JobsHandlerOptions['authorize'],
): Promise<{ caller: CallerScope; scope: JobScope; admin: boolean }> {
  const caller: unknown = await authorize(request, context);
  const reading = readCallerScope(caller);
  if (!reading.ok) throw new HttpError(reading.status, reading.code, reading.message);
  return { caller: caller as CallerScope, scope: reading.scope, admin: reading.admin };
}

const EXPOSE_FIELDS: readonly string[] = [...LARGE_JOB_FIELDS, 'errors'];

/** `expose` as given, refusing what would silently mean something else (`'yes'`, a typo'd field). */
function checkExpose(expose: unknown): ExposeOptions {
  if (expose === undefined) return {};
  if (expose === null || typeof expose !== 'object' || Array.isArray(expose)) {
    throw new JobValidationError('expose', 'must be an object such as { result: true }.');
  }
  for (const [field, rule] of Object.entries(expose)) {
    if (!EXPOSE_FIELDS.includes(field)) {
      throw new JobValidationError('expose', `has no field ${quote(field)}; use ${EXPOSE_FIELDS.join(', ')}.`);
    }
    if (rule !== undefined && typeof rule !== 'boolean' && typeof rule !== 'function') {
      throw new JobValidationError(`expose.${field}`, `must be true, false or (job, scope) => boolean; got ${typeof rule}.`);
    }
  }
  return expose as ExposeOptions;
}

function checkJobId(id: string): void {
  if (isUuid(id)) return;
  throw badRequest(`Job ids are lowercase UUIDs; got ${quote(id)}.`);
}

/** What the caller may learn of an error. By `isInstance`: the store may throw another copy of core's errors. */
function toHttpError(error: unknown): HttpError | null {
  if (HttpError.isInstance(error)) return error;
  if (JobNotFoundError.isInstance(error)) return notFound();
  if (ScheduleNotFoundError.isInstance(error)) return scheduleNotFound();
  if (JobtrailError.isInstance(error) && error.code === 'activity_unavailable') {
    return new HttpError(501, 'activity_unavailable', 'This server cannot count job activity over time (its store has no activity read).');
  }
  if (JobValidationError.isInstance(error)) return new HttpError(400, error.code, error.message);
  if (InvalidTransitionError.isInstance(error)) return new HttpError(409, error.code, error.message);
  if (JobConflictError.isInstance(error)) return new HttpError(409, error.code, error.message);
  return null;
}

/** 200 with an ETag, or 304 when the caller already holds this exact body. */
function conditional(request: Request, body: unknown): Response {
  const text = JSON.stringify(body);
  const etag = etagOf(text);
  if (matchesIfNoneMatch(request.headers.get('if-none-match'), etag)) {
    const { 'content-type': _omit, ...headers } = JSON_HEADERS;
    return new Response(null, { status: 304, headers: { ...headers, etag } });
  }
  return new Response(text, { status: 200, headers: { ...JSON_HEADERS, etag } });
}
