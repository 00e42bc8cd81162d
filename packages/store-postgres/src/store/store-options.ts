import type { QueryEvent } from '../connection/sql-executor.js';
import type { TypeOrmDataSource } from '../typeorm/typeorm-types.js';

export interface PostgresJobStoreOptions {
  /** Your TypeORM DataSource (`type: 'postgres'`), initialised before the store is used. */
  dataSource: TypeOrmDataSource;
  /** Schema of the job table. Default: the DataSource's `schema` option, else `public`. */
  schema?: string;
  /** Name of the job table. Default `jobtrail_jobs`. */
  tableName?: string;
  /**
   * Wake subscribed workers through LISTEN/NOTIFY (one extra connection per store, opened on the
   * first `subscribe`). Default true.
   */
  listen?: boolean;
  /**
   * While the LISTEN connection is down, wake subscribers this often so workers keep finding
   * work (they also poll on their own). Default 1000 ms.
   */
  fallbackPollMs?: number;
  /**
   * Checks the idle LISTEN connection with a `SELECT 1` this often, and reopens it when the answer
   * takes longer than `listenHeartbeatTimeoutMs`: a half-open connection (frozen proxy, NAT
   * timeout) otherwise stops wake-ups without any error. Default 30,000 ms; 0 turns it off.
   */
  listenHeartbeatMs?: number;
  /** Default 10,000 ms. */
  listenHeartbeatTimeoutMs?: number;
  /**
   * Most calls (transitions, heartbeats, inserts) coalesced into one statement. Default 500.
   * Set 1 to turn coalescing off.
   */
  maxBatchSize?: number;
  /** Most coalesced statements of one kind running at once. Default 4. */
  maxBatchesInFlight?: number;
  /**
   * `'full'` (default): settles, progress and metric writes wait for the WAL flush when they
   * commit. `'relaxed'`: they commit with `synchronous_commit = off` (for their own transaction
   * only; your connections are unaffected) — several times the throughput, but if the PostgreSQL
   * server crashes, the last few hundred milliseconds of those writes can be lost, so a finished
   * job may run again. Enqueues (inserts) always commit durably. With both, claims and lease
   * renewals do not wait for the flush: if the server crashes (not a clean stop), a claim of the
   * last ~200 ms can be undone while its handler runs. The worker then takes the job back (at its
   * next heartbeat, or with its outcome), unless another worker claims it first, in which case
   * the handler runs twice. `'strict'`: claims and lease renewals wait for the flush too, so a
   * server crash never undoes one (about 8% lower throughput on a no-op benchmark).
   */
  durability?: 'full' | 'relaxed' | 'strict';
  /** Use named (server-side prepared) statements for hot paths. Default true. */
  preparedStatements?: boolean;
  /** Called after every statement the store runs: for metrics and profiling. */
  onQuery?: (event: QueryEvent) => void;
  /** Called with errors nobody awaits (a dropped LISTEN connection). Default: ignored. */
  onError?: (error: unknown) => void;
}
