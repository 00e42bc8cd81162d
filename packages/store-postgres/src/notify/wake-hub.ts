import type { StoreWakeEvent } from '@jobtrail/core/store';
import { WakeListener, type ListenClient, type ListenerStatus, type WakeListenerOptions } from './wake-listener.js';

export interface WakeHubOptions {
  channel: string;
  /** The channel of schedule changes, heard on the same LISTEN connection. */
  scheduleChannel: string;
  /** The channel of type limits writes, heard on the same LISTEN connection. */
  flowChannel: string;
  /**
   * Type limits may have changed: `type`'s (heard on the flow channel, or written by this
   * process), or any type's (no type: the LISTEN connection came back, notifications may have
   * been lost). Subscribers are woken for the type as well.
   */
  onFlowChange: (type: string | undefined) => void;
  /** The change feed's channel and handlers (see `WakeListenerOptions.changes`). */
  changes: NonNullable<WakeListenerOptions['changes']>;
  /** Null: LISTEN is off, only local wakes and the fallback poll. */
  createClient: (() => ListenClient) | null;
  fallbackPollMs: number;
  listenHeartbeatMs: number;
  listenHeartbeatTimeoutMs: number;
  onError: (error: unknown) => void;
}

/**
 * Fans wake-ups out to the store's subscribers. Holds the LISTEN connection only while someone
 * is subscribed, and while that connection is down wakes everyone on a timer, so workers never
 * depend on it.
 */
export class WakeHub {
  private readonly listeners = new Set<(event: StoreWakeEvent) => void>();
  private listener: WakeListener | null = null;
  private fallbackTimer: ReturnType<typeof setInterval> | null = null;
  private changesWanted = false;

  constructor(private readonly options: WakeHubOptions) {}

  get status(): ListenerStatus {
    return this.listener?.status ?? { state: 'stopped', processId: null, connections: 0 };
  }

  subscribe(listener: (event: StoreWakeEvent) => void): () => void {
    this.listeners.add(listener);
    this.start();
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && !this.changesWanted) void this.stop();
    };
  }

  /**
   * Holds the LISTEN connection (opening it if need be) with the change channel listened to, or
   * lets go of the channel (and of the connection when nobody waits for wake-ups either).
   */
  setChangesWanted(wanted: boolean): void {
    if (this.changesWanted === wanted) return;
    this.changesWanted = wanted;
    if (wanted) {
      this.start();
      this.listener?.setChangesWanted(true);
    } else if (this.listeners.size === 0) void this.stop();
    else this.listener?.setChangesWanted(false);
  }

  /** Wakes subscribers of this process at once (a job this process inserted is claimable). */
  wake(type: string | undefined): void {
    this.deliver(type === undefined ? {} : { type });
  }

  /**
   * A type limits record was written (here or, heard on the flow channel, elsewhere): the store
   * drops what it knows of controlled types, and subscribers wake, since a resume or a raised
   * limit may free jobs at once.
   */
  flowChanged(type: string): void {
    this.options.onFlowChange(type);
    this.wake(type);
  }

  /** Tells subscribers of this process at once that a schedule was inserted, updated or deleted. */
  wakeSchedule(name: string): void {
    this.deliver({ schedule: name });
  }

  private deliver(event: StoreWakeEvent): void {
    if (this.listeners.size === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  async stop(): Promise<void> {
    if (this.fallbackTimer !== null) clearInterval(this.fallbackTimer);
    this.fallbackTimer = null;
    const listener = this.listener;
    this.listener = null;
    await listener?.stop();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.changesWanted = false;
    await this.stop();
  }

  private start(): void {
    if (this.fallbackTimer === null) {
      this.fallbackTimer = setInterval(() => {
        if (this.listener?.status.state !== 'listening') this.wake(undefined);
      }, this.options.fallbackPollMs);
      this.fallbackTimer.unref?.();
    }
    if (this.listener !== null || this.options.createClient === null) return;
    this.listener = new WakeListener({
      channel: this.options.channel,
      createClient: this.options.createClient,
      onWake: (type) => {
        // Without a type: reconnected, and writes of type limits may have been missed too.
        if (type === undefined) this.options.onFlowChange(undefined);
        this.wake(type);
      },
      schedules: { channel: this.options.scheduleChannel, onChange: (name) => this.wakeSchedule(name) },
      flow: { channel: this.options.flowChannel, onChange: (type) => this.flowChanged(type) },
      changes: this.options.changes,
      onError: this.options.onError,
      reconnectInitialMs: 100,
      reconnectMaxMs: 5000,
      heartbeatMs: this.options.listenHeartbeatMs,
      heartbeatTimeoutMs: this.options.listenHeartbeatTimeoutMs,
    });
    this.listener.setChangesWanted(this.changesWanted);
    this.listener.start();
  }
}
