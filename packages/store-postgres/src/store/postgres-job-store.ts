import { JobValidationError, StoreError, isTerminal, type Job, type JobStatus } from '@jobtrail/core';
import {
  checkReadOptions,
  metricOverflowError,
  type ActivityBucket,
  type ActivityQuery,
  type ClaimRequest,
  type Expectation,
  type InsertOptions,
  type InsertResult,
  type InsertManyResult,
  type NewJobBatch,
  type JobPatch,
  type JobStore,
  type ProgressPatch,
  type PruneRequest,
  type ReadOptions,
  type ScheduleInsertResult,
  type SchedulePatch,
  type ScheduleQuery,
  type ScheduleRecord,
  type ScheduleStore,
  type ScheduleUpdateResult,
  type StatusCount,
  type StoreFilter,
  type StoreLimits,
  type StoreQuery,
  type StoreQueryResult,
  type StoreWakeEvent,
  type TransitionResult,
  type FlowStore,
  type JobChange,
  type JobChangeListener,
  type TypeControl,
  type TypeControlWrite,
} from '@jobtrail/core/store';
import { Batcher, type Outcome } from '../batching/batcher.js';
import {
  PoolExecutor,
  QueryRunnerExecutor,
  type PostgresDriverLike,
  type SqlExecutor,
} from '../connection/sql-executor.js';
import type { Statement } from '../connection/statement.js';
import { quotedArrayLiteral } from '../connection/array-literal.js';
import { isDedupeViolation, mapPgError } from '../errors/map-pg-error.js';
import { mapFlowError } from '../errors/map-flow-error.js';
import { mapScheduleError } from '../errors/map-schedule-error.js';
import { JOB_COLUMN_NAMES, NEW_JOB_COLUMNS, NEW_JOB_COLUMNS_NO_METADATA } from '../mapping/job-columns.js';
import { batchColumnArrays, batchTypesDueAt } from '../mapping/batch-columns.js';
import { hasNoMetadata, isNewJob, isNewJobRecord, toColumnArrays, toJobRecord, toJsonText, type ColumnArrays, type JobRecord } from '../mapping/job-record.js';
import { compareClaimOrder, toJob, toJobRead, type JobRow, type MeasuredRow } from '../mapping/job-row.js';
import { toTypeControl, typeLimitsParams, type TypeLimitsRow } from '../mapping/type-limits-row.js';
import { toScheduleInput, toSchedulePatchInput, toScheduleRecord, type ScheduleRow } from '../mapping/schedule-row.js';
import { matchesExpectation, reactivatesKey, toTransitionInput, type TransitionInput } from '../mapping/transition-input.js';
import { runMigrations, type MigrateResult } from '../migrations/migrate.js';
import { resolveTableNames, type TableNames } from '../naming/table-names.js';
import type { ListenClient, ListenerStatus } from '../notify/wake-listener.js';
import { WakeHub } from '../notify/wake-hub.js';
import { ChangeFeed } from '../notify/change-feed.js';
import { changeRoutingStatement } from '../sql/change-routing.js';
import { changeListenerSql } from '../sql/change-listeners.js';
import { claimStatement } from '../sql/claim.js';
import { flowClaimStatement } from '../sql/flow-claim.js';
import { findExpiredStatement } from '../sql/find-expired.js';
import { buildGet, getStatement } from '../sql/get.js';
import { heartbeatStatement } from '../sql/heartbeat.js';
import { incrementMetricsStatement } from '../sql/increment-metrics.js';
import { dedupeHoldersStatement, insertBatchStatement, insertNewStatement, insertStatement } from '../sql/insert.js';
import { pruneStatement } from '../sql/prune.js';
import {
  deleteScheduleStatement,
  dueSchedulesStatement,
  getScheduleStatement,
  insertScheduleStatement,
  listSchedulesStatement,
  nextScheduleRunAtStatement,
  updateScheduleStatement,
  type ScheduleListShape,
} from '../sql/schedules.js';
import { buildCount, buildQuery, buildSumMetrics } from '../sql/query.js';
import { buildActivity, type ActivityRow } from '../sql/activity.js';
import { serverTimeStatement } from '../sql/server-time.js';
import { keyHolderStatement, transitionStatement } from '../sql/transition.js';
import {
  controlledTypesStatement,
  countGroupStartsStatement,
  countStartsStatement,
  getTypeLimitsStatement,
  insertTypeLimitsStatement,
  listTypeLimitsStatement,
  updateTypeLimitsStatement,
} from '../sql/type-limits.js';
import { updateProgressStatement } from '../sql/update-progress.js';
import type { TypeOrmDataSource } from '../typeorm/typeorm-types.js';
import { indexedText, requireInt, storableText } from '../validation/checks.js';
import type { PostgresJobStoreOptions } from './store-options.js';
import { CommitWatch } from './commit-watch.js';
import { ControlledTypes } from './controlled-types.js';
import { transactionQueryRunner } from './transaction-runner.js';

const DEFAULT_PRUNE_LIMIT = 1000;
/** A deduped insert or refused retry whose key holder finished meanwhile is simply tried again. */
const MAX_KEY_RACE_RETRIES = 5;
/** A missed increment whose snapshot does not explain the miss (the row changed meanwhile) is tried again. */
const MAX_INCREMENT_ROUNDS = 5;
/**
 * How old the set of controlled types may be before a claim reads it again. Only how soon a type
 * that became controlled elsewhere, with the notification missed, is claimed by its own claim
 * (until then the plain claim leaves it alone).
 */
const CONTROLLED_TYPES_MAX_AGE_MS = 1000;
/**
 * A schedule write refused for a row that is gone (or back at the expected version) when read
 * just after, because it was deleted (and inserted again) in between, is tried again.
 */
const MAX_SCHEDULE_RACE_ROUNDS = 5;
/**
 * Longest a write waits for a new change subscriber's LISTEN to be in place (see
 * `ChangeFeed.settling`): only while the first LISTEN is set up, never in steady state.
 */
const CHANGE_SETTLE_TIMEOUT_MS = 5000;
/**
 * Longest a new change subscription waits, before its first `{ gap: true }`, for the transactions
 * that wrote before it registered to end (see `WakeListener.waitForHorizon`).
 */
const CHANGE_HORIZON_WAIT_MS = 2000;

interface Statements {
  /**
   * By shape (see `insertShape`): the column list (all, or those of jobs as core drafts them:
   * `NEW_JOB_COLUMNS`), whether any job has a key, and whether it is one job; made on first use.
   */
  insert: Map<string, Statement>;
  /** `insertMany` of new jobs without keys (see `insertNewStatement`), with and without metadata. */
  insertNew: Statement;
  insertNewBare: Statement;
  /** `insertNewJobs` (see `insertBatchStatement`), with and without metadata. */
  insertBatch: Statement;
  insertBatchBare: Statement;
  holders: Statement;
  get: Statement;
  transition: Statement;
  keyHolder: Statement;
  claim: Statement;
  flowClaim: Statement;
  heartbeat: Statement;
  findExpired: Statement;
  updateProgress: Statement;
  incrementMetrics: Statement;
  prune: Statement;
  serverTime: Statement;
  insertSchedule: Statement;
  getSchedule: Statement;
  dueSchedules: Statement;
  nextScheduleRunAt: Statement;
  updateSchedule: Statement;
  deleteSchedule: Statement;
  getTypeLimits: Statement;
  listTypeLimits: Statement;
  controlledTypes: Statement;
  insertTypeLimits: Statement;
  updateTypeLimits: Statement;
  countStarts: Statement;
  countGroupStarts: Statement;
  changeRouting: Statement;
  /** By shape (see `listStatement`): six texts in all, made on first use. */
  listSchedules: Map<string, Statement>;
}

interface HeartbeatItem {
  owner: string;
  ids: string[];
  expiresAt: Date;
}

type Row = JobRow & { applied?: boolean };

/**
 * The jobtrail store for PostgreSQL, over your TypeORM DataSource. Every operation is one
 * parameterised statement on the DataSource's connection pool; concurrent inserts, transitions
 * and heartbeats of one process are coalesced into shared statements.
 *
 * @example
 * const store = new PostgresJobStore({ dataSource });
 * await store.migrate();
 * const tracker = createTracker({ store });
 */
export class PostgresJobStore implements JobStore, ScheduleStore, FlowStore {
  /** Schema, table and derived names this store works on. */
  readonly names: TableNames;
  /**
   * PostgreSQL holds at most 268,435,455 bytes in one jsonb value: a payload and a metadata
   * object are each limited to 120 MiB. Larger values are refused by core before any SQL runs, so
   * never inside your transaction. Jobs inserted together send their payloads as one jsonb array
   * (their metadata as another): an `insertMany` whose payloads add up to more than PostgreSQL's
   * limit fails as a whole (split it); coalesced single enqueues are then retried one by one.
   */
  readonly limits: StoreLimits = { maxJsonBytes: 120 * 1024 * 1024 };
  private readonly dataSource: TypeOrmDataSource;
  private readonly pool: PoolExecutor;
  private readonly sql: Statements;
  private readonly inserts: Batcher<JobRecord, InsertResult>;
  private readonly transitions: Batcher<TransitionInput, TransitionResult>;
  private readonly heartbeats: Batcher<HeartbeatItem, string[]>;
  private readonly hub: WakeHub;
  private readonly feed: ChangeFeed;
  private readonly listening: boolean;
  private readonly onQuery: PostgresJobStoreOptions['onQuery'];
  private readonly commits: CommitWatch;
  private readonly controlled: ControlledTypes;
  private isClosed = false;

  constructor(options: PostgresJobStoreOptions) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new JobValidationError('options', 'must be an object like { dataSource }.');
    }
    const dataSource = options.dataSource;
    if (dataSource === null || typeof dataSource !== 'object' || typeof dataSource.createQueryRunner !== 'function') {
      throw new JobValidationError('dataSource', 'must be a TypeORM DataSource (`new DataSource({ type: "postgres", ... })`).');
    }
    if (dataSource.options?.type !== 'postgres') {
      throw new JobValidationError('dataSource', `must use the "postgres" driver; got "${String(dataSource.options?.type)}".`);
    }
    this.dataSource = dataSource;
    this.commits = new CommitWatch(dataSource);
    this.names = resolveTableNames(options.schema ?? dataSource.options.schema, options.tableName);
    this.onQuery = options.onQuery;
    const prepared = options.preparedStatements ?? true;
    const onError = options.onError ?? (() => {});
    this.pool = new PoolExecutor(dataSource, prepared, options.onQuery);
    const durability = options.durability ?? 'full';
    if (durability !== 'full' && durability !== 'relaxed' && durability !== 'strict') {
      throw new JobValidationError('durability', `must be 'full', 'relaxed' or 'strict'; got ${String(durability)}.`);
    }
    const relaxed = durability === 'relaxed';
    const strict = durability === 'strict';
    const n = this.names;
    this.sql = {
      insert: new Map(),
      insertNew: insertNewStatement(n, NEW_JOB_COLUMNS),
      insertNewBare: insertNewStatement(n, NEW_JOB_COLUMNS_NO_METADATA),
      insertBatch: insertBatchStatement(n, true),
      insertBatchBare: insertBatchStatement(n, false),
      holders: dedupeHoldersStatement(n),
      get: getStatement(n),
      transition: transitionStatement(n, relaxed),
      keyHolder: keyHolderStatement(n),
      claim: claimStatement(n, strict),
      flowClaim: flowClaimStatement(n, strict),
      heartbeat: heartbeatStatement(n, strict),
      findExpired: findExpiredStatement(n),
      updateProgress: updateProgressStatement(n, relaxed),
      incrementMetrics: incrementMetricsStatement(n, relaxed),
      prune: pruneStatement(n),
      serverTime: serverTimeStatement(),
      insertSchedule: insertScheduleStatement(n),
      getSchedule: getScheduleStatement(n),
      dueSchedules: dueSchedulesStatement(n),
      nextScheduleRunAt: nextScheduleRunAtStatement(n),
      updateSchedule: updateScheduleStatement(n),
      deleteSchedule: deleteScheduleStatement(n),
      getTypeLimits: getTypeLimitsStatement(n),
      listTypeLimits: listTypeLimitsStatement(n),
      controlledTypes: controlledTypesStatement(n),
      insertTypeLimits: insertTypeLimitsStatement(n),
      updateTypeLimits: updateTypeLimitsStatement(n),
      countStarts: countStartsStatement(n),
      countGroupStarts: countGroupStartsStatement(n),
      changeRouting: changeRoutingStatement(n),
      listSchedules: new Map(),
    };
    const maxBatchSize = requireInt('maxBatchSize', options.maxBatchSize ?? 500, 1, 10_000);
    const maxInFlight = requireInt('maxBatchesInFlight', options.maxBatchesInFlight ?? 4, 1, 100);
    this.inserts = new Batcher((items) => this.insertBatch(this.pool, items), { maxBatchSize, maxInFlight });
    this.transitions = new Batcher((items) => this.transitionBatch(items), {
      maxBatchSize,
      maxInFlight,
      keyOf: (item) => item.id,
    });
    this.heartbeats = new Batcher((items) => this.heartbeatBatch(items), { maxBatchSize, maxInFlight });
    this.controlled = new ControlledTypes(async () => {
      const { rows } = await this.runFlow(this.sql.controlledTypes, []);
      return (rows as Array<{ type: string }>).map((row) => row.type);
    }, CONTROLLED_TYPES_MAX_AGE_MS);
    this.listening = options.listen !== false;
    const changeSql = changeListenerSql(n);
    this.feed = new ChangeFeed({
      setWanted: (wanted) => this.hub.setChangesWanted(wanted),
      isReconnecting: () => this.hub.status.state === 'waiting',
      readRouting: (ids) => this.readChangeRouting(ids),
      onError,
      settleTimeoutMs: CHANGE_SETTLE_TIMEOUT_MS,
    });
    this.hub = new WakeHub({
      channel: n.channel,
      changes: {
        channel: n.changes.channel,
        registerSql: changeSql.register,
        unregisterSql: changeSql.unregister,
        horizonWaitMs: CHANGE_HORIZON_WAIT_MS,
        onPayload: (payload) => this.feed.heard(payload),
        onRegistered: () => this.feed.registered(),
        onReady: () => this.feed.listening(),
        onLost: () => this.feed.lost(),
      },
      scheduleChannel: n.schedules.channel,
      flowChannel: n.flow.channel,
      onFlowChange: () => this.controlled.invalidate(),
      createClient: options.listen === false ? null : () => this.createListenClient(),
      fallbackPollMs: requireInt('fallbackPollMs', options.fallbackPollMs ?? 1000, 10, 3_600_000),
      listenHeartbeatMs: requireInt('listenHeartbeatMs', options.listenHeartbeatMs ?? 30_000, 0, 3_600_000),
      listenHeartbeatTimeoutMs: requireInt('listenHeartbeatTimeoutMs', options.listenHeartbeatTimeoutMs ?? 10_000, 10, 3_600_000),
      onError,
    });
  }

  /**
   * Creates or upgrades the job table: applies the missing numbered migrations in one
   * transaction under an advisory lock, so any number of processes may call it at start-up.
   */
  async migrate(): Promise<MigrateResult> {
    if (this.isClosed) throw new StoreError('This PostgresJobStore is closed; create a new store to keep working.');
    try {
      return await runMigrations(this.pool.pool(), this.names);
    } catch (error) {
      throw mapPgError(error, this.names, 'migrate');
    }
  }

  /** The LISTEN connection's state (for health checks and tests). */
  get listener(): ListenerStatus {
    return this.hub.status;
  }

  // ---- writes ----------------------------------------------------------------------------------

  async insert(job: Job, options?: InsertOptions): Promise<InsertResult> {
    const record = toJobRecord(job);
    const settling = this.feed.settling;
    if (settling !== null) await settling;
    if (options?.transaction !== undefined && options.transaction !== null) {
      const runner = transactionQueryRunner(options.transaction);
      const executor = new QueryRunnerExecutor(runner, this.onQuery);
      const [outcome] = await this.insertBatch(executor, [record]);
      const result = unwrap(outcome!);
      const committed = result.created ? this.commits.watch(runner) : undefined;
      return committed ? { ...result, committed } : result;
    }
    const result = await this.inserts.add(record);
    if (result.created && isClaimableNow(result.job)) this.hub.wake(result.job.type);
    return result;
  }

  /**
   * One multi-row `INSERT … ON CONFLICT DO NOTHING` for all `jobs` (core sends at most
   * `MAX_INSERT_MANY`), then one read of the holders of the keys it skipped: two round trips at
   * most, whatever the count. One statement, so all or nothing: a refused job (an id that exists)
   * fails the call with nothing inserted. Wakes workers once per type (NOTIFY at commit).
   */
  async insertMany(jobs: readonly Job[], options?: InsertOptions): Promise<InsertManyResult> {
    // New jobs without keys (what core drafts for most bulk enqueues) go to column arrays straight
    // from the jobs; the others through a record each.
    const direct = jobs.every(isNewJob) && jobs.every((job) => job.key == null);
    const records = direct ? null : jobs.map(toJobRecord);
    const settling = this.feed.settling;
    if (settling !== null) await settling;
    const inTransaction = options?.transaction !== undefined && options.transaction !== null;
    const runner = inTransaction ? transactionQueryRunner(options.transaction) : undefined;
    const executor = runner === undefined ? this.pool : new QueryRunnerExecutor(runner, this.onQuery);
    const results = records === null ? await this.insertNew(executor, jobs) : (await this.insertBatch(executor, records, 1, true)).map(unwrap);
    if (runner !== undefined) {
      const committed = results.some((result) => result.created) ? this.commits.watch(runner) : undefined;
      return committed ? { results, committed } : { results };
    }
    // From the jobs as sent, not the answers: those are built only when read (see `lazyCreated`).
    const now = Date.now();
    const woken = new Set<string>();
    for (let index = 0; index < results.length; index++) {
      const job = jobs[index]!;
      if (results[index]!.created && isClaimableAt(job, now)) woken.add(job.type);
    }
    for (const type of woken) this.hub.wake(type);
    return { results };
  }

  /**
   * `insertMany` of new keyless jobs given as columns (see `NewJobBatch`): the batch's arrays are
   * encoded straight into `insertNewStatement`'s parameters, with no job or record per item.
   * One statement, all or nothing; workers woken once per type (NOTIFY at commit).
   *
   * Like every store method, it trusts its caller to pass what core checked: core's own batches,
   * through the tracker or `guardStore` (which checks any other batch in full). The column checks
   * here are only those the table needs (lengths of indexed text, uuids, integer ranges).
   */
  async insertNewJobs(batch: NewJobBatch, options?: InsertOptions): Promise<InsertManyResult> {
    const settling = this.feed.settling;
    if (settling !== null) await settling;
    const inTransaction = options?.transaction !== undefined && options.transaction !== null;
    const runner = inTransaction ? transactionQueryRunner(options.transaction) : undefined;
    const executor = runner === undefined ? this.pool : new QueryRunnerExecutor(runner, this.onQuery);
    let storedJob: (index: number) => Job;
    try {
      const columns = batchColumnArrays(batch);
      storedJob = columns.storedJob;
      const sql = columns.withMetadata ? this.sql.insertBatch : this.sql.insertBatchBare;
      const wake = batchTypesDueAt(batch, batch.createdAt);
      await executor.run(sql, [...columns.params, this.names.channel, quotedArrayLiteral(wake.length, (index) => wake[index])], batch.length);
    } catch (error) {
      throw mapPgError(error, this.names, 'insertNewJobs');
    }
    const results = new Array<InsertResult>(batch.length);
    for (let index = 0; index < batch.length; index++) results[index] = lazyCreated(storedJob, index);
    if (runner !== undefined) {
      const committed = batch.length > 0 ? this.commits.watch(runner) : undefined;
      return committed ? { results, committed } : { results };
    }
    for (const type of batchTypesDueAt(batch, Date.now())) this.hub.wake(type);
    return { results };
  }

  async transition(id: string, expected: Expectation, patch: JobPatch): Promise<TransitionResult> {
    const input = toTransitionInput(id, expected, patch);
    const settling = this.feed.settling;
    if (settling !== null) await settling;
    const result = await this.transitions.add(input);
    if (result.ok && isClaimableNow(result.job)) this.hub.wake(result.job.type);
    return result;
  }

  async claim(request: ClaimRequest): Promise<Job[]> {
    const owner = indexedText('owner', request.owner);
    const { now, leaseExpiresAt } = request;
    const limit = requireInt('limit', request.limit, 0);
    const types: string[] = [];
    const counts: number[] = [];
    for (const [type, count] of Object.entries(request.limits)) {
      if (requireInt(`limits.${type}`, count, 0) > 0) {
        types.push(type);
        counts.push(count);
      }
    }
    if (limit === 0 || types.length === 0) return [];
    const settling = this.feed.settling;
    if (settling !== null) await settling;
    // Types without limits keep today's one statement; a request naming a controlled type goes to
    // the flow claim, which claims its other types the plain way in the same call.
    const controlled = await this.controlled.anyOf(types);
    const sql = controlled ? this.sql.flowClaim : this.sql.claim;
    const values = [types, counts, now, limit, owner, leaseExpiresAt];
    let rows: unknown[];
    try {
      rows = (await this.pool.run(sql, values)).rows;
    } catch (error) {
      throw mapFlowError(error, this.names, 'claim');
    }
    return (rows as JobRow[]).map(toJob).sort(compareClaimOrder);
  }

  async heartbeat(owner: string, ids: readonly string[], expiresAt: Date): Promise<string[]> {
    indexedText('owner', owner);
    return this.heartbeats.add({ owner, ids: ids.length > 1 ? [...new Set(ids)] : [...ids], expiresAt });
  }

  async updateProgress(id: string, patch: ProgressPatch, owner?: string | null, attempt?: number): Promise<boolean> {
    const { progress, stage, current, total } = patch;
    const fence = attempt == null ? null : requireInt('attempt', attempt, 0);
    const settling = this.feed.settling;
    if (settling !== null) await settling;
    const { rowCount } = await this.run(this.pool, this.sql.updateProgress, [
      id,
      progress !== undefined,
      progress ?? null,
      stage !== undefined,
      stage ?? null,
      current !== undefined,
      current ?? null,
      total !== undefined,
      total ?? null,
      patch.updatedAt,
      owner ?? null,
      fence,
    ]);
    return rowCount > 0;
  }

  async incrementMetrics(
    id: string,
    deltas: Readonly<Record<string, number>>,
    updatedAt: Date,
    owner?: string | null,
    attempt?: number,
  ): Promise<Record<string, number> | null | 'finished' | 'stale'> {
    const leaseOwner = owner ?? null;
    const fence = attempt == null ? null : requireInt('attempt', attempt, 0);
    const fenced = leaseOwner !== null || fence !== null;
    const params = [id, toJsonText('deltas', deltas), updatedAt, leaseOwner, fence];
    const settling = this.feed.settling;
    if (settling !== null) await settling;
    for (let round = 0; round < MAX_INCREMENT_ROUNDS; round++) {
      const { rows } = await this.run(this.pool, this.sql.incrementMetrics, params);
      const row = rows[0] as IncrementRow | undefined;
      if (row === undefined || row.status === null) return null;
      if (row.metrics !== null) return row.metrics;
      // Not written. The status, owner and attempt come from the statement's snapshot: when they
      // explain why (finished, or not the fenced attempt), that is the answer. When they do not,
      // the row changed while the UPDATE waited for it (finished, cancelled, recovered, or
      // deleted by a concurrent prune): ask again, on a fresh snapshot.
      if (isTerminal(row.status)) return 'finished';
      if (fenced && !runsFencedAttempt(row, leaseOwner, fence)) return 'stale';
      if (row.overflow !== null) throw metricOverflowError(row.overflow);
    }
    throw new StoreError(`Job ${id} kept changing while its metrics were incremented; increment them again.`);
  }

  async prune(request: PruneRequest): Promise<number> {
    const limit = requireInt('limit', request.limit ?? DEFAULT_PRUNE_LIMIT, 1);
    const statuses: string[] = [];
    const cutOffs: Date[] = [];
    for (const [status, date] of Object.entries(request.before ?? {})) {
      if (date === undefined) continue;
      statuses.push(status);
      cutOffs.push(date);
    }
    if (statuses.length === 0) return 0;
    const { rowCount } = await this.run(this.pool, this.sql.prune, [statuses, cutOffs, limit]);
    return rowCount;
  }

  // ---- reads -----------------------------------------------------------------------------------

  async get(id: string, options?: ReadOptions): Promise<Job | null> {
    const { scope, plan } = checkReadOptions(options);
    if (options === undefined) {
      const { rows } = await this.run(this.pool, this.sql.get, [id]);
      return rows.length === 0 ? null : toJob(rows[0] as JobRow);
    }
    const built = buildGet(this.names, id, scope, plan);
    const { rows } = await this.run(this.pool, built.statement, built.params);
    return rows.length === 0 ? null : toJobRead(rows[0] as JobRow & MeasuredRow, plan);
  }

  async findExpired(now: Date, limit: number): Promise<Job[]> {
    const { rows } = await this.run(this.pool, this.sql.findExpired, [now, requireInt('limit', limit, 0)]);
    return (rows as JobRow[]).map(toJob);
  }

  async query(filter: StoreQuery): Promise<StoreQueryResult> {
    const built = buildQuery(this.names, filter);
    const { rows } = await this.run(this.pool, built.statement, built.params);
    const jobs = (rows as (JobRow & MeasuredRow)[]).slice(0, filter.limit).map((row) => toJobRead(row, built.plan));
    const nextCursor = rows.length > filter.limit ? jobs[jobs.length - 1]!.id : null;
    return { jobs, nextCursor };
  }

  async count(filter: StoreFilter): Promise<StatusCount[]> {
    const built = buildCount(this.names, filter);
    const { rows } = await this.run(this.pool, built.statement, built.params);
    return (rows as StatusCount[]).map((row) => ({ type: row.type, status: row.status, count: Number(row.count) }));
  }

  async sumMetrics(filter: StoreFilter): Promise<Record<string, number>> {
    const built = buildSumMetrics(this.names, filter);
    const { rows } = await this.run(this.pool, built.statement, built.params);
    const sums: Record<string, number> = {};
    for (const row of rows as Array<{ name: string; total: number | string }>) sums[row.name] = Number(row.total);
    return sums;
  }

  /** See `JobStore.activity`: one statement, buckets numbered from `since`. */
  async activity(query: ActivityQuery): Promise<ActivityBucket[]> {
    const built = buildActivity(this.names, query);
    const { rows } = await this.run(this.pool, built.statement, built.params);
    const since = query.since.getTime();
    const buckets = new Map<number, ActivityBucket>();
    for (const row of rows as ActivityRow[]) {
      const index = Number(row.bucket);
      let bucket = buckets.get(index);
      if (bucket === undefined) {
        bucket = { start: new Date(since + index * query.bucketMs), started: 0, completed: 0, failed: 0, waitMsAvg: null, waitMsMax: null };
        buckets.set(index, bucket);
      }
      bucket[row.kind] = Number(row.n);
      if (row.kind === 'started') {
        bucket.waitMsAvg = row.wait_avg === null ? null : Number(row.wait_avg);
        bucket.waitMsMax = row.wait_max === null ? null : Number(row.wait_max);
      }
    }
    return [...buckets.values()];
  }

  /**
   * The database server's clock (`clock_timestamp()`: the time the statement runs, not the start
   * of a transaction). Core measures each process's offset to it, so every process judges leases
   * and due times on this one clock.
   */
  async serverTime(): Promise<Date> {
    const { rows } = await this.run(this.pool, this.sql.serverTime, []);
    const value = (rows[0] as { now?: Date | string } | undefined)?.now;
    const time = value instanceof Date ? value : new Date(value ?? Number.NaN);
    if (!Number.isFinite(time.getTime())) {
      throw new StoreError(`PostgreSQL answered ${String(value)} for clock_timestamp(), not a time.`);
    }
    return time;
  }

  // ---- schedules -------------------------------------------------------------------------------

  /**
   * Inserts a schedule unless one of its name exists (then answers that one, `exists`). Concurrent
   * inserts of one name from any number of processes: the primary key lets exactly one write.
   */
  async insertSchedule(record: ScheduleRecord): Promise<ScheduleInsertResult> {
    const input = toScheduleInput(record);
    for (let round = 1; ; round++) {
      const { rows } = await this.runSchedule(this.sql.insertSchedule, [input, this.names.schedules.channel]);
      if (rows.length > 0) {
        const schedule = toScheduleRecord(rows[0] as ScheduleRow);
        this.hub.wakeSchedule(schedule.name);
        return { ok: true, schedule };
      }
      // Its name is taken. Read the holder in a statement of its own: the insert's snapshot
      // predates a holder committed while the insert waited for it.
      const current = await this.getSchedule(record.name);
      if (current !== null) return { ok: false, reason: 'exists', current };
      // Deleted between the two statements: the name is free again.
      if (round >= MAX_SCHEDULE_RACE_ROUNDS) {
        throw new StoreError(`Schedule "${record.name}" kept being inserted and deleted by others while it was inserted; insert it again.`);
      }
    }
  }

  async getSchedule(name: string): Promise<ScheduleRecord | null> {
    const { rows } = await this.runSchedule(this.sql.getSchedule, [storableText('name', name)]);
    return rows.length === 0 ? null : toScheduleRecord(rows[0] as ScheduleRow);
  }

  async listSchedules(query: ScheduleQuery): Promise<ScheduleRecord[]> {
    const shape: ScheduleListShape = {
      tenant: query.tenantId === undefined ? 'any' : query.tenantId === null ? 'none' : 'one',
      after: query.after !== undefined,
    };
    const params: unknown[] = [];
    if (typeof query.tenantId === 'string') params.push(storableText('tenantId', query.tenantId));
    if (query.after !== undefined) params.push(storableText('after', query.after));
    params.push(query.limit);
    const { rows } = await this.runSchedule(this.listStatement(shape), params);
    return (rows as ScheduleRow[]).map(toScheduleRecord);
  }

  async dueSchedules(now: Date, limit: number): Promise<ScheduleRecord[]> {
    const { rows } = await this.runSchedule(this.sql.dueSchedules, [now, limit]);
    return (rows as ScheduleRow[]).map(toScheduleRecord);
  }

  async nextScheduleRunAt(): Promise<Date | null> {
    const { rows } = await this.runSchedule(this.sql.nextScheduleRunAt, []);
    const value = (rows[0] as { next_run_at?: Date | string | null } | undefined)?.next_run_at;
    return value == null ? null : value instanceof Date ? value : new Date(value);
  }

  /**
   * Compare-and-set on `version`: one UPDATE whose WHERE holds the expected version, then, when it
   * wrote nothing, a read that tells a missing schedule from a lost race.
   */
  async updateSchedule(name: string, expectedVersion: number, patch: SchedulePatch): Promise<ScheduleUpdateResult> {
    const params = [storableText('name', name), expectedVersion, toSchedulePatchInput(patch), this.names.schedules.channel];
    for (let round = 1; ; round++) {
      const { rows } = await this.runSchedule(this.sql.updateSchedule, params);
      if (rows.length > 0) {
        this.hub.wakeSchedule(name);
        return { ok: true, schedule: toScheduleRecord(rows[0] as ScheduleRow) };
      }
      const current = await this.getSchedule(name);
      if (current === null) return { ok: false, reason: 'not_found' };
      // At the expected version after all: it was deleted and inserted again between the two
      // statements (a new schedule starts at version 1), so the update may apply now.
      if (current.version !== expectedVersion || round >= MAX_SCHEDULE_RACE_ROUNDS) return { ok: false, reason: 'conflict', current };
    }
  }

  async deleteSchedule(name: string, expectedVersion?: number): Promise<boolean> {
    const { rows } = await this.runSchedule(this.sql.deleteSchedule, [
      storableText('name', name),
      this.names.schedules.channel,
      expectedVersion === undefined ? null : String(expectedVersion),
    ]);
    if (rows.length === 0) return false;
    this.hub.wakeSchedule(name);
    return true;
  }

  // ---- flow control ----------------------------------------------------------------------------

  async getTypeControl(type: string): Promise<TypeControl | null> {
    const { rows } = await this.runFlow(this.sql.getTypeLimits, [type]);
    return rows.length === 0 ? null : toTypeControl(rows[0] as TypeLimitsRow);
  }

  async listTypeControls(): Promise<TypeControl[]> {
    const { rows } = await this.runFlow(this.sql.listTypeLimits, []);
    return (rows as TypeLimitsRow[]).map(toTypeControl);
  }

  /**
   * Compare-and-set: an INSERT that writes nothing when the type has a record (expected null), or
   * an UPDATE whose WHERE holds the expected version; when nothing was written, a read of the
   * record that stands. Records are never deleted, so a lost insert always finds one.
   */
  async putTypeControl(control: TypeControl, expectedVersion: number | null): Promise<TypeControlWrite> {
    const params = [...typeLimitsParams(control), this.names.flow.channel];
    const { rows } =
      expectedVersion === null
        ? await this.runFlow(this.sql.insertTypeLimits, params)
        : await this.runFlow(this.sql.updateTypeLimits, [...params, String(expectedVersion)]);
    if (rows.length === 0) return { ok: false, current: await this.getTypeControl(control.type) };
    // This process's claims use the new record at once, without waiting for the notification.
    this.hub.flowChanged(control.type);
    return { ok: true };
  }

  async countStarts(type: string, since: Date, group?: string | null): Promise<number> {
    const { rows } =
      group === undefined
        ? await this.runFlow(this.sql.countStarts, [type, since])
        : await this.runFlow(this.sql.countGroupStarts, [type, since, group]);
    return Number((rows[0] as { n: number | string } | undefined)?.n ?? 0);
  }

  // ---- wake-ups, changes and lifecycle ---------------------------------------------------------

  /**
   * The change feed (see `JobStore.subscribeChanges`): triggers on the job table (migration 7)
   * NOTIFY the routing fields of every committed insert or change, from any process, on the
   * channel `names.changes.channel`; this store hears it on its LISTEN connection (opened while
   * anyone subscribes) and delivers `{ changes }` events, each job's latest change once per tick.
   * `{ gap: true }` when changes may have been missed: when the channel is first listened to for
   * a subscriber, after the LISTEN connection came back, and for a malformed notification (also
   * reported to `onError`). Writes of this store issued after `subscribeChanges` returned are
   * heard: while the first LISTEN is set up they wait for it (at most 5 s).
   *
   * @throws StoreError when the store was created with `listen: false` (the feed needs LISTEN) or is closed.
   * @throws JobValidationError (`invalid_input`) when `listener` is not a function.
   */
  subscribeChanges(listener: JobChangeListener): () => void {
    if (typeof listener !== 'function') throw new JobValidationError('listener', 'must be a function.');
    if (this.isClosed) throw new StoreError('This PostgresJobStore is closed; create a new store to keep working.');
    if (!this.listening) {
      throw new StoreError('The change feed needs LISTEN/NOTIFY: this PostgresJobStore was created with `listen: false`.');
    }
    return this.feed.subscribe(listener);
  }

  subscribe(listener: (event: StoreWakeEvent) => void): () => void {
    return this.hub.subscribe(listener);
  }

  /**
   * Stops the LISTEN connection and waits for coalesced calls in flight. The DataSource is yours:
   * it stays open.
   */
  /** True once `close()` has been called (see `guardStore`). */
  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await Promise.all([this.inserts.drain(), this.transitions.drain(), this.heartbeats.drain()]);
    this.feed.close();
    await this.hub.close();
  }

  // ---- internals -------------------------------------------------------------------------------

  private async readChangeRouting(ids: string[]): Promise<JobChange[]> {
    const { rows } = await this.run(this.pool, this.sql.changeRouting, [ids]);
    return (rows as Array<{ id: string; type: string; tenant_id: string | null; owner_id: string | null; status: JobStatus; version: string | number }>).map((row) => ({
      jobId: row.id,
      type: row.type,
      tenantId: row.tenant_id,
      ownerId: row.owner_id,
      status: row.status,
      version: Number(row.version),
    }));
  }

  private async run(executor: SqlExecutor, statement: Statement, values: readonly unknown[], batchSize = 1) {
    try {
      return await executor.run(statement, values, batchSize);
    } catch (error) {
      throw mapPgError(error, this.names, statement.operation);
    }
  }

  private async runSchedule(statement: Statement, values: readonly unknown[]) {
    try {
      return await this.pool.run(statement, values);
    } catch (error) {
      throw mapScheduleError(error, this.names, statement.operation);
    }
  }

  private async runFlow(statement: Statement, values: readonly unknown[]) {
    try {
      return await this.pool.run(statement, values);
    } catch (error) {
      throw mapFlowError(error, this.names, statement.operation);
    }
  }

  /** The `listSchedules` text of a shape, made once per store. */
  private listStatement(shape: ScheduleListShape): Statement {
    const key = `${shape.tenant}:${shape.after}`;
    let found = this.sql.listSchedules.get(key);
    if (found === undefined) {
      found = listSchedulesStatement(this.names, shape);
      this.sql.listSchedules.set(key, found);
    }
    return found;
  }

  private createListenClient(): ListenClient {
    const driver = this.dataSource.driver as PostgresDriverLike;
    const Client = driver.postgres?.Client;
    const poolOptions = (driver.master as { options?: Record<string, unknown> } | undefined)?.options;
    if (Client === undefined || poolOptions === undefined) {
      throw new StoreError('Cannot open a LISTEN connection: the DataSource has no initialised pg pool.');
    }
    return new Client({ ...poolOptions, application_name: 'jobtrail-listener' }) as ListenClient;
  }

  /**
   * `insertMany` of new jobs without keys: nothing can be skipped, so the statement inserts every
   * job as sent or fails whole, and each is answered as sent (lazily, see `lazyCreated`).
   */
  private async insertNew(executor: SqlExecutor, jobs: readonly Job[]): Promise<InsertResult[]> {
    let columns: ColumnArrays;
    try {
      if (jobs.length === 1) {
        columns = toColumnArrays(jobs, NEW_JOB_COLUMNS, 'jobs');
        await executor.run(this.insertStatementFor(true, false, true), [...columns.params, this.names.channel], 1);
      } else {
        const bare = jobs.every(hasNoMetadata);
        columns = toColumnArrays(jobs, bare ? NEW_JOB_COLUMNS_NO_METADATA : NEW_JOB_COLUMNS, 'jobs');
        const sql = bare ? this.sql.insertNewBare : this.sql.insertNew;
        await executor.run(sql, [...columns.params, this.names.channel, quotedArrayLiteral(...typesToWake(jobs))], jobs.length);
      }
    } catch (error) {
      throw mapPgError(error, this.names, 'insertMany');
    }
    const results = new Array<InsertResult>(jobs.length);
    for (let index = 0; index < jobs.length; index++) results[index] = lazyCreated(columns.storedJob, index);
    return results;
  }

  /** One INSERT for many jobs; a failing batch is retried job by job so one bad job fails alone. */
  /** `round` counts the tries of a record whose key holder vanished before it could be read. */
  /**
   * `atomic` (insertMany): a failed statement fails every record of it, as it inserted none;
   * else (the coalesced single inserts) each record is tried alone, so one bad enqueue fails alone.
   */
  private async insertBatch(executor: SqlExecutor, records: JobRecord[], round = 1, atomic = false): Promise<Array<Outcome<InsertResult>>> {
    // Jobs as core drafts them leave a third of the columns at their defaults: send only the rest.
    const fresh = records.every(isNewJobRecord);
    const keyed = records.some((record) => record.key !== null);
    let inserted: Set<string> | null;
    let columns: ColumnArrays;
    try {
      columns = toColumnArrays(records, fresh ? NEW_JOB_COLUMNS : JOB_COLUMN_NAMES);
      const sql = this.insertStatementFor(fresh, keyed, records.length === 1);
      const result = await executor.run(sql, [...columns.params, this.names.channel], records.length);
      // Without keys nothing is skipped: the statement either inserted every job or failed.
      inserted = keyed ? new Set((result.rows as Array<{ id: string }>).map((row) => row.id)) : null;
    } catch (error) {
      if (atomic) throw mapPgError(error, this.names, 'insertMany');
      if (records.length > 1) return Promise.all(records.map(async (record) => (await this.insertBatch(executor, [record], round))[0]!));
      return [{ ok: false, error: mapPgError(error, this.names, 'insert') }];
    }
    // The stored rows are exactly the records as sent: answer them from that (JSON parsed back from
    // its text), so callers get fresh objects normalised the way the database holds them.
    const created = (index: number): Outcome<InsertResult> => ({ ok: true, value: lazyCreated(columns.storedJob, index) });
    if (inserted === null || inserted.size === records.length) return records.map((_, index) => created(index));
    const isInserted = (record: JobRecord) => inserted.has(record.id as string);
    const deduped = records.filter((record) => !isInserted(record));
    const holders = new Map<string, JobRow>();
    try {
      const found = await executor.run(this.sql.holders, [
        deduped.map((r) => r.type),
        deduped.map((r) => r.key),
        deduped.map((r) => r.tenant_id),
        deduped.map((r) => r.owner_id),
      ]);
      for (const row of found.rows as JobRow[]) holders.set(dedupeSlot(row), row);
    } catch (error) {
      const mapped = mapPgError(error, this.names, 'insert');
      return records.map((record, index) => (isInserted(record) ? created(index) : { ok: false, error: mapped }));
    }
    return Promise.all(
      records.map(async (record, index): Promise<Outcome<InsertResult>> => {
        if (isInserted(record)) return created(index);
        const holder = holders.get(dedupeSlot(record as unknown as DedupeSlot));
        if (holder !== undefined) return { ok: true, value: { job: toJob(holder), created: false } };
        // The holder finished between our INSERT and our read: the key is free now, try again.
        return this.retryInsert(executor, record, round + 1);
      }),
    );
  }

  private insertStatementFor(fresh: boolean, keyed: boolean, single: boolean): Statement {
    const shape = `${fresh ? 'new' : 'all'}${keyed ? ',keyed' : ''}${single ? ',one' : ''}`;
    let sql = this.sql.insert.get(shape);
    if (sql === undefined) {
      sql = insertStatement(this.names, fresh ? NEW_JOB_COLUMNS : JOB_COLUMN_NAMES, keyed, single);
      this.sql.insert.set(shape, sql);
    }
    return sql;
  }

  private async retryInsert(executor: SqlExecutor, record: JobRecord, round: number): Promise<Outcome<InsertResult>> {
    if (record.key === null || round > MAX_KEY_RACE_RETRIES) {
      return { ok: false, error: new StoreError(keyHolderNotFound(String(record.id))) };
    }
    const [outcome] = await this.insertBatch(executor, [record], round);
    return outcome!;
  }

  /** `round` counts the tries of a retry refused for a key whose holder could not be found. */
  private async transitionBatch(inputs: TransitionInput[], round = 1): Promise<Array<Outcome<TransitionResult>>> {
    let rows: Row[];
    try {
      const result = await this.pool.run(
        this.sql.transition,
        [toJsonText('patch', inputs), this.names.channel, inputs.map((input) => input.id)],
        inputs.length,
      );
      rows = result.rows as Row[];
    } catch (error) {
      if (inputs.length > 1) return Promise.all(inputs.map(async (input) => (await this.transitionBatch([input], round))[0]!));
      if (isDedupeViolation(error, this.names)) return [await this.answerDuplicateKey(inputs[0]!, round)];
      return [{ ok: false, error: mapPgError(error, this.names, 'transition') }];
    }
    const byId = new Map(rows.map((row) => [row.id, row]));
    return Promise.all(
      inputs.map(async (input): Promise<Outcome<TransitionResult>> => {
        const row = byId.get(input.id);
        if (row === undefined) return { ok: true, value: { ok: false, reason: 'not_found' } };
        const job = toJob(row);
        if (row.applied === true) return { ok: true, value: { ok: true, job } };
        if (matchesExpectation(job, input.expect) && reactivatesKey(job, input)) return this.answerDuplicateKey(input, round);
        return { ok: true, value: { ok: false, reason: 'conflict', current: job } };
      }),
    );
  }

  /** A manual retry refused because another unfinished job holds the key: answer that holder. */
  private async answerDuplicateKey(input: TransitionInput, round: number): Promise<Outcome<TransitionResult>> {
    try {
      const current = await this.pool.run(this.sql.get, [input.id]);
      const job = current.rows[0] === undefined ? null : toJob(current.rows[0] as JobRow);
      if (job === null) return { ok: true, value: { ok: false, reason: 'not_found' } };
      if (job.key !== null) {
        const holder = await this.pool.run(this.sql.keyHolder, [job.type, job.key, job.id, job.tenantId, job.ownerId]);
        if (holder.rows[0] !== undefined) {
          return { ok: true, value: { ok: false, reason: 'duplicate_key', holder: toJob(holder.rows[0] as JobRow) } };
        }
      }
      if (round >= MAX_KEY_RACE_RETRIES) {
        // Refused for its key each time, yet no unfinished job of its scope holds that key: the
        // index is not the one this version keeps (a schema before migration 3), or the holder
        // kept changing. Either way the caller must hear it, never wait on an endless loop.
        return { ok: false, error: new StoreError(keyHolderNotFound(job.id)) };
      }
      // The holder finished meanwhile: the retry may go through now.
      const [again] = await this.transitionBatch([input], round + 1);
      return again!;
    } catch (error) {
      return { ok: false, error: mapPgError(error, this.names, 'transition') };
    }
  }

  private async heartbeatBatch(items: HeartbeatItem[]): Promise<Array<Outcome<string[]>>> {
    const owners: string[] = [];
    const ids: string[] = [];
    const expiries: Date[] = [];
    for (const item of items) {
      for (const id of item.ids) {
        owners.push(item.owner);
        ids.push(id);
        expiries.push(item.expiresAt);
      }
    }
    try {
      const { rows } = await this.pool.run(this.sql.heartbeat, [owners, ids, expiries], items.length);
      const held = new Set((rows as Array<{ owner: string; id: string }>).map((row) => keyOf(row.owner, row.id)));
      return items.map((item) => ({ ok: true, value: item.ids.filter((id) => held.has(keyOf(item.owner, id))) }));
    } catch (error) {
      const mapped = mapPgError(error, this.names, 'heartbeat');
      return items.map(() => ({ ok: false, error: mapped }));
    }
  }
}

function keyHolderNotFound(id: string): string {
  return (
    `Job ${id} was refused for its dedupe key, but no unfinished job of its type, tenant and owner holds that key. ` +
    'Either the table still has the dedupe index of an older version (run store.migrate()), or the holder kept finishing and coming back; try again.'
  );
}

interface IncrementRow {
  metrics: Record<string, number> | null;
  overflow: string | null;
  status: JobStatus | null;
  lease_owner: string | null;
  attempt: number | null;
}

/** Whether a job (as the increment statement saw it) runs the attempt a fenced write names. */
function runsFencedAttempt(row: IncrementRow, owner: string | null, attempt: number | null): boolean {
  return row.status === 'running' && (owner === null || row.lease_owner === owner) && (attempt === null || row.attempt === attempt);
}

function keyOf(a: string, b: string | null): string {
  return `${a}\u0000${b ?? ''}`;
}

interface DedupeSlot {
  type: string;
  key: string | null;
  tenant_id: string | null;
  owner_id: string | null;
}

/** Where a key is unique: its type, tenant and owner (null being a value of its own). */
function dedupeSlot(row: DedupeSlot): string {
  return JSON.stringify([row.type, row.key, row.tenant_id, row.owner_id]);
}

/**
 * A created job's answer, built on first read of `job` (then kept, and assignable like any
 * property): a caller of `insertMany` that never reads the answers (most bulk enqueues) never
 * pays for 10,000 jobs' objects and their collection. `job` is an own enumerable accessor, so
 * spreading, JSON, `Object.keys` and structured cloning see `{ job, created }` as before; one
 * accessor pair shared by every answer (an object literal's getter and setter would be two
 * closures per answer), with what it builds from under a symbol no enumeration sees.
 */
function lazyCreated(build: (index: number) => Job, index: number): InsertResult {
  const answer = {} as InsertResult;
  Object.defineProperty(answer, 'job', LAZY_JOB);
  answer.created = true;
  // Only the builder, never the parameters sent (the statement's text arrays), stays alive.
  Object.defineProperty(answer, LAZY_SOURCE, { value: new LazySource(build, index) });
  return answer;
}

const LAZY_SOURCE = Symbol('jobtrail.lazyJob');

class LazySource {
  job: Job | undefined = undefined;
  constructor(
    readonly build: (index: number) => Job,
    readonly index: number,
  ) {}
}

const LAZY_JOB: PropertyDescriptor = {
  get(this: { [LAZY_SOURCE]: LazySource }): Job {
    const source = this[LAZY_SOURCE];
    source.job ??= source.build(source.index);
    return source.job;
  },
  set(this: { [LAZY_SOURCE]: LazySource }, value: Job) {
    this[LAZY_SOURCE].job = value;
  },
  enumerable: true,
  configurable: true,
};

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

/** The types of the jobs claimable as soon as they are inserted, each once (`count`, `elementOf`). */
function typesToWake(jobs: readonly Job[]): [number, (index: number) => string] {
  const types = new Set<string>();
  for (const job of jobs) if (isClaimableAt(job, job.updatedAt.getTime())) types.add(job.type);
  const list = [...types];
  return [list.length, (index) => list[index]!];
}

function isClaimableNow(job: Job): boolean {
  return isClaimableAt(job, Date.now());
}

function isClaimableAt(job: Job, now: number): boolean {
  return (job.status === 'queued' || job.status === 'retrying') && job.runAt.getTime() <= now;
}
