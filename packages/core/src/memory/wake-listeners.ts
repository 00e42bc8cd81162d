import type { StoreWakeEvent } from '../store/job-store.js';

/**
 * The memory store's wake-up listeners. Wake-ups are coalesced to one per type per microtask and
 * delivered after the write that caused them (never inside it); `clear` drops pending ones.
 */
export class WakeListeners {
  private readonly listeners = new Set<(event: StoreWakeEvent) => void>();
  private pending: Set<string> | null = null;

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
    if (this.listeners.size === 0) return;
    if (this.pending !== null) {
      this.pending.add(type);
      return;
    }
    const pending = new Set([type]);
    this.pending = pending;
    queueMicrotask(() => {
      if (this.pending === pending) this.pending = null;
      for (const wakeType of pending) {
        for (const listener of [...this.listeners]) {
          try {
            listener({ type: wakeType });
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
