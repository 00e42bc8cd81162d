/** The one interface every system under test implements, so each workload runs the same code on all. */

export interface BenchEnv {
  postgresUrl: string;
  /** Null when redis-server is not installed: BullMQ is skipped. */
  redis: { host: string; port: number } | null;
  /** Redis' cumulative write counter (parent process only). */
  redisChanges?: () => Promise<number>;
}

/**
 * `default`: the system's out-of-the-box settings. `low-latency`: the settings its documentation
 * gives for the lowest pick-up latency.
 */
export type SettingsMode = 'default' | 'low-latency';

export interface BenchPayload {
  i: number;
}

/** What a handler can do with the job it runs. */
export interface JobControl {
  /** The system's own job id, for `readProgress`. */
  id: string;
  /** Reports progress 0..1 through the system's progress API; absent when it has none. */
  progress?: (fraction: number) => void | Promise<void>;
}

export type BenchHandler = (payload: BenchPayload, control: JobControl) => void | Promise<void>;

export interface WorkerSpec {
  concurrency: number;
  handler: BenchHandler;
}

export interface RunningWorker {
  stop(): Promise<void>;
}

/** Serialisable address of one fresh queue/schema, so child processes can attach to it. */
export type SystemRef = Record<string, string>;

export interface SystemUnderTest {
  readonly ref: SystemRef;
  /** Bulk enqueue through the system's batch API when it has one. */
  enqueueMany(payloads: readonly BenchPayload[]): Promise<void>;
  enqueue(payload: BenchPayload): Promise<void>;
  startWorker(spec: WorkerSpec): Promise<RunningWorker>;
  /** Jobs of this run that are finished successfully (the store's view, not the handler's). */
  completedCount(): Promise<number>;
  /** Latest progress the store holds for a job, as any poller would read it; null if unknown. */
  readProgress(id: string): Promise<number | null>;
  /** Closes connections. `drop` also deletes the run's schema/queue. */
  close(options?: { drop?: boolean }): Promise<void>;
}

export interface SystemFactory {
  readonly name: string;
  /** What "store writes" counts for this system. */
  readonly writesUnit: 'rows' | 'redis changes';
  /** Whether a handler can report progress through the system's own API. */
  readonly progressApi: boolean;
  /** Why the system cannot run here, or null when it can. */
  unavailable(env: BenchEnv): Promise<string | null>;
  /** Settings used in a mode, for the report. */
  describeSettings(mode: SettingsMode): string;
  /** A fresh schema/queue (migrated), or with `ref` an existing one created by another process. */
  create(env: BenchEnv, mode: SettingsMode, ref?: SystemRef): Promise<SystemUnderTest>;
  /** Cumulative write counter of the run's storage (read after `close()`, see rowsWritten). */
  writes(env: BenchEnv, ref: SystemRef): Promise<number>;
  /** Deletes the run's schema/queue after its writes were read. */
  dispose(env: BenchEnv, ref: SystemRef): Promise<void>;
}
