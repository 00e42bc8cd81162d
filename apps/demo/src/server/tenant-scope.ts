import { isTenantId, TENANT_COOKIE, TENANT_HEADER, type TenantId } from '../shared/workflows.js';

/**
 * The demo's stand-in for authentication: the page picks a tenant and sends it in a cookie (or a
 * script sends the header). A real app derives the tenant from its session instead. Unknown
 * tenants get no scope at all, so the jobs handler answers 401.
 */
export function tenantOf(request: Request): TenantId | null {
  const fromHeader = request.headers.get(TENANT_HEADER);
  if (fromHeader !== null) return isTenantId(fromHeader) ? fromHeader : null;
  const fromCookie = readCookie(request.headers.get('cookie'), TENANT_COOKIE);
  return isTenantId(fromCookie) ? fromCookie : null;
}

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    if (part.slice(0, separator).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(separator + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
