import {
  backoff,
  createTracker,
  createWorker,
  type HandlerDefinition,
  type JobHandler,
  type Tracker,
  type TrackerOptions,
  type Worker,
} from '@jobtrail/core';
import { PostgresJobStore, type PostgresJobStoreOptions } from '@jobtrail/store-postgres';
import { DataSource } from 'typeorm';

export const FAULT_JOB = 'faults.job';

export interface StackOptions {
  /** Store options beyond the connection (e.g. the LISTEN heartbeat). */
  store?: Partial<Omit<PostgresJobStoreOptions, 'dataSource' | 'schema'>>;
  url: string;
  schema: string;
  /**
   * node-postgres pool settings (TypeORM passes `extra` to pg.Pool). The only way a pg client
   * notices a frozen (half-open) connection is an application timer: `query_timeout` (client
   * side) fails a query that gets no answer; `statement_timeout` is enforced by the server and
   * so cannot help when the server is unreachable; TCP keepalive (`keepAlive`) only detects a
   * peer whose kernel stopped answering, not a stalled path that still ACKs.
   */
  extra?: Record<string, unknown>;
  /** Retry fast and often: faults may hit one job several times. */
  maxAttempts?: number;
  /** More tracker options (its lease, its recovery interval). */
  tracker?: Omit<TrackerOptions, 'store'>;
}

export interface FaultStack {
  dataSource: DataSource;
  store: PostgresJobStore;
  tracker: Tracker;
  close(): Promise<void>;
}

/** DataSource → PostgresJobStore → tracker, as an app would wire them. */
export async function openStack(options: StackOptions): Promise<FaultStack> {
  const dataSource = new DataSource({ type: 'postgres', url: options.url, ...(options.extra ? { extra: options.extra } : {}) });
  await dataSource.initialize();
  const store = new PostgresJobStore({ dataSource, schema: options.schema, fallbackPollMs: 250, ...options.store });
  const tracker = createTracker({ store, backoff: backoff.fixed(50), maxAttempts: options.maxAttempts ?? 50, ...options.tracker });
  return {
    dataSource,
    store,
    tracker,
    close: async () => {
      await tracker.close().catch(() => {});
      await store.close().catch(() => {});
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => {});
    },
  };
}

export interface WorkerSettings {
  /** The job type the worker handles. Default FAULT_JOB. */
  jobType?: string;
  concurrency?: number;
  leaseMs?: number;
  heartbeatMs?: number;
  pollIntervalMs?: number;
  recoverIntervalMs?: number;
}

/** A handler that counts its runs per job number (payload `{ n }`) and takes a moment, like real work. */
export function countRuns(runs: Map<number, number>): JobHandler {
  return async (ctx) => {
    const { n } = ctx.job.payload as { n: number };
    runs.set(n, (runs.get(n) ?? 0) + 1);
    await new Promise((resolve) => setTimeout(resolve, 2));
  };
}

export function startWorker(stack: FaultStack, handler: JobHandler | HandlerDefinition, settings: WorkerSettings = {}): Worker {
  const leaseMs = settings.leaseMs ?? 2000;
  const worker = createWorker({
    tracker: stack.tracker,
    handlers: { [settings.jobType ?? FAULT_JOB]: handler },
    concurrency: settings.concurrency ?? 10,
    leaseMs,
    ...(settings.heartbeatMs !== undefined ? { heartbeatMs: settings.heartbeatMs } : {}),
    pollIntervalMs: settings.pollIntervalMs ?? 200,
    recoverIntervalMs: settings.recoverIntervalMs ?? Math.floor(leaseMs / 4),
    shutdownGraceMs: 2000,
  });
  worker.start();
  return worker;
}
