import type { Job } from '../model/job.js';
import type { JobTracker } from '../tracker/create-tracker.js';
import type { JobAction } from './wire-types.js';

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

/** `true`/`false`, or decided per job and caller. */
export type ExposeRule = boolean | ((job: Job, scope: CallerScope) => boolean);

export interface ExposeOptions {
  /** The job's input. Default false. */
  payload?: ExposeRule;
  /** The job's output. Default false. */
  result?: ExposeRule;
  /** Free-form metadata. Default true. */
  metadata?: ExposeRule;
  /** Error messages and codes of attempts (stacks are never sent). Default true. */
  errors?: ExposeRule;
}

export interface JobsHandlerOptions {
  /** The tracker to read from and act through (`createTracker()`). */
  tracker: Pick<JobTracker, 'get' | 'list' | 'active' | 'stats' | 'retry' | 'cancel'>;
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
   * May this caller retry / cancel this job it can see? `false` answers 403. Default: anyone who
   * can see a job may act on it.
   */
  canAct?: (scope: CallerScope, action: JobAction, job: Job) => boolean | Promise<boolean>;
  /** Largest `limit` a list request may ask for (400 above it). Default 100. */
  maxPageSize?: number;
  /**
   * Accept retry/cancel from any origin: no `Origin` / `Sec-Fetch-Site` check at all, e.g. when
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
  /** Unexpected errors (answered as a 500 without details). Default: `console.error`. */
  onError?: (error: unknown, request: Request) => void;
}

/** A Fetch API handler: mount it in Next.js route handlers, Hono, Bun, Deno, or with `toNodeHandler`. */
export type JobsHandler = (request: Request, context?: unknown) => Promise<Response>;
