import { serve, type TestServer } from '../../test/serve.js';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import { createJobsHandler } from './create-jobs-handler.js';
import type { CallerScope, JobsHandlerOptions } from './jobs-handler-options.js';
import { toNodeHandler } from './to-node-handler.js';

/** The fake clock's start in every handler test. */
export const T0 = Date.UTC(2026, 5, 1, 12);

/** The test's authentication: `x-tenant`, `x-owner`, `x-admin` headers; none → 401. */
function headerAuth(request: Request): CallerScope | null {
  const tenant = request.headers.get('x-tenant');
  const owner = request.headers.get('x-owner');
  const admin = request.headers.get('x-admin') === 'yes';
  if (!tenant && !owner && !admin) return null;
  return { ...(tenant ? { tenantId: tenant } : {}), ...(owner ? { ownerId: owner } : {}), ...(admin ? { admin } : {}) };
}

/** A running handler, its tracker and clock, and `get`/`post` to its server. */
export interface Fixture {
  server: TestServer;
  tracker: Tracker;
  clock: ReturnType<typeof createFakeClock>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, headers?: Record<string, string>): Promise<Response>;
}

/** A handler over a fresh tracker (memory store, fake clock at `T0`) under `/api`, served by a real `node:http` server. */
export async function start(options: Partial<JobsHandlerOptions> = {}): Promise<Fixture> {
  const clock = createFakeClock(T0);
  const tracker = createTracker({ store: new MemoryJobStore(), clock });
  const handler = createJobsHandler({ tracker, authorize: headerAuth, basePath: '/api', ...options });
  const server = await serve(toNodeHandler(handler));
  return {
    server,
    tracker,
    clock,
    get: (path, headers = {}) => fetch(server.url + path, { headers }),
    post: (path, headers = {}) => fetch(server.url + path, { method: 'POST', headers }),
  };
}

/** Callers of tenant a, tenant b, and an admin, as headers `headerAuth` reads. */
export const A = { 'x-tenant': 'tenant-a' };
export const B = { 'x-tenant': 'tenant-b' };
export const ADMIN = { 'x-admin': 'yes' };
