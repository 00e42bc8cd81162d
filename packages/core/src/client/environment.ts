/** Timers the pollers use; inject a fake clock (`createFakeClock()` from `@jobtrail/core/testing`) in tests. */
export interface PollTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Whether the page is hidden, and a way to hear when that changes. */
export interface VisibilitySource {
  isHidden(): boolean;
  subscribe(listener: () => void): () => void;
}

// Looked up at call time, so test tools that replace the globals later still apply.
export const globalTimers: PollTimers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface DocumentLike {
  hidden?: boolean;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/** `document.visibilityState` in a browser; always visible where there is no document (SSR, Node). */
export const documentVisibility: VisibilitySource = {
  isHidden() {
    const doc = (globalThis as { document?: DocumentLike }).document;
    return doc?.hidden === true;
  },
  subscribe(listener) {
    const doc = (globalThis as { document?: DocumentLike }).document;
    if (!doc || typeof doc.addEventListener !== 'function') return () => {};
    doc.addEventListener('visibilitychange', listener);
    return () => doc.removeEventListener('visibilitychange', listener);
  },
};
