import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTracker, MemoryJobStore, type CallerScope, type Tracker } from '@jobtrail/core';
import express from 'express';
import { createDashboardHandler, toNodeHandler, type DashboardOptions } from '../src/index.js';

export const MOUNT = '/admin/jobs';

/**
 * "Now" for the seeded jobs and the page alike (the page's clock is fixed to it), so relative
 * times, charts and screenshots are the same on every run.
 */
export const SEED_NOW = Date.parse('2026-11-30T12:00:00.000Z');

/** The scope from the `x-tenant` header (`admin` for every job); none → signed out. */
export function authorizeByHeader(request: Request): CallerScope | null {
  const tenant = request.headers.get('x-tenant');
  if (!tenant) return null;
  return tenant === 'admin' ? { admin: true } : { tenantId: tenant };
}

export interface DashboardServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The page's URL: `<origin>/admin/jobs/`. */
  url: string;
  tracker: Tracker;
  close(): Promise<void>;
}

/**
 * A tracker whose clock stands still at `SEED_NOW` once seeding is done, over a memory store
 * (the store contract suite holds every store to the same behaviour; the page is what is tested).
 */
export function createSeedTracker(): { tracker: Tracker; setNow(ms: number): void } {
  let now = SEED_NOW;
  const tracker = createTracker({
    store: new MemoryJobStore(),
    clock: { now: () => now, setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout) },
    clockSync: false,
    // No worker here: what the page shows must stay as seeded (a stalled lease stays stalled).
    recoverIntervalMs: false,
  });
  return { tracker, setNow: (ms) => { now = ms; } };
}

/** The dashboard mounted at {@link MOUNT} in plain node:http or in Express, on a free port. */
export async function startDashboardServer(
  tracker: Tracker,
  mount: 'node' | 'express',
  options: Partial<DashboardOptions> = {},
): Promise<DashboardServer> {
  const dashboard = createDashboardHandler({ tracker, authorize: authorizeByHeader, basePath: MOUNT, ...options });
  let server: Server;
  if (mount === 'node') {
    server = createServer(toNodeHandler(dashboard));
  } else {
    const app = express();
    app.get('/', (_request, response) => {
      response.type('text').send('the host app');
    });
    // Mounted under its path; the handler routes on `originalUrl`, so it sees the whole path.
    app.use(MOUNT, toNodeHandler(dashboard));
    app.use((_request, response) => {
      response.status(404).type('text').send('express 404');
    });
    server = createServer(app);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}${MOUNT}/`,
    tracker,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
