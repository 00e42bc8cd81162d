import type { JobsHandler } from './jobs-handler-options.js';
import { routeMissResponse } from './responses.js';
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
  /** What a body parser (Express's `express.json()`) made of the body, if one ran. */
  body?: unknown;
}

/** The parts of node:http's ServerResponse (and Express's Response) the adapter writes. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  end(chunk?: Uint8Array | string): unknown;
  readonly headersSent?: boolean;
  /** node:http's streaming write (answers false when the socket's buffer is full). */
  write?(chunk: Uint8Array): boolean;
  /** node:http's events: `drain` (buffer emptied), `close` (the connection ended). */
  once?(event: 'drain' | 'close', listener: () => void): unknown;
  /** node:http's; a wait for `drain` takes its `close` listener off again once drained. */
  removeListener?(event: 'drain' | 'close', listener: () => void): unknown;
  flushHeaders?(): void;
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
 * Only `POST /jobs/retry` and `POST /jobs/cancel` read a body (a JSON filter, at most 16 KiB):
 * streamed from the request as it comes, or, when a body parser already consumed the stream
 * (Express's `express.json()` sets `req.body`), taken from `req.body`. Other routes leave it
 * unread.
 *
 * It routes on the raw request target (`req.originalUrl ?? req.url`): only an origin-form target
 * (`/path?query`) whose path the URL parser keeps byte for byte can reach the handler. Anything
 * else — an absolute-form target (`http://host/jobs`), `*`, a fragment, dot segments
 * (`/jobs/./stats`, `/jobs/%2e/stats`), backslashes, a malformed target (`http://[`) — is not a
 * jobs route: 404 `route_not_found`, or `next()` under Express. Methods the Fetch API cannot carry
 * (`TRACE`, `TRACK`, `CONNECT`) reach the handler under a stand-in name no route accepts, so known
 * routes answer 405 with `Allow`.
 */
export function toNodeHandler(handler: JobsHandler): NodeHandler {
  return async function nodeJobsHandler(request, response, next) {
    let fetchResponse: Response;
    try {
      const fetchRequest = toRequest(request);
      fetchResponse = fetchRequest
        ? await handler(fetchRequest, { req: request, res: response } satisfies NodeContext)
        : routeMissResponse(targetOf(request));
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
    if (fetchResponse.body && isEventStream(fetchResponse) && typeof response.write === 'function' && typeof response.once === 'function') {
      await pipeStream(fetchResponse.body, response as Required<Pick<NodeResponseLike, 'write' | 'once'>> & NodeResponseLike);
      return;
    }
    const body = fetchResponse.body ? new Uint8Array(await fetchResponse.arrayBuffer()) : undefined;
    response.end(body);
  };
}

function isEventStream(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
}

/**
 * Writes an event stream as it comes, waiting for `drain` when the socket is full (so a slow
 * reader holds the events in the stream's bounded buffer, not in memory here), and cancels it
 * when the connection closes (the browser went away), which ends its watch.
 */
async function pipeStream(body: ReadableStream<Uint8Array>, response: Required<Pick<NodeResponseLike, 'write' | 'once'>> & NodeResponseLike): Promise<void> {
  const reader = body.getReader();
  let gone = false;
  response.once('close', () => {
    gone = true;
    void reader.cancel().catch(() => {});
  });
  response.flushHeaders?.();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || gone) break;
      if (!response.write(value)) await drainedOrClosed(response);
    }
  } catch {
    // The stream failed or was cancelled: end the response below.
  }
  if (!gone) response.end();
}

/**
 * Resolves on `drain` or `close`, whichever comes first, and takes the other listener off: a slow
 * reader makes a stream wait for `drain` again and again, and listeners left behind would pile up
 * on the response for the stream's whole life.
 */
function drainedOrClosed(response: Required<Pick<NodeResponseLike, 'once'>> & NodeResponseLike): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      response.removeListener?.('drain', done);
      response.removeListener?.('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}

/** Methods `new Request()` refuses (forbidden by the Fetch standard), and anything not a token. */
const FETCH_FORBIDDEN_METHOD = /^(?:connect|trace|track)$/i;
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What such a method is called towards the handler: a valid token that no jobs route accepts. */
const UNSUPPORTED_METHOD = 'UNSUPPORTED-METHOD';

function targetOf(request: NodeRequestLike): string {
  return request.originalUrl ?? request.url ?? '/';
}

/** The Fetch request, or null when the target cannot be a jobs route (see {@link toNodeHandler}). */
function toRequest(request: NodeRequestLike): Request | null {
  const target = targetOf(request);
  // A fragment is never sent by clients; the URL parser would drop it (and an empty one silently).
  if (!target.startsWith('/') || target.includes('#')) return null;
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const protocol = (request.socket as { encrypted?: boolean } | null | undefined)?.encrypted ? 'https' : 'http';
  // The path is appended to an origin, never resolved against one: `new URL('//host/jobs', base)`
  // would read `host` as an authority.
  const url = parseUrl(`${originOf(protocol, headers.get('host'))}${target}`);
  if (!url || url.pathname !== target.split('?')[0]) return null;
  const method = request.method ?? 'GET';
  const usable = METHOD_TOKEN.test(method) && !FETCH_FORBIDDEN_METHOD.test(method);
  const hasBody = usable && method !== 'GET' && method !== 'HEAD' && (headers.has('content-length') || headers.has('transfer-encoding'));
  if (!hasBody) return new Request(url, { method: usable ? method : UNSUPPORTED_METHOD, headers });
  const parsed = parsedBody(request);
  if (parsed !== undefined) {
    headers.delete('content-length');
    headers.delete('transfer-encoding');
    return new Request(url, { method, headers, body: parsed });
  }
  // `duplex: 'half'` is what Node's fetch requires of a streamed request body.
  return new Request(url, { method, headers, body: bodyStream(request), duplex: 'half' } as RequestInit);
}

/**
 * The body a parser already read, as JSON text; undefined when the stream is still to be read.
 * body-parser marks a body it consumed with `req._body = true`; without that mark, `req.body` is
 * only a default (`{}`) and the stream still holds the body.
 */
function parsedBody(request: NodeRequestLike): string | undefined {
  const marked = (request as { _body?: unknown })._body === true;
  if (!marked || request.body === undefined) return undefined;
  return typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
}

/** The stream side of node:http's IncomingMessage that {@link bodyStream} uses. */
interface NodeBodySource {
  on(event: 'data' | 'end' | 'error', listener: (arg: never) => void): unknown;
  off(event: 'data' | 'end' | 'error', listener: (arg: never) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/**
 * The request's bytes as a web stream. Nothing is read until the handler reads the body: a route
 * that never does leaves it to node:http, which discards it once the response is sent. A
 * handler that stops early (a body over the limit) leaves the rest flowing to nowhere, never a
 * destroyed socket: the client still gets the answer.
 */
function bodyStream(request: NodeRequestLike): ReadableStream<Uint8Array> | null {
  const source = request as unknown as Partial<NodeBodySource>;
  if (typeof source.on !== 'function' || typeof source.off !== 'function' || typeof source.pause !== 'function' || typeof source.resume !== 'function') {
    return null;
  }
  const body = source as NodeBodySource;
  let detach: (() => void) | undefined;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (detach === undefined) {
        const encoder = new TextEncoder();
        const onData = (chunk: Uint8Array | string) => {
          controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) body.pause();
        };
        const onEnd = () => {
          detach?.();
          controller.close();
        };
        const onError = (error: unknown) => {
          detach?.();
          controller.error(error);
        };
        detach = () => {
          body.off('data', onData);
          body.off('end', onEnd);
          body.off('error', onError);
        };
        body.on('data', onData);
        body.on('end', onEnd);
        body.on('error', onError);
      }
      body.resume();
    },
    cancel() {
      detach?.();
      body.resume();
    },
  });
}

/**
 * `protocol://host` from the Host header, or `protocol://localhost` when it is missing or is not
 * a bare host[:port] (a Host such as `evil/jobs?` must not become part of the path).
 */
function originOf(protocol: string, host: string | null): string {
  const url = host ? parseUrl(`${protocol}://${host}`) : null;
  const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !/[/?#@\\]/.test(host!);
  return bare ? url.origin : `${protocol}://localhost`;
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
