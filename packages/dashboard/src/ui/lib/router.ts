import { useSyncExternalStore } from 'react';

/**
 * Hash routes (`#/`, `#/jobs?…`, `#/jobs/<id>`, `#/schedules`, `#/types`): the page works under
 * any mount path with no server fallback, and links and Back keep their state.
 */
export type Route =
  | { view: 'overview' }
  | { view: 'jobs'; query: URLSearchParams }
  | { view: 'job'; id: string }
  | { view: 'schedules' }
  | { view: 'types' }
  | { view: 'not-found'; path: string };

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const readHash = () => window.location.hash;

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = raw.split('?', 2);
  const segments = path.split('/').filter(Boolean);
  if (segments.length === 0) return { view: 'overview' };
  if (segments[0] === 'jobs' && segments.length === 1) return { view: 'jobs', query: new URLSearchParams(search) };
  if (segments[0] === 'jobs' && segments.length === 2) return { view: 'job', id: decodeURIComponent(segments[1]!) };
  if (segments[0] === 'schedules' && segments.length === 1) return { view: 'schedules' };
  if (segments[0] === 'types' && segments.length === 1) return { view: 'types' };
  return { view: 'not-found', path };
}

/** The current route, re-rendered on every hash change. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, readHash, () => '');
  return parseRoute(hash);
}

export function jobHref(id: string): string {
  return `#/jobs/${encodeURIComponent(id)}`;
}

export function jobsHref(filters: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `#/jobs?${text}` : '#/jobs';
}

/** Navigates by hash; `replace` keeps typing in a filter from filling the Back history. */
export function navigate(href: string, { replace = false } = {}): void {
  if (replace) {
    window.history.replaceState(window.history.state, '', href);
    // replaceState fires no hashchange: tell the subscribers ourselves.
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = href.replace(/^#/, '');
  }
}

// The jobs list the user came from, so a job's "Jobs" breadcrumb returns to the same filters.
let lastJobsHref = '#/jobs';

export function rememberJobsHref(href: string): void {
  lastJobsHref = href;
}

export function lastJobsListHref(): string {
  return lastJobsHref;
}
