import { JobValidationError } from '../errors/jobtrail-error.js';
import { HttpError, quote } from './http-error.js';

/** Form posts and `text/plain` can be sent cross-site without a preflight; actions refuse them. */
const SIMPLE_FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

export interface ActionGuardOptions {
  allowCrossSiteActions?: boolean | undefined;
  allowedOrigins?: readonly string[] | undefined;
  trustProxy?: boolean | undefined;
}

/**
 * The check every retry / cancel passes before the job is looked up, so a page on another site
 * cannot act with the user's cookies (CSRF), not even with a request that needs no preflight
 * (`sendBeacon`, a form, a `fetch` without custom headers):
 *
 * - an `Origin` header must be the API's own origin or one of `allowedOrigins`; a foreign one,
 *   `null` (sandboxed frames, some redirects) or a malformed one answers 403 whatever the other
 *   headers say;
 * - without `Origin` (curl, server-to-server) the request passes unless `Sec-Fetch-Site` says
 *   `cross-site`; `cross-site` passes only from an origin in `allowedOrigins`;
 * - form and `text/plain` bodies answer 415.
 *
 * `allowCrossSiteActions: true` lifts the origin checks (not the body check).
 *
 * @throws {JobValidationError} when an `allowedOrigins` entry is not an origin such as `https://app.example.com`.
 */
export function createActionGuard(options: ActionGuardOptions): (request: Request) => void {
  const allowCrossSite = options.allowCrossSiteActions === true;
  const allowed = new Set(readAllowedOrigins(options.allowedOrigins));
  if (options.trustProxy !== undefined && typeof options.trustProxy !== 'boolean') {
    throw new JobValidationError('trustProxy', `must be a boolean; got ${typeof options.trustProxy}.`);
  }
  const trustProxy = options.trustProxy === true;
  return function checkActionRequest(request) {
    if (!allowCrossSite) checkOrigin(request, allowed, trustProxy);
    const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (SIMPLE_FORM_TYPES.includes(type)) {
      throw new HttpError(415, 'unsupported_media_type', 'Job actions take no form body; send application/json (single-job actions also take no body).');
    }
  };
}

function checkOrigin(request: Request, allowed: ReadonlySet<string>, trustProxy: boolean): void {
  const sent = request.headers.get('origin');
  const crossSite = request.headers.get('sec-fetch-site')?.trim().toLowerCase() === 'cross-site';
  if (sent === null) {
    if (crossSite) throw forbidden('Cross-site job actions are refused; list the page\'s origin in allowedOrigins if this is intended.');
    return;
  }
  const origin = normaliseOrigin(sent);
  if (origin !== null && allowed.has(origin)) return;
  if (origin !== null && !crossSite && ownOrigins(request, trustProxy).includes(origin)) return;
  throw forbidden(
    `Job actions from origin ${quote(sent)} are refused: only the API's own origin may act; list the page's origin in allowedOrigins if this is intended.`,
  );
}

/**
 * The API's own origin: the request URL's, also with `https` (a TLS-terminating proxy in front
 * hands the server plain http; a page on https at the same host is the same site). With
 * `trustProxy`, also the one a reverse proxy reports (`X-Forwarded-Proto`, `X-Forwarded-Host`);
 * off by default, like Express's `trust proxy`, so no request header other than `Origin` can widen
 * what counts as the API's own origin.
 */
function ownOrigins(request: Request, trustProxy: boolean): string[] {
  const url = new URL(request.url);
  const schemes = new Set([url.protocol.slice(0, -1), 'https']);
  const hosts = new Set([url.host]);
  if (trustProxy) {
    const proto = firstValue(request.headers.get('x-forwarded-proto'))?.toLowerCase();
    if (proto === 'http' || proto === 'https') schemes.add(proto);
    const host = firstValue(request.headers.get('x-forwarded-host'));
    if (host) hosts.add(host);
  }
  const origins: string[] = [];
  for (const scheme of schemes) {
    for (const candidate of hosts) {
      const origin = normaliseOrigin(`${scheme}://${candidate}`);
      if (origin !== null) origins.push(origin);
    }
  }
  return origins;
}

function firstValue(header: string | null): string | undefined {
  return header?.split(',')[0]?.trim() || undefined;
}

/** `scheme://host[:port]` lowercased, default port dropped; null for `null`, paths, credentials or junk. */
function normaliseOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#@]+\/?$/i.test(text)) return null;
  return url.origin;
}

function readAllowedOrigins(origins: readonly string[] | undefined): string[] {
  if (origins === undefined) return [];
  if (!Array.isArray(origins)) {
    throw new JobValidationError('allowedOrigins', 'must be an array of origins such as ["https://app.example.com"].');
  }
  return origins.map((entry: unknown) => {
    const origin = typeof entry === 'string' ? normaliseOrigin(entry) : null;
    if (origin === null) {
      throw new JobValidationError(
        'allowedOrigins',
        `${typeof entry === 'string' ? quote(entry) : typeof entry} is not an origin; use scheme://host[:port] such as "https://app.example.com", without a path.`,
      );
    }
    return origin;
  });
}

function forbidden(message: string): HttpError {
  return new HttpError(403, 'forbidden', message);
}
