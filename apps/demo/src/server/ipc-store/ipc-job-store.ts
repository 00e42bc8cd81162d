import { JobtrailError, StoreError } from '@jobtrail/core';
import type { JobChangeListener, JobStore, StoreWakeEvent } from '@jobtrail/core/store';
import { isChangeFeedEvent, isStoreReply, isStoreWake, type ChangeFeedRequest, type RemoteErrorShape, type RemoteMethod, type StoreCall } from './protocol.js';

/** An error the parent's store threw, re-created on this side with the same code and message. */
export class RemoteStoreError extends JobtrailError {
  readonly remoteName: string;
  constructor(shape: RemoteErrorShape) {
    super(shape.code, shape.message);
    this.remoteName = shape.name;
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Channel = Pick<NodeJS.Process, 'send' | 'on' | 'off' | 'connected'>;

/**
 * The worker process's view of the server's store: every call goes to the parent over the IPC
 * channel (see `serveStoreOverIpc`). Used only with `--store memory`; with PostgreSQL the worker
 * opens its own connection.
 */
export class IpcJobStore implements JobStore {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: StoreWakeEvent) => void>();
  private readonly changeListeners = new Set<JobChangeListener>();
  private isClosed = false;

  constructor(private readonly channel: Channel = process) {
    if (typeof channel.send !== 'function') {
      throw new StoreError('IpcJobStore needs an IPC channel: run this process with child_process.fork().');
    }
    channel.on('message', this.onMessage);
    channel.on('disconnect', this.onDisconnect);
  }

  insert = this.remote('insert');
  get = this.remote('get');
  transition = this.remote('transition');
  claim = this.remote('claim');
  heartbeat = this.remote('heartbeat');
  findExpired = this.remote('findExpired');
  updateProgress = this.remote('updateProgress');
  incrementMetrics = this.remote('incrementMetrics');
  query = this.remote('query');
  count = this.remote('count');
  sumMetrics = this.remote('sumMetrics');
  prune = this.remote('prune');
  activity = this.remote('activity');
  insertSchedule = this.remote('insertSchedule');
  getSchedule = this.remote('getSchedule');
  listSchedules = this.remote('listSchedules');
  dueSchedules = this.remote('dueSchedules');
  nextScheduleRunAt = this.remote('nextScheduleRunAt');
  updateSchedule = this.remote('updateSchedule');
  deleteSchedule = this.remote('deleteSchedule');
  getTypeControl = this.remote('getTypeControl');
  listTypeControls = this.remote('listTypeControls');
  putTypeControl = this.remote('putTypeControl');
  countStarts = this.remote('countStarts');

  subscribe(listener: (event: StoreWakeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The parent store's change feed, forwarded over IPC while anyone here listens. */
  subscribeChanges(listener: JobChangeListener): () => void {
    if (this.changeListeners.size === 0) this.requestChanges(true);
    const wrapped: JobChangeListener = (event) => listener(event);
    this.changeListeners.add(wrapped);
    return () => {
      if (!this.changeListeners.delete(wrapped)) return;
      if (this.changeListeners.size === 0) this.requestChanges(false);
    };
  }

  private requestChanges(on: boolean): void {
    if (this.isClosed || !this.channel.connected) return;
    const request: ChangeFeedRequest = { kind: 'jobtrail-store-changes', on };
    this.channel.send!(request, undefined, undefined, () => {});
  }

  /** True once `close()` has been called (core's `guardStore` then refuses every call). */
  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    if (this.changeListeners.size > 0) this.requestChanges(false);
    this.changeListeners.clear();
    this.isClosed = true;
    this.channel.off('message', this.onMessage);
    this.channel.off('disconnect', this.onDisconnect);
    this.failPending(new StoreError('IpcJobStore was closed.'));
  }

  private remote<M extends RemoteMethod>(method: M): NonNullable<JobStore[M]> {
    return ((...args: unknown[]) => this.call(method, args)) as unknown as NonNullable<JobStore[M]>;
  }

  private call(method: RemoteMethod, args: unknown[]): Promise<unknown> {
    if (this.isClosed || !this.channel.connected) {
      return Promise.reject(new StoreError(`IpcJobStore.${method}: the server process is gone.`));
    }
    const id = this.nextId++;
    const message: StoreCall = { kind: 'jobtrail-store-call', id, method, args };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.channel.send!(message, undefined, undefined, (error: Error | null) => {
        if (error) {
          this.pending.delete(id);
          reject(new StoreError(`IpcJobStore.${method}: ${error.message}`, { cause: error }));
        }
      });
    });
  }

  private readonly onMessage = (message: unknown) => {
    if (isStoreWake(message)) {
      for (const listener of this.listeners) listener(message.event);
      return;
    }
    if (isChangeFeedEvent(message)) {
      for (const listener of [...this.changeListeners]) listener(message.event);
      return;
    }
    if (!isStoreReply(message)) return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new RemoteStoreError(message.error));
  };

  private readonly onDisconnect = () => {
    this.failPending(new StoreError('IpcJobStore: the server process disconnected.'));
  };

  private failPending(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}

