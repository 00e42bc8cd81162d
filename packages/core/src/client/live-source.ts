import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { JobJson, JobListResponse, JobResponse } from '../http/wire-types.js';
import type { PollTimers } from './environment.js';

/** What a live source tells the poller of its resource. */
export interface LiveHandlers<T> {
  /** The stream is open: the poller stops polling while it stays open. */
  onOpen(): void;
  /** The resource's new state, from an event. */
  onData(data: T): void;
  /** The resource may have changed in a way events cannot say: read it afresh over JSON. */
  onStale(): void;
  /**
   * The stream ended. `unsupported`: the server cannot stream (an older server, or a store
   * without a change feed): poll from now on and do not try again.
   */
  onDown(unsupported: boolean): void;
}

/** A stream that keeps one resource up to date; `open` answers the function that closes it. */
export interface LiveSource<T> {
  open(handlers: LiveHandlers<T>, current: () => T | undefined): () => void;
}

/** How a live source reaches the server: the client's fetch, headers and credentials. */
export interface StreamTransport {
  fetch: typeof fetch;
  url(path: string): string;
  headers(): Promise<Headers>;
  credentials: RequestCredentials;
  timers: PollTimers;
}

/** Error codes that mean "this server cannot stream", not "this stream failed". */
const UNSUPPORTED_CODES = new Set(['route_not_found', 'streams_unavailable', 'method_not_allowed']);

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

function parseData<T>(event: EventSourceMessage): T | undefined {
  try {
    return JSON.parse(event.data) as T;
  } catch {
    return undefined;
  }
}

/** One job (`/jobs/:id`): `GET /jobs/:id/stream` sends the job now and after each change. */
export function jobLiveSource(transport: StreamTransport, jobPath: string): LiveSource<JobResponse> {
  return {
    open(handlers) {
      let opened = false;
      return openEventStream(
        transport,
        `${jobPath}/stream`,
        (event) => {
          if (!opened) {
            opened = true;
            handlers.onOpen();
          }
          const body = event.event === 'job' ? parseData<JobResponse>(event) : undefined;
          if (body?.job) handlers.onData({ job: body.job });
          else if (event.event === 'reset') handlers.onStale();
        },
        (unsupported) => handlers.onDown(unsupported),
      );
    },
  };
}

/**
 * A page of jobs (`/jobs?…`): `GET /jobs/stream?<its filters>`. A job already on the page is
 * updated in place while its status stays (progress, stage: the frequent changes, no request);
 * anything else (a new job, a status change that may move it in or out, a reset) reads the page
 * afresh, at most once per `minRefetchMs`.
 */
export function listLiveSource(transport: StreamTransport, streamPath: string, minRefetchMs: number): LiveSource<JobListResponse> {
  return {
    open(handlers, current) {
      const stale = throttle(transport.timers, minRefetchMs, () => handlers.onStale());
      const close = openEventStream(
        transport,
        streamPath,
        (event) => {
          if (event.event === 'ready') {
            handlers.onOpen();
            // Changes between the last read and the stream's start are not replayed.
            handlers.onStale();
            return;
          }
          if (event.event !== 'job') {
            if (event.event === 'reset') stale.run();
            return;
          }
          const job = parseData<{ job: JobJson }>(event)?.job;
          const page = current();
          const index = job && page ? page.jobs.findIndex((listed) => listed.id === job.id) : -1;
          if (job && page && index >= 0 && page.jobs[index]!.status === job.status) {
            handlers.onData({ ...page, jobs: page.jobs.map((listed, at) => (at === index ? job : listed)) });
          } else stale.run();
        },
        (unsupported) => {
          stale.cancel();
          handlers.onDown(unsupported);
        },
      );
      return () => {
        stale.cancel();
        close();
      };
    },
  };
}

/** Active jobs and stats: any change may move a count, so each event reads afresh, throttled. */
export function refetchLiveSource<T>(transport: StreamTransport, streamPath: string, minRefetchMs: number): LiveSource<T> {
  return {
    open(handlers) {
      const stale = throttle(transport.timers, minRefetchMs, () => handlers.onStale());
      const close = openEventStream(
        transport,
        streamPath,
        (event) => {
          if (event.event === 'ready') {
            handlers.onOpen();
            handlers.onStale();
          } else stale.run();
        },
        (unsupported) => {
          stale.cancel();
          handlers.onDown(unsupported);
        },
      );
      return () => {
        stale.cancel();
        close();
      };
    },
  };
}

/** Runs `fn` at once, then at most once per `ms` (a call in between runs once when it ends). */
function throttle(timers: PollTimers, ms: number, fn: () => void): { run(): void; cancel(): void } {
  let timer: unknown;
  let pending = false;
  const release = () => {
    timer = undefined;
    if (pending) {
      pending = false;
      fn();
      timer = timers.setTimeout(release, ms);
    }
  };
  return {
    run() {
      if (timer !== undefined) {
        pending = true;
        return;
      }
      fn();
      timer = timers.setTimeout(release, ms);
    },
    cancel() {
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      pending = false;
    },
  };
}
