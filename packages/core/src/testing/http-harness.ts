import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createJobsHandler } from '../http/create-jobs-handler.js';
import type { CallerScope, JobsHandlerOptions } from '../http/jobs-handler-options.js';
import { toNodeHandler } from '../http/to-node-handler.js';
import type { JobStore } from '../store/job-store.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import type { TrackerOptions } from '../tracker/tracker-options.js';

/** Request headers the harness's default `authorize` reads the caller's scope from. */
export const CALLER_HEADERS = { tenant: 'x-test-tenant', owner: 'x-test-owner', admin: 'x-test-admin' } as const;

/** Headers that make the default `authorize` see `scope` (`null` is sent as the literal `null`). */
export function callerHeaders(scope: CallerScope): Record<string, string> {
  const headers: Record<string, string> = {};
  if (scope.tenantId !== undefined) headers[CALLER_HEADERS.tenant] = scope.tenantId ?? 'null';
  if (scope.ownerId !== undefined) headers[CALLER_HEADERS.owner] = scope.ownerId ?? 'null';
  if (scope.admin) headers[CALLER_HEADERS.admin] = 'true';
  return headers;
}

/** The default `authorize`: the scope from {@link CALLER_HEADERS}; no such header → 401. */
function scopeFromHeaders(request: Request): CallerScope | null {
  const read = (name: string): string | null | undefined => {
    const value = request.headers.get(name);
    if (value === null) return undefined;
    return value === 'null' ? null : value;
  };
  const scope: CallerScope = {};
  const tenantId = read(CALLER_HEADERS.tenant);
  const ownerId = read(CALLER_HEADERS.owner);
  if (tenantId !== undefined) scope.tenantId = tenantId;
  if (ownerId !== undefined) scope.ownerId = ownerId;
  if (request.headers.get(CALLER_HEADERS.admin) === 'true') scope.admin = true;
  return Object.keys(scope).length === 0 ? null : scope;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields directly and assert them; the wire shape is what is under test
  body: any;
}

export interface JobsServer {
  tracker: Tracker;
  /** `http://127.0.0.1:<port>`, with no trailing slash. */
  origin: string;
  /** `fetch` against the server: `path` starts with `/` (the handler is mounted at the root). */
  request(path: string, init?: RequestInit & { scope?: CallerScope }): Promise<HttpAnswer>;
  /**
   * Sends `head` byte for byte (a request line and headers, no body) over a new socket and
   * answers the status and body: for request lines `fetch` would normalise or refuse.
   */
  raw(head: string): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

export interface JobsServerOptions extends Partial<Omit<JobsHandlerOptions, 'tracker'>> {
  tracker?: Partial<TrackerOptions>;
}

/**
 * A real `node:http` server running `createJobsHandler` through `toNodeHandler`, over a tracker on
 * `store`. By default the caller's scope comes from {@link callerHeaders}; pass `authorize` to
 * test another rule. Close it (it closes the tracker, not the store).
 */
export async function startJobsServer(store: JobStore, options: JobsServerOptions = {}): Promise<JobsServer> {
  const { tracker: trackerOptions, ...handlerOptions } = options;
  const tracker = createTracker({ store, recoverIntervalMs: false, ...trackerOptions });
  const handler = createJobsHandler({
    authorize: scopeFromHeaders,
    onError: () => {},
    ...handlerOptions,
    tracker,
  });
  const server: Server = createServer(toNodeHandler(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  async function request(path: string, init: RequestInit & { scope?: CallerScope } = {}): Promise<HttpAnswer> {
    const { scope, headers, ...rest } = init;
    const response = await fetch(`${origin}${path}`, {
      ...rest,
      headers: { ...(scope ? callerHeaders(scope) : {}), ...(headers as Record<string, string> | undefined) },
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, text, body };
  }

  function raw(head: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? Number.NaN);
        resolve({ status, text: text.slice(text.indexOf('\r\n\r\n') + 4) });
      });
      socket.write(head.endsWith('\r\n\r\n') ? head : `${head.replace(/(\r\n)?$/, '')}\r\nConnection: close\r\n\r\n`);
    });
  }

  return {
    tracker,
    origin,
    request,
    raw,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tracker.close();
    },
  };
}
