import type { JobAction, JobBulkAction, ScheduleAction, TypeAction } from './wire-types.js';

export type Route =
  | { name: 'job'; id: string }
  | { name: 'list' }
  | { name: 'active' }
  | { name: 'stats' }
  | { name: 'action'; id: string; action: JobAction }
  | { name: 'bulk'; action: JobBulkAction }
  | { name: 'jobStream'; id: string }
  | { name: 'listStream' }
  | { name: 'schedules' }
  | { name: 'activity' }
  | { name: 'types' }
  | { name: 'typeAction'; type: string; action: TypeAction }
  | { name: 'scheduleAction'; scheduleName: string; action: ScheduleAction };

/** HEAD is GET without the body; OPTIONS answers 204 with these in `Allow`. */
const READ_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];
const ACTION_METHODS: readonly string[] = ['POST', 'OPTIONS'];

/** The methods `route` answers, as sent in `Allow`. */
export function allowedMethods(route: Route): readonly string[] {
  return route.name === 'action' || route.name === 'bulk' || route.name === 'typeAction' || route.name === 'scheduleAction' ? ACTION_METHODS : READ_METHODS;
}

/** Responses for paths that are not jobs routes, so `toNodeHandler` can pass them on to `next()`. */
export const routeMisses = new WeakSet<Response>();

/**
 * The jobs route at `pathname` under `basePath`, or null. `pathname` is compared as the URL
 * parser serialised it, percent-escapes kept: only the exact route paths match — no trailing
 * slash, no empty segment (`//jobs`, `/jobs//x`), no escaped letters (`/%6Aobs`). The `:id`
 * segment is not decoded either: job ids are lowercase UUIDs, which need no escaping. The `:type`
 * of `/types/:type/pause|resume` and the `:name` of `/schedules/:name/pause|resume` are answered
 * still percent-encoded (a type may hold a `/`): the handler decodes them.
 */
export function matchRoute(pathname: string, basePath: string): Route | null {
  const prefix = `${basePath}/`;
  if (!pathname.startsWith(prefix)) return null;
  const segments = pathname.slice(prefix.length).split('/');
  if (segments[0] === 'schedules') {
    if (segments.length === 1) return { name: 'schedules' };
    const action = pauseOrResume(segments);
    return action === null ? null : { name: 'scheduleAction', scheduleName: segments[1]!, action };
  }
  if (segments[0] === 'types') {
    if (segments.length === 1) return { name: 'types' };
    const action = pauseOrResume(segments);
    return action === null ? null : { name: 'typeAction', type: segments[1]!, action };
  }
  if (segments[0] !== 'jobs') return null;
  if (segments.length === 1) return { name: 'list' };
  const second = segments[1]!;
  if (second === '') return null;
  if (segments.length === 2) {
    if (second === 'active') return { name: 'active' };
    if (second === 'stats') return { name: 'stats' };
    if (second === 'activity') return { name: 'activity' };
    if (second === 'stream') return { name: 'listStream' };
    if (second === 'retry' || second === 'cancel') return { name: 'bulk', action: second };
    return { name: 'job', id: second };
  }
  const action = segments[2];
  if (segments.length === 3 && action === 'stream') return { name: 'jobStream', id: second };
  if (segments.length === 3 && (action === 'retry' || action === 'cancel' || action === 'run-now')) return { name: 'action', id: second, action };
  return null;
}

/** `pause` / `resume` of `/<collection>/<name>/<action>` with a non-empty name, else null. */
function pauseOrResume(segments: readonly string[]): 'pause' | 'resume' | null {
  if (segments.length !== 3 || segments[1] === '') return null;
  const action = segments[2];
  return action === 'pause' || action === 'resume' ? action : null;
}
