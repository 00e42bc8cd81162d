import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJobsHandler, createTracker, MemoryJobStore, toNodeHandler, type Tracker } from '@jobtrail/core';
import { createJobsClient, type JobsClient } from '@jobtrail/core/client';
import { createFakeClock, type FakeClock } from '@jobtrail/core/testing';

export interface Fixture {
  url: string;
  tracker: Tracker;
  /** Drives the client's poll timers. */
  clock: FakeClock;
  client: JobsClient;
  /** Requests the server received, as `METHOD /path?query`. */
  requests: string[];
  /** When set, the server answers every request with this status. */
  failWith: { status: number | null };
  hits(path: string): number;
  close(): Promise<void>;
}

/**
 * A real node:http server with the jobs handler over a memory store (tenant from `x-tenant`) and a
 * client for tenant-a whose poll timers run on a fake clock. Visibility is jsdom's `document`.
 * `trackerClock`: the tracker's own clock (schedules fall due when the test moves it); default real time.
 */
export async function startFixture(options: { trackerClock?: FakeClock; transport?: 'auto' | 'stream' | 'poll' } = {}): Promise<Fixture> {
  const tracker = createTracker({
    store: new MemoryJobStore(),
    progressIntervalMs: 0,
    ...(options.trackerClock ? { clock: options.trackerClock } : {}),
  });
  const handler = toNodeHandler(
    createJobsHandler({
      tracker,
      basePath: '/api',
      authorize: (request) => {
        const tenantId = request.headers.get('x-tenant');
        return tenantId ? { tenantId } : null;
      },
    }),
  );
  const requests: string[] = [];
  const failWith: { status: number | null } = { status: null };
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    if (failWith.status !== null) {
      response.statusCode = failWith.status;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ error: { code: 'unavailable', message: 'Down for maintenance.' } }));
      return;
    }
    void handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clock = createFakeClock(Date.UTC(2026, 5, 1));
  // The polling tests pin polling; the streaming test asks for 'auto'.
  const client = createJobsClient({ baseUrl: `${url}/api`, headers: { 'x-tenant': 'tenant-a' }, timers: clock, transport: options.transport ?? 'poll' });
  return {
    url,
    tracker,
    clock,
    client,
    requests,
    failWith,
    hits: (path) => requests.filter((request) => request === `GET ${path}`).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let hidden = false;
/** Sets jsdom's `document.hidden` and fires `visibilitychange`, as a browser does on a tab switch. */
export function setPageHidden(value: boolean): void {
  hidden = value;
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  document.dispatchEvent(new Event('visibilitychange'));
}
