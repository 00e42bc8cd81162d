import { createElement, createContext, useContext, useEffect, useMemo, useRef, type ReactNode } from 'react';
import { createJobsClient, type HeadersSource, type JobsClient } from '@jobtrail/core/client';

const JobtrailContext = createContext<JobsClient | null>(null);

export interface JobtrailProviderProps {
  /** A client you made with `createJobsClient()`; or give `baseUrl` and the provider makes one. */
  client?: JobsClient;
  /** Where the jobs handler is mounted, e.g. `/api` for `/api/jobs/...`. */
  baseUrl?: string;
  /**
   * Sent with every request when the provider makes the client (e.g. an auth header): an object
   * (compared by value) or a function called per request (the latest one is used).
   */
  headers?: HeadersSource;
  /**
   * How the provider's client keeps up: `'auto'` (default: Server-Sent Events streams where the
   * server offers them, polling where not), `'stream'` or `'poll'` (see `JobsClientOptions.transport`).
   */
  transport?: 'auto' | 'stream' | 'poll';
  children?: ReactNode;
}

/** Gives the hooks below it one jobs client, and so one shared poller per job, list or stats view. */
export function JobtrailProvider({ client, baseUrl, headers, transport, children }: JobtrailProviderProps) {
  if (!client && typeof baseUrl !== 'string') {
    throw new TypeError('<JobtrailProvider> needs a client or a baseUrl, e.g. <JobtrailProvider baseUrl="/api">.');
  }
  // Header objects count by value: new values (another tenant, say) make a new client with empty
  // caches. A headers function is called per request, so the latest one is used without that.
  const latestHeaders = useRef(headers);
  useEffect(() => {
    latestHeaders.current = headers;
  });
  const headersKey = typeof headers === 'function' ? 'function' : JSON.stringify(headers ?? null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: headers count by value (`headersKey`); a headers function is read through latestHeaders
  const value = useMemo(() => {
    if (client) return client;
    const source: HeadersSource | undefined =
      typeof headers === 'function' ? () => (latestHeaders.current as Exclude<HeadersSource, HeadersInit>)() : headers;
    return createJobsClient({ baseUrl: baseUrl!, ...(source !== undefined ? { headers: source } : {}), ...(transport !== undefined ? { transport } : {}) });
  }, [client, baseUrl, headersKey, transport]);
  return createElement(JobtrailContext.Provider, { value }, children);
}

/** The client of the nearest `<JobtrailProvider>`. */
export function useJobsClient(): JobsClient {
  const client = useContext(JobtrailContext);
  if (!client) throw new Error('jobtrail hooks need a <JobtrailProvider baseUrl="/api"> (or client={...}) above them.');
  return client;
}
