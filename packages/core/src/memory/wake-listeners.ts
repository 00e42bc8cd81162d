import type { StoreWakeEvent } from '../store/job-store.js';

/**
 * The memory store's wake-up listeners. Wake-ups are coalesced to one per type per microtask and
 * delivered after the write that caused them (never inside it); `clear` drops pending ones.
 */
export class WakeListeners {
  private readonly listeners = new Set<(event: StoreWakeEvent) => void>();
  /** Wake-ups to deliver, by `t:<type>` or `s:<schedule>`: one per type or schedule per microtask. */
  private pending: Map<string, StoreWakeEvent> | null = null;

  /** Adds a listener; answers the function that removes it (calling it twice is harmless). */
  subscribe(listener: (event: StoreWakeEvent) => void): () => void {
    // Wrapped, so the same function subscribed twice is two subscriptions.
    const wrapped = (event: StoreWakeEvent): void => listener(event);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  /** Jobs of `type` became claimable. */
  wake(type: string): void {
    this.deliver(`t:${type}`, { type });
  }

  /** The schedule `name` was inserted, updated or deleted. */
  wakeSchedule(name: string): void {
    this.deliver(`s:${name}`, { schedule: name });
  }

  private deliver(key: string, event: StoreWakeEvent): void {
    if (this.listeners.size === 0) return;
    if (this.pending !== null) {
      if (!this.pending.has(key)) this.pending.set(key, event);
      return;
    }
    const pending = new Map([[key, event]]);
    this.pending = pending;
    queueMicrotask(() => {
      if (this.pending === pending) this.pending = null;
      for (const wakeEvent of pending.values()) {
        for (const listener of [...this.listeners]) {
          try {
            listener({ ...wakeEvent });
          } catch {
            // A failing listener must not break the store or the other listeners; there is no
            // caller to report to from a microtask.
          }
        }
      }
    });
  }

  clear(): void {
    this.listeners.clear();
    this.pending = null;
  }
}
