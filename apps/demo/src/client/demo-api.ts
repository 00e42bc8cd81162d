import type { DemoInfo } from '../shared/demo-info.js';
import { DEMO_API_BASE, DEFAULT_TENANT, isTenantId, TENANT_COOKIE, type TenantId, type WorkflowName } from '../shared/workflows.js';

/** The tenant the page acts as, remembered in the cookie the server scopes every request by. */
export function readTenant(): TenantId {
  const match = document.cookie.split('; ').find((part) => part.startsWith(`${TENANT_COOKIE}=`));
  const value = match?.slice(TENANT_COOKIE.length + 1);
  return isTenantId(value) ? value : DEFAULT_TENANT;
}

export function writeTenant(tenant: TenantId): void {
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser; this is one plain preference cookie, read back by readTenant
  document.cookie = `${TENANT_COOKIE}=${tenant}; path=/; SameSite=Lax; max-age=31536000`;
}

export async function fetchInfo(signal?: AbortSignal): Promise<DemoInfo> {
  const response = await fetch(`${DEMO_API_BASE}/info`, { signal: signal ?? null });
  if (!response.ok) throw new Error(`The demo server answered ${response.status}`);
  return (await response.json()) as DemoInfo;
}

export async function startWorkflow(name: WorkflowName): Promise<{ id: string; type: string }> {
  const response = await fetch(`${DEMO_API_BASE}/workflows/${name}`, { method: 'POST' });
  const body = (await response.json()) as { job?: { id: string; type: string }; error?: { message: string } };
  if (!response.ok || !body.job) throw new Error(body.error?.message ?? `The demo server answered ${response.status}`);
  return body.job;
}
