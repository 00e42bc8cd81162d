import type { Job } from '../model/job.js';
import type { Tracker } from '../tracker/tracker.js';
import type { JobFilter } from '../tracker/query-filters.js';
import type { Schedule } from '../schedule/schedule.js';
import type { JobAction, JobBulkAction, ScheduleAction, TypeAction } from './wire-types.js';

/**
 * Who is calling, as `authorize` decides. `tenantId` and `ownerId` narrow every read and action
 * to that tenant / owner (`null` means "jobs without one"); a field whose value is `undefined`
 * counts as absent, other fields are ignored. A scope that narrows nothing must say
 * `admin: true` (else 403 `forbidden`): an `{}` or `{ tenantId: undefined }` returned by mistake
 * never opens every job. `admin` only lifts that rule: `{ admin: true, tenantId }` still sees that
 * tenant only. Each field is read once per request (getters and Proxies are fine).
 */
export interface CallerScope {
  tenantId?: string | null;
  ownerId?: string | null;
  admin?: boolean;
}

/**
 * `true`/`false`, or decided per job and caller. A function sees the job as the handler read
 * it: payload, result and metadata are read only when their rule is not `false`, and only up to
 * `maxExposedBytes` each; a field not read is `undefined` and listed in `job.unread` (so decide on
 * the other fields, e.g. `type`, `tenantId`, `ownerId`, not on the payload itself).
 */
export type ExposeRule = boolean | ((job: Job, scope: CallerScope) => boolean);

/**
 * Which large fields leave the server. A field whose rule is `false` (the default for payload
 * and result) is never even read from the store. An exposed field larger than the handler's
 * `maxExposedBytes` is not read either: the response leaves it out and reports its size in
 * `job.tooLarge` (see `JobJson`).
 *
 * The same rules decide a schedule's `payload` and `metadata` on `GET /schedules`, the safe way
 * for a record that is not a job: a rule function decides per job and has none to look at, so
 * under one the field is not sent; `payload` is sent only under `true`, `metadata` unless `false`;
 * one over `maxExposedBytes` is reported in `schedule.tooLarge` instead.
 */
export interface ExposeOptions {
  /** The job's input. Default false. */
  payload?: ExposeRule;
  /** The job's output. Default false. */
  result?: ExposeRule;
  /** Free-form metadata. Default true (capped like the others). */
  metadata?: ExposeRule;
  /** Error messages and codes of attempts (stacks are never sent). Default true. */
  errors?: ExposeRule;
}

export interface JobsHandlerOptions {
  /**
   * The tracker to read from and act through (`createTracker()`). The handler passes `get`,
   * `list` and `active` a `read` (see `FieldReads`) derived from `expose` and `maxExposedBytes`;
   * `GET /schedules` and the schedule actions need a store that keeps schedules, `GET /types`
   * and the type actions one with flow control (else a 500); `GET /jobs/activity` one with
   * `activity` (else 501 `activity_unavailable`).
   */
  tracker: Pick<
    Tracker,
    | 'get'
    | 'list'
    | 'active'
    | 'stats'
    | 'activity'
    | 'retry'
    | 'cancel'
    | 'runNow'
    | 'retryMany'
    | 'cancelMany'
    | 'listSchedules'
    | 'getSchedule'
    | 'pauseSchedule'
    | 'resumeSchedule'
    | 'listTypes'
    | 'getType'
    | 'pauseType'
    | 'resumeType'
    | 'watch'
  >;
  /**
   * The caller's scope, or null to answer 401. Runs for every request to a known route.
   * `context` is what the host passed as the handler's second argument: `{ req, res }` under
   * `toNodeHandler` (so Express's `req.user` / `req.session` are at hand), Next.js's route context,
   * or your own object.
   */
  authorize: (request: Request, context: unknown) => CallerScope | null | undefined | Promise<CallerScope | null | undefined>;
  /** Where the routes are mounted, e.g. `/api` for `/api/jobs/...`. Default ''. */
  basePath?: string;
  /** Which parts of a job leave the server. Default: no payload, no result. */
  expose?: ExposeOptions;
  /**
   * Largest exposed payload, result or metadata sent, in bytes of JSON (an integer from 0 to
   * 2^30). A larger one is not read and is reported as `tooLarge: { field: bytes }` instead.
   * Keeps each response's memory bounded whatever the jobs hold. Default 65536 (64 KiB).
   */
  maxExposedBytes?: number;
  /**
   * May this caller retry / cancel this job it can see? `false` answers 403. Default: anyone who
   * can see a job may act on it. The job is read like for `GET /jobs/:id` (see `ExposeRule`).
   */
  canAct?: (scope: CallerScope, action: JobAction, job: Job) => boolean | Promise<boolean>;
  /**
   * May this caller retry / cancel every job a filter matches (`POST /jobs/retry`, `POST
   * /jobs/cancel`)? `false` answers 403. The filter is the request body's, before the caller's
   * scope is added (the action never reaches outside that scope). Default: not set, and bulk
   * actions answer 403 for everyone — acting on every match is granted on purpose, e.g.
   * `canActOnMany: (scope) => scope.admin === true`.
   */
  canActOnMany?: (scope: CallerScope, action: JobBulkAction, filter: JobFilter) => boolean | Promise<boolean>;
  /**
   * May this caller pause / resume job type `type` (`POST /types/:type/pause|resume`)? `false`
   * answers 403 `forbidden`. A pause stops every worker of every tenant claiming the type, so by
   * default only a caller with `admin: true` and neither `tenantId` nor `ownerId` may.
   */
  canManageTypes?: (scope: CallerScope, action: TypeAction, type: string) => boolean | Promise<boolean>;
  /**
   * May this caller pause / resume this schedule (`POST /schedules/:name/pause|resume`)? Asked
   * only for a schedule the caller can see (others answer 404); `false` answers 403 `forbidden`.
   * Default: whoever can see a schedule may pause and resume it.
   */
  canActOnSchedule?: (scope: CallerScope, action: ScheduleAction, schedule: Schedule) => boolean | Promise<boolean>;
  /** Largest `limit` a list request may ask for (400 above it). Default 100. */
  maxPageSize?: number;
  /**
   * Accept actions (retry, cancel, run-now, bulk, type and schedule pause/resume) from any origin: no `Origin` / `Sec-Fetch-Site` check at all, e.g. when
   * you authenticate with a header, not a cookie. Default false: an action whose `Origin` is not
   * the API's own (nor in `allowedOrigins`; `Origin: null` included) or that says
   * `Sec-Fetch-Site: cross-site` answers 403. Form and `text/plain` bodies answer 415 either way.
   */
  allowCrossSiteActions?: boolean;
  /**
   * Other origins whose pages may retry/cancel, e.g. `['https://app.example.com']` when the page
   * and the API live on different hosts: `scheme://host[:port]`, no path. Default none. Throws
   * `JobValidationError` for anything else.
   */
  allowedOrigins?: readonly string[];
  /**
   * Count the origin a reverse proxy reports (`X-Forwarded-Proto`, `X-Forwarded-Host`) as the
   * API's own, for actions. Default false: only the request URL's origin (and its `https` form, for
   * a TLS-terminating proxy that keeps `Host`) is. Turn it on only behind a proxy that sets those
   * headers itself.
   */
  trustProxy?: boolean;
  /**
   * On `GET /jobs/:id/stream` and `GET /jobs/stream`, a comment line every this many ms keeps
   * proxies and browsers from closing an idle stream (1000..300000). Default 15000.
   */
  streamHeartbeatMs?: number;
  /**
   * Events a list stream holds for a reader that does not keep up (1..100000). Past it, they are
   * all dropped for one `event: reset`, and the client reads its list afresh. A job stream holds
   * only its job's latest state, so it never overflows. Default 100.
   */
  maxStreamBuffer?: number;
  /** Unexpected errors (answered as a 500 without details). Default: `console.error`. */
  onError?: (error: unknown, request: Request) => void;
}

/** A Fetch API handler: mount it in Next.js route handlers, Hono, Bun, Deno, or with `toNodeHandler`. */
export type JobsHandler = (request: Request, context?: unknown) => Promise<Response>;
