import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { PollTimers } from './environment.js';

/** How a live source reaches the server: the client's fetch, headers and credentials. */
export interface StreamTransport {
  fetch: typeof fetch;
  url(path: string): string;
  headers(): Promise<Headers>;
  credentials: RequestCredentials;
  timers: PollTimers;
}

/**
 * Error codes that mean "this server cannot stream", not "this stream failed". `invalid_input`:
 * a server from before streams reads `/jobs/stream` as `/jobs/:id` with the id `stream` (the
 * client's stream path has no parameters, so a current server never answers it so).
 */
const UNSUPPORTED_CODES = new Set(['route_not_found', 'streams_unavailable', 'method_not_allowed', 'invalid_input']);

/**
 * Opens `GET path` as a Server-Sent Events stream over `fetch` (so the client's headers, e.g.
 * an `authorization`, go with it, which `EventSource` cannot send) and parses it with
 * `eventsource-parser`. Calls `onEvent` per event and `onDown` once when it ends.
 */
export function openEventStream(
  transport: StreamTransport,
  path: string,
  onEvent: (event: EventSourceMessage) => void,
  onDown: (unsupported: boolean) => void,
): () => void {
  const abort = new AbortController();
  let ended = false;
  const end = (unsupported: boolean) => {
    if (ended) return;
    ended = true;
    if (!abort.signal.aborted) onDown(unsupported);
  };
  void (async () => {
    try {
      const headers = await transport.headers();
      headers.set('accept', 'text/event-stream');
      const response = await transport.fetch(transport.url(path), { headers, credentials: transport.credentials, signal: abort.signal, cache: 'no-store' });
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok || !type.startsWith('text/event-stream') || !response.body) {
        const text = await response.text().catch(() => '');
        return end(response.status === 501 || UNSUPPORTED_CODES.has(errorCode(text)));
      }
      const parser = createParser({ onEvent });
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      end(false);
    } catch {
      end(false);
    }
  })();
  return () => {
    ended = true;
    abort.abort();
  };
}

function errorCode(text: string): string {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : '';
  } catch {
    return '';
  }
}
