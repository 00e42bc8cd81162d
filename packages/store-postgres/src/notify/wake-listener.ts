import { StoreError, defineErrorKind } from '@jobtrail/core';
import { quoteIdentifier } from '../naming/table-names.js';
import { XID_HORIZON_PASSED_SQL, XID_HORIZON_SQL } from '../sql/change-listeners.js';

/** The slice of a node-postgres `Client` the listener uses. */
export interface ListenClient {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  readonly processID?: number | null;
}

export interface ChangeChannelOptions {
  channel: string;
  /** Registers the connection in the listeners table (the triggers NOTIFY only while it has rows). */
  registerSql: string;
  unregisterSql: string;
  /**
   * Longest wait, after registering, for the transactions that wrote before it to end (they may
   * have skipped their NOTIFY); then `onReady` anyway.
   */
  horizonWaitMs: number;
  onPayload: (payload: string | undefined) => void;
  /** LISTENed and registered: every write that starts from now on is heard. */
  onRegistered: () => void;
  /** And every write that committed unheard before has ended: changes may have been missed before now. */
  onReady: () => void;
  /** Not heard (the connection dropped, failed to open or stopped) until the next `onReady`. */
  onLost: () => void;
}

export type ListenerState = 'stopped' | 'connecting' | 'listening' | 'waiting';

/** What the LISTEN connection is doing; see `PostgresJobStore.listener`. */
export interface ListenerStatus {
  state: ListenerState;
  /** Server process id of the LISTEN connection while connected (for pg_stat_activity). */
  processId: number | null;
  /** How many times the connection was established (more than 1: it reconnected). */
  connections: number;
}

export interface WakeListenerOptions {
  channel: string;
  createClient: () => ListenClient;
  /** A job of `type` became claimable; no type: anything may have (after a reconnect). */
  onWake: (type: string | undefined) => void;
  /**
   * A second channel, for schedule changes (payload: the schedule's name), heard on the same
   * connection. Omitted: only `channel` is listened to.
   */
  schedules?: { channel: string; onChange: (name: string) => void };
  /**
   * A third channel, for type limits writes (payload: the type), heard on the same connection.
   * Omitted: not listened to.
   */
  flow?: { channel: string; onChange: (type: string) => void };
  /**
   * The change channel, LISTENed on the same connection only while wanted (see
   * `setChangesWanted`): its traffic is every job write, which a worker process has no use for.
   */
  changes?: ChangeChannelOptions;
  onError: (error: unknown) => void;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /**
   * While listening, a `SELECT 1` this often; 0 turns it off. A LISTEN connection sends nothing
   * while idle, so without it a half-open path (a frozen proxy or NAT) goes unnoticed until the
   * network drops it, and wake-ups silently stop.
   */
  heartbeatMs: number;
  /** A heartbeat unanswered this long counts as a dead connection: it is dropped and reopened. */
  heartbeatTimeoutMs: number;
}

/** The LISTEN connection stopped answering its heartbeat. */
export class ListenHeartbeatTimeoutError extends StoreError {
  static {
    defineErrorKind(this, '@jobtrail/store-postgres:ListenHeartbeatTimeoutError');
  }

  constructor(timeoutMs: number) {
    super(`The LISTEN connection did not answer a heartbeat within ${timeoutMs} ms; reconnecting (workers keep polling meanwhile).`);
    this.name = 'ListenHeartbeatTimeoutError';
  }
}

/**
 * Holds one dedicated connection that LISTENs on the store's channels (jobs, and schedules and
 * type limits when given). When the connection drops (server restart, `pg_terminate_backend`, network), it
 * reconnects with exponential backoff and jitter; meanwhile workers keep polling, so nothing
 * waits on it. After a reconnect it wakes everyone once (with no type, so schedulers look again
 * too), because notifications sent while it was away are lost.
 */
export class WakeListener {
  private client: ListenClient | null = null;
  private state: ListenerState = 'stopped';
  private connections = 0;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setTimeout> | null = null;
  private changesWanted = false;
  /** The change channel is LISTENed on the current connection. */
  private changesHeard = false;
  /** This connection has a row in the listeners table. */
  private registered = false;

  constructor(private readonly options: WakeListenerOptions) {}

  get status(): ListenerStatus {
    return { state: this.state, processId: this.client?.processID ?? null, connections: this.connections };
  }

  start(): void {
    if (this.state !== 'stopped') return;
    this.state = 'connecting';
    void this.connect();
  }

  /**
   * Listens to the change channel (or stops) on the live connection, and on every connection
   * after. `changes.onReady` follows once the LISTEN is in place.
   */
  setChangesWanted(wanted: boolean): void {
    if (this.options.changes === undefined || this.changesWanted === wanted) return;
    this.changesWanted = wanted;
    const client = this.client;
    if (client === null || this.state !== 'listening') return;
    if (wanted) void this.listenChanges(client);
    else if (this.changesHeard) {
      this.changesHeard = false;
      this.unlistenChanges(client);
    }
  }

  private async listenChanges(client: ListenClient): Promise<void> {
    const changes = this.options.changes!;
    try {
      await client.query(`LISTEN ${quoteIdentifier(changes.channel)}`);
      await client.query(changes.registerSql);
      if (client === this.client) this.registered = true;
      if (client === this.client && this.changesWanted && !this.changesHeard) changes.onRegistered();
      await this.waitForHorizon(client, changes.horizonWaitMs);
    } catch (error) {
      this.drop(client, error);
      return;
    }
    if (client !== this.client) return;
    if (!this.changesWanted) {
      // Unwanted while the LISTEN ran (and nothing was undone then: it was not heard yet).
      if (!this.changesHeard) this.unlistenChanges(client);
      return;
    }
    if (this.changesHeard) return;
    this.changesHeard = true;
    changes.onReady();
  }

  /**
   * Waits until every transaction that had written before the registration has ended (at most
   * `limitMs`): one whose trigger ran before it skipped its NOTIFY, and must have committed
   * before listeners are told to read again.
   */
  private async waitForHorizon(client: ListenClient, limitMs: number): Promise<void> {
    const { rows } = (await client.query(XID_HORIZON_SQL)) as { rows: Array<{ horizon: string }> };
    const horizon = rows[0]!.horizon;
    const deadline = Date.now() + limitMs;
    while (client === this.client && Date.now() < deadline) {
      const answer = (await client.query(XID_HORIZON_PASSED_SQL, [horizon])) as { rows: Array<{ passed: boolean }> };
      if (answer.rows[0]?.passed === true) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private unlistenChanges(client: ListenClient): void {
    const changes = this.options.changes!;
    this.registered = false;
    client
      .query(`UNLISTEN ${quoteIdentifier(changes.channel)}`)
      .then(() => client.query(changes.unregisterSql))
      .catch((error: unknown) => this.drop(client, error));
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    const registered = this.registered;
    this.loseChanges();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.stopHeartbeat();
    const client = this.client;
    this.client = null;
    // Else the row stays until another connection registers: writes would go on notifying nobody.
    if (client && registered) await client.query(this.options.changes!.unregisterSql).catch(() => undefined);
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    let client: ListenClient;
    try {
      client = this.options.createClient();
    } catch (error) {
      this.drop(null, error);
      return;
    }
    this.client = client;
    client.on('notification', (message) => {
      if (client !== this.client) return;
      if (message.channel === this.options.channel) this.options.onWake(message.payload ? message.payload : undefined);
      else if (message.channel === this.options.schedules?.channel && message.payload) this.options.schedules.onChange(message.payload);
      else if (message.channel === this.options.flow?.channel && message.payload) this.options.flow.onChange(message.payload);
      // While wanted, not only once heard: a notification may arrive before the LISTEN's answer is handled.
      else if (message.channel === this.options.changes?.channel && this.changesWanted) this.options.changes.onPayload(message.payload);
    });
    // Registered for the client's whole life: pg emits 'error' on a dropped connection, and an
    // unhandled 'error' event would crash the process.
    client.on('error', (error) => this.drop(client, error));
    client.on('end', () => this.drop(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.options.channel)}`);
      if (this.options.schedules !== undefined) await client.query(`LISTEN ${quoteIdentifier(this.options.schedules.channel)}`);
      if (this.options.flow !== undefined) await client.query(`LISTEN ${quoteIdentifier(this.options.flow.channel)}`);
    } catch (error) {
      this.drop(client, error);
      return;
    }
    if (client !== this.client || (this.state as ListenerState) === 'stopped') {
      // Stopped (or replaced) while connecting.
      await client.end().catch(() => undefined);
      return;
    }
    this.state = 'listening';
    this.failures = 0;
    this.connections += 1;
    if (this.connections > 1) this.options.onWake(undefined);
    this.scheduleHeartbeat(client);
    if (this.changesWanted) void this.listenChanges(client);
  }

  private scheduleHeartbeat(client: ListenClient): void {
    if (this.options.heartbeatMs <= 0) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = null;
      if (client !== this.client) return;
      let answered = false;
      const deadline = setTimeout(() => {
        if (!answered) this.drop(client, new ListenHeartbeatTimeoutError(this.options.heartbeatTimeoutMs));
      }, this.options.heartbeatTimeoutMs);
      deadline.unref?.();
      client.query('SELECT 1').then(
        () => {
          answered = true;
          clearTimeout(deadline);
          if (client === this.client) this.scheduleHeartbeat(client);
        },
        (error: unknown) => {
          answered = true;
          clearTimeout(deadline);
          this.drop(client, error);
        },
      );
    }, this.options.heartbeatMs);
    this.heartbeatTimer.unref?.();
  }

  /** The connection dropped, failed or stopped: the change channel is not (or no longer) heard. */
  private loseChanges(): void {
    const heard = this.changesHeard;
    this.changesHeard = false;
    this.registered = false;
    if (heard || this.changesWanted) this.options.changes?.onLost();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private drop(client: ListenClient | null, error: unknown): void {
    if (client !== this.client || this.state === 'stopped') return;
    this.client = null;
    this.stopHeartbeat();
    this.loseChanges();
    if (error) this.options.onError(error);
    if (client) void client.end().catch(() => undefined);
    this.state = 'waiting';
    const base = Math.min(this.options.reconnectMaxMs, this.options.reconnectInitialMs * 2 ** this.failures);
    this.failures += 1;
    // Jitter, so many processes that lost the server at once do not reconnect in lockstep.
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
    this.timer.unref?.();
  }
}
