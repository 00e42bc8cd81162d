import { createJobsHandler, JobValidationError, readCallerScope, type CallerScopeReading } from '@jobtrail/core';
import { checkBasePath } from './base-path.js';
import type { DashboardHandler, DashboardInfoJson, DashboardOptions } from './dashboard-options.js';
import { contentSecurityPolicy, pageSecurityHeaders } from './page-headers.js';
import { assetResponse, textResponse } from './static-responses.js';
import { titledPage } from './titled-page.js';
import { uiAssets, type UiAsset } from './ui-bundle.js';

const MAX_TITLE_LENGTH = 100;
const READ_METHODS = new Set(['GET', 'HEAD']);
const FRAME_SOURCE = /^(?:'self'|https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?)$/;

/**
 * The dashboard as one Fetch handler: the page at `<basePath>` and `<basePath>/`, its hashed assets at
 * `<basePath>/assets/…`, and the jobs API at `<basePath>/api/…` (`createJobsHandler`'s routes,
 * plus `GET <basePath>/api/dashboard`). Every API request goes through `authorize` and is narrowed
 * to the scope it returns, like `createJobsHandler`'s: a tenant sees only its jobs. The page
 * itself is refused as the API would refuse (401 for null, 403 for a scope that narrows nothing
 * without `admin: true`, 500 and `onError` for a throw or a malformed scope); its assets hold no
 * data and are public.
 *
 * Unlike `createJobsHandler`, bulk actions (`POST /api/jobs/retry|cancel`, "Retry matching…" in
 * the page) are allowed by default, still within the caller's scope: a dashboard is an operator's
 * tool. Pass `canActOnMany` to decide yourself, or `readOnly: true` to refuse every action.
 *
 * Paths that are not the dashboard's (outside `basePath`, or unknown under it) answer 404
 * `route_not_found`, which `toNodeHandler` hands to Express's `next()`.
 *
 * @throws {JobValidationError} for bad options (`basePath`, `title`, `frameAncestors`, and those of
 *   `createJobsHandler`).
 */
export function createDashboardHandler(options: DashboardOptions): DashboardHandler {
  if (typeof options !== 'object' || options === null) {
    throw new JobValidationError('options', 'createDashboardHandler() needs { tracker, authorize, basePath }.');
  }
  const basePath = checkBasePath(options.basePath);
  const title = checkTitle(options.title);
  const readOnly = checkReadOnly(options.readOnly);
  const frameAncestors = checkFrameAncestors(options.frameAncestors);
  const { readOnly: _readOnly, title: _title, frameAncestors: _frames, basePath: _base, ...jobsOptions } = options;
  const api = createJobsHandler({
    ...jobsOptions,
    basePath: `${basePath}/api`,
    ...(readOnly
      ? { canAct: () => false, canActOnMany: () => false, canManageTypes: () => false, canActOnSchedule: () => false }
      : { canActOnMany: options.canActOnMany ?? (() => true) }),
  });
  const headers = pageSecurityHeaders(contentSecurityPolicy(frameAncestors), frameAncestors.length > 0);
  let page: Promise<UiAsset> | undefined;
  const tracker = options.tracker as typeof options.tracker & { store?: Record<string, unknown> };
  const features = (scope: DashboardInfoJson['scope']): DashboardInfoJson['features'] => {
    const store = tracker.store;
    const has = (method: string) => typeof store?.[method] === 'function';
    return {
      streams: has('subscribeChanges'),
      schedules: has('listSchedules'),
      types: has('listTypeControls'),
      activity: has('activity'),
      bulkActions: !readOnly,
      typeActions: !readOnly && (options.canManageTypes !== undefined || (scope.admin && scope.tenantId === undefined && scope.ownerId === undefined)),
    };
  };

  const onError = options.onError ?? ((error: unknown) => console.error('[jobtrail dashboard]', error));
  /** `authorize` read with the jobs API's own rules; its throw or a malformed answer is logged, never leaked. */
  const callerScope = async (request: Request, context: unknown): Promise<CallerScopeReading | 'failed'> => {
    try {
      return readCallerScope(await options.authorize(request, context));
    } catch (error) {
      onError(error, request);
      return 'failed';
    }
  };

  return async function dashboardHandler(request, context) {
    const url = new URL(request.url);
    const path = url.pathname;
    // The page answers at the mount path with and without the slash: hosts differ on which they
    // keep (Next.js redirects `/admin/jobs/` to `/admin/jobs`), and its `<base>` makes both work.
    const rest = basePath !== '' && path === basePath ? '' : path.startsWith(`${basePath}/`) ? path.slice(basePath.length + 1) : null;
    if (rest === null) return api(request, context);

    if (rest === 'api/dashboard') {
      if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow: 'GET, HEAD, OPTIONS' } });
      if (!READ_METHODS.has(request.method)) return jsonError(405, 'method_not_allowed', 'Use GET.', { allow: 'GET, HEAD, OPTIONS' });
      const reading = await callerScope(request, context);
      if (reading === 'failed') return jsonError(500, 'internal_error', 'The dashboard failed; the server log has the details.');
      if (!reading.ok) return jsonError(reading.status, reading.code, reading.message);
      const scope = { ...reading.scope, admin: reading.admin };
      const info: DashboardInfoJson = { title, readOnly, scope, features: features(scope) };
      return new Response(JSON.stringify(info), {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'private, no-cache', 'x-content-type-options': 'nosniff' },
      });
    }
    if (rest.startsWith('api/')) {
      if (readOnly && !READ_METHODS.has(request.method) && request.method !== 'OPTIONS') {
        return jsonError(403, 'read_only', 'This dashboard is read-only: it retries, cancels and pauses nothing.');
      }
      return api(request, context);
    }

    if (rest === '' || rest === 'index.html') {
      if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { ...headers, allow: 'GET, HEAD, OPTIONS' } });
      if (!READ_METHODS.has(request.method)) return methodNotAllowed(headers);
      // The same answer to the same caller as the API would give: no page for whom it refuses.
      const reading = await callerScope(request, context);
      if (reading === 'failed') return textResponse(500, 'The dashboard failed; the server log has the details.', headers);
      if (!reading.ok) return textResponse(reading.status, reading.message, headers);
      page ??= titledPage(title, `${basePath}/`);
      return assetResponse(request, await page, headers);
    }
    const asset = uiAssets().get(rest);
    // Anything else is not the dashboard's: the jobs handler's marked 404, which `toNodeHandler`
    // hands to Express's `next()` (so a dashboard at the site root leaves the app's own routes be).
    if (!asset) return api(request, context);
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { ...headers, allow: 'GET, HEAD, OPTIONS' } });
    if (!READ_METHODS.has(request.method)) return methodNotAllowed(headers);
    return assetResponse(request, asset, headers);
  };
}

function methodNotAllowed(headers: Record<string, string>): Response {
  return textResponse(405, 'Use GET.', { ...headers, allow: 'GET, HEAD, OPTIONS' });
}

function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers },
  });
}

function checkTitle(title: unknown): string {
  if (title === undefined) return 'Jobs';
  if (typeof title !== 'string' || title.trim() === '' || title.length > MAX_TITLE_LENGTH) {
    throw new JobValidationError('title', `must be a non-empty string of at most ${MAX_TITLE_LENGTH} characters; got ${typeof title === 'string' ? JSON.stringify(title.slice(0, 120)) : typeof title}.`);
  }
  return title;
}

function checkReadOnly(readOnly: unknown): boolean {
  if (readOnly === undefined) return false;
  if (typeof readOnly !== 'boolean') throw new JobValidationError('readOnly', `must be true or false; got ${typeof readOnly}.`);
  return readOnly;
}

function checkFrameAncestors(sources: unknown): readonly string[] {
  if (sources === undefined) return [];
  if (!Array.isArray(sources) || sources.length === 0 || sources.some((source) => typeof source !== 'string' || !FRAME_SOURCE.test(source))) {
    throw new JobValidationError(
      'frameAncestors',
      `must be a non-empty array of "'self'" and/or origins such as 'https://admin.example.com' (scheme, host, optional port; no path); got ${JSON.stringify(sources)}.`,
    );
  }
  return [...sources] as string[];
}
