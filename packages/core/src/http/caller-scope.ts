import type { JobScope } from '../model/job.js';
import type { CallerScope } from './jobs-handler-options.js';

/** What `authorize` returned, as the jobs API reads it (see {@link readCallerScope}). */
export type CallerScopeReading =
  | { ok: true; scope: JobScope; admin: boolean }
  | { ok: false; status: 401; code: 'unauthorized'; message: string }
  | { ok: false; status: 403; code: 'forbidden'; message: string };

/**
 * One field of what `authorize` returned, read once. A value that comes from `Object.prototype`
 * counts as absent: a polluted prototype (`Object.prototype.admin = true`, a classic of
 * prototype-pollution bugs) must never widen a scope. Fields of the object's own class (getters
 * of a session class) count as given.
 */
function scopeField(given: CallerScope, field: keyof CallerScope): unknown {
  const value: unknown = given[field];
  if (value === undefined || Object.hasOwn(given, field)) return value;
  return Object.hasOwn(Object.prototype, field) ? undefined : value;
}

/**
 * Reads what `authorize` returned by the jobs API's rules, for a host that answers beside it (a
 * page, a route of its own) and must refuse exactly whom the API refuses. Each field is read once,
 * so a getter or Proxy cannot show the guard one value and the query another; a field whose value
 * is `undefined` counts as absent. `null`/`undefined` → 401 `unauthorized`; a scope that narrows
 * nothing (no `tenantId`, no `ownerId`) without `admin: true` → 403 `forbidden`; `admin` only lifts
 * that rule, given fields still narrow.
 *
 * @throws {TypeError} when `authorize` returned something malformed (not an object, a non-string
 *   `tenantId`/`ownerId`, a non-boolean `admin`): a bug in `authorize`, answered as a 500.
 */
export function readCallerScope(caller: unknown): CallerScopeReading {
  if (caller === null || caller === undefined) {
    return { ok: false, status: 401, code: 'unauthorized', message: 'Sign in to see jobs.' };
  }
  if (typeof caller !== 'object' || Array.isArray(caller)) {
    throw new TypeError(`authorize() must return a scope object ({ tenantId?, ownerId?, admin? }) or null; got ${Array.isArray(caller) ? 'an array' : typeof caller}.`);
  }
  const given = caller as CallerScope;
  const scope: JobScope = {};
  for (const field of ['tenantId', 'ownerId'] as const) {
    const value = scopeField(given, field);
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') {
      throw new TypeError(`authorize() returned ${field} ${typeof value}; use a string, null or leave it out.`);
    }
    scope[field] = value;
  }
  const admin = scopeField(given, 'admin');
  if (admin !== undefined && typeof admin !== 'boolean') {
    throw new TypeError('authorize() returned a non-boolean admin.');
  }
  if (scope.tenantId === undefined && scope.ownerId === undefined && admin !== true) {
    return {
      ok: false,
      status: 403,
      code: 'forbidden',
      message: 'This caller has no tenant or owner scope. authorize() must return { tenantId } and/or { ownerId }, or { admin: true } to see every job.',
    };
  }
  return { ok: true, scope, admin: admin === true };
}
