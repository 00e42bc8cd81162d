import type { CallerScope } from '@jobtrail/core';
import type { DashboardInfoJson } from './dashboard-options.js';

/**
 * A scope field read once, as the jobs API reads it: fields of the object's own class (getters of
 * a session class) count, a value inherited from `Object.prototype` (prototype pollution) does not.
 */
function own(scope: object, field: keyof CallerScope): unknown {
  const value: unknown = (scope as Record<string, unknown>)[field];
  if (value === undefined || Object.hasOwn(scope, field)) return value;
  return Object.hasOwn(Object.prototype, field) ? undefined : value;
}

/**
 * The scope `authorize` returned, in the shape the page shows, or a reason to refuse: the same
 * rules as the jobs API (`null` → 401; a scope that narrows nothing must say `admin: true`).
 */
export function readCallerScope(caller: unknown): DashboardInfoJson['scope'] | 'unauthorized' | 'forbidden' {
  if (caller === null || caller === undefined) return 'unauthorized';
  if (typeof caller !== 'object' || Array.isArray(caller)) {
    throw new TypeError(`authorize() must return a scope object ({ tenantId?, ownerId?, admin? }) or null; got ${Array.isArray(caller) ? 'an array' : typeof caller}.`);
  }
  const tenantId = own(caller, 'tenantId');
  const ownerId = own(caller, 'ownerId');
  const admin = own(caller, 'admin');
  for (const [field, value] of [['tenantId', tenantId], ['ownerId', ownerId]] as const) {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new TypeError(`authorize() returned ${field} ${typeof value}; use a string, null or leave it out.`);
    }
  }
  if (admin !== undefined && typeof admin !== 'boolean') throw new TypeError('authorize() returned a non-boolean admin.');
  if (tenantId === undefined && ownerId === undefined && admin !== true) return 'forbidden';
  return {
    ...(tenantId !== undefined ? { tenantId: tenantId as string | null } : {}),
    ...(ownerId !== undefined ? { ownerId: ownerId as string | null } : {}),
    admin: admin === true,
  };
}
