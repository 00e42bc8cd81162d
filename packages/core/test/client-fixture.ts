// Test support shared by the client tests (not exported from the package).
import { serve, type TestServer } from './serve.js';
import { createJobsHandler } from '../src/http/create-jobs-handler.js';
import type { JobsHandlerOptions } from '../src/http/jobs-handler-options.js';
import { toNodeHandler } from '../src/http/to-node-handler.js';
import { MemoryJobStore } from '../src/memory/memory-job-store.js';
import { createFakeClock, type FakeClock } from '../src/testing/fake-clock.js';
import { createTracker, type Tracker } from '../src/tracker/tracker.js';
import type { VisibilitySource } from '../src/client/environment.js';
import { createJobsClient, type JobsClient, type JobsClientOptions } from '../src/client/jobs-client.js';

export interface FakeVisibility extends VisibilitySource {
  set(hidden: boolean): void;
}

export function fakeVisibility(): FakeVisibility {
  let hidden = false;
  const listeners = new Set<() => void>();
  return {
    isHidden: () => hidden,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(value) {
      hidden = value;
      for (const listener of [...listeners]) listener();
    },
  };
}

export interface ClientFixture {
  server: TestServer;
  tracker: Tracker;
  clock: FakeClock;
  visibility: FakeVisibility;
  client: JobsClient;
  /** When set, the server answers every request with this status (an outage). */
  failWith: { status: number | null };
  /** Requests for `path` (exact `url`, query included) received so far. */
  hits(path: string): number;
  close(): Promise<void>;
}

/**
 * A real node:http server with the jobs handler over a memory store (tenant from `x-tenant`), and
 * a client whose pollers run on a fake clock, so tests say exactly when each poll falls due.
 */
export async function startClientFixture(
  clientOptions: Partial<JobsClientOptions> = {},
  handlerOptions: Partial<JobsHandlerOptions> = {},
): Promise<ClientFixture> {
  const tracker = createTracker({ store: new MemoryJobStore(), progressIntervalMs: 0 });
  const handler = toNodeHandler(
    createJobsHandler({
      tracker,
      basePath: '/api',
      authorize: (request) => {
        const tenantId = request.headers.get('x-tenant');
        return tenantId ? { tenantId } : null;
      },
      ...handlerOptions,
    }),
  );
  const failWith: { status: number | null } = { status: null };
  const server = await serve((request, response) => {
    if (failWith.status !== null) {
      response.statusCode = failWith.status;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ error: { code: 'unavailable', message: 'Down for maintenance.' } }));
      return;
    }
    void handler(request, response);
  });
  const clock = createFakeClock(Date.UTC(2026, 5, 1));
  const visibility = fakeVisibility();
  const client = createJobsClient({
    baseUrl: `${server.url}/api`,
    headers: { 'x-tenant': 'tenant-a' },
    timers: clock,
    visibility,
    // The polling tests pin polling; the streaming tests ask for 'auto' or 'stream'.
    transport: 'poll',
    ...clientOptions,
  });
  return {
    server,
    tracker,
    clock,
    visibility,
    client,
    failWith,
    hits: (path) => server.requests.filter((request) => request.url === path).length,
    close: () => server.close(),
  };
}
