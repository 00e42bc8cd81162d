import type { JobAction } from './wire-types.js';

export type Route =
  | { name: 'job'; id: string }
  | { name: 'list' }
  | { name: 'active' }
  | { name: 'stats' }
  | { name: 'action'; id: string; action: JobAction }
  | { name: 'method'; allow: string }
  | { name: 'miss' };

/** Responses for paths that are not jobs routes, so `toNodeHandler` can pass them on to `next()`. */
export const routeMisses = new WeakSet<Response>();

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Matches `pathname` (under `basePath`) to a jobs route; the method decides between a route and 405. */
export function matchRoute(pathname: string, basePath: string, method: string): Route {
  if (basePath && pathname !== basePath && !pathname.startsWith(`${basePath}/`)) return { name: 'miss' };
  const rest = pathname.slice(basePath.length).replace(/\/$/, '');
  const segments = rest.split('/').slice(1);
  if (segments[0] !== 'jobs') return { name: 'miss' };
  const want = (allow: string, route: Route): Route => (method === allow ? route : { name: 'method', allow });
  if (segments.length === 1) return want('GET', { name: 'list' });
  const id = decode(segments[1]!);
  if (id === null) return { name: 'miss' };
  if (segments.length === 2) {
    if (id === 'active') return want('GET', { name: 'active' });
    if (id === 'stats') return want('GET', { name: 'stats' });
    return want('GET', { name: 'job', id });
  }
  if (segments.length === 3 && (segments[2] === 'retry' || segments[2] === 'cancel')) {
    return want('POST', { name: 'action', id, action: segments[2] });
  }
  return { name: 'miss' };
}
