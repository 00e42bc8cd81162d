import type { JobsHandler } from './jobs-handler-options.js';
import { routeMisses } from './routes.js';

/**
 * The parts of node:http's IncomingMessage (and Express's Request) the adapter reads. Structural,
 * so core's types need no Node typings.
 */
export interface NodeRequestLike {
  method?: string | undefined;
  url?: string | undefined;
  /** Express: the URL before `app.use(path, ...)` stripped its mount path. */
  originalUrl?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** node:http's socket; a TLS socket has `encrypted: true`. */
  socket?: unknown;
}

/** The parts of node:http's ServerResponse (and Express's Response) the adapter writes. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  end(chunk?: Uint8Array | string): unknown;
  readonly headersSent?: boolean;
}

/** What `authorize(request, context)` gets as `context` under `toNodeHandler`. */
export interface NodeContext {
  req: NodeRequestLike;
  res: NodeResponseLike;
}

export type NodeHandler = (request: NodeRequestLike, response: NodeResponseLike, next?: (error?: unknown) => void) => Promise<void>;

/**
 * Adapts a Fetch handler to node:http and Express: `http.createServer(toNodeHandler(handler))` or
 * `app.use(toNodeHandler(handler))`. Under Express, paths that are not jobs routes go to `next()`.
 * Jobs routes take no request body, so none is read.
 */
export function toNodeHandler(handler: JobsHandler): NodeHandler {
  return async function nodeJobsHandler(request, response, next) {
    let fetchResponse: Response;
    try {
      fetchResponse = await handler(toRequest(request), { req: request, res: response } satisfies NodeContext);
    } catch (error) {
      if (next) return next(error);
      if (!response.headersSent) {
        response.statusCode = 500;
        response.setHeader('content-type', 'application/json; charset=utf-8');
      }
      response.end(JSON.stringify({ error: { code: 'internal_error', message: 'The jobs endpoint failed.' } }));
      return;
    }
    if (next && routeMisses.has(fetchResponse)) return next();
    response.statusCode = fetchResponse.status;
    fetchResponse.headers.forEach((value, name) => {
      response.setHeader(name, value);
    });
    const body = fetchResponse.body ? new Uint8Array(await fetchResponse.arrayBuffer()) : undefined;
    response.end(body);
  };
}

function toRequest(request: NodeRequestLike): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const protocol = (request.socket as { encrypted?: boolean } | null | undefined)?.encrypted ? 'https' : 'http';
  const path = request.originalUrl ?? request.url ?? '/';
  let url: URL;
  try {
    url = new URL(path, `${protocol}://${headers.get('host') ?? 'localhost'}`);
  } catch {
    // A malformed Host header must not turn into a 500: routing only needs the path.
    url = new URL(path, `${protocol}://localhost`);
  }
  return new Request(url, { method: request.method ?? 'GET', headers });
}
