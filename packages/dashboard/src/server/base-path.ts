import { JobValidationError } from '@jobtrail/core';

/** `/segment(/segment)*` of URL-safe characters: what a mount path can be without escaping. */
const BASE_PATH = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)*$/;

/**
 * The checked mount path: `''` (the site's root) or `/admin/jobs`, no trailing slash, no dot
 * segments, nothing a URL parser would rewrite (so the path the browser sends is the one matched).
 *
 * @throws {JobValidationError} `basePath` for anything else.
 */
export function checkBasePath(basePath: unknown): string {
  if (typeof basePath !== 'string') {
    throw new JobValidationError('basePath', `must be a string such as '/admin/jobs' (or '' for the site root); got ${typeof basePath}.`);
  }
  const dotSegment = basePath.split('/').some((segment) => segment === '.' || segment === '..');
  if (!BASE_PATH.test(basePath) || dotSegment) {
    throw new JobValidationError(
      'basePath',
      `must be '' or a path such as '/admin/jobs': starting with '/', no trailing '/', no '.' or '..' segments, no characters that need escaping; got ${JSON.stringify(basePath)}.`,
    );
  }
  return basePath;
}
