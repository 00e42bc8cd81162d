import type { JobStatus } from '../model/job-status.js';
import type { JobChange, JobChangeListener } from '../store/change-feed.js';

/** The fields of a stored row a change reports. */
interface ChangedRow {
  readonly id: string;
  readonly type: string;
  readonly tenantId: string | null;
  readonly ownerId: string | null;
  readonly status: JobStatus;
  readonly updatedAt: number;
}

/**
 * The memory store's change feed. Changes made in one microtask are delivered together after it
 * (never inside the write), one per job: its latest. The memory store lives in one process, so
 * there is never a gap.
 */
export class ChangeListeners {
  private readonly listeners = new Set<JobChangeListener>();
  private pending: Map<string, JobChange> | null = null;

  subscribe(listener: JobChangeListener): () => void {
    const wrapped: JobChangeListener = (event) => listener(event);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  changed(row: ChangedRow): void {
    if (this.listeners.size === 0) return;
    const change: JobChange = { jobId: row.id, type: row.type, tenantId: row.tenantId, ownerId: row.ownerId, status: row.status, version: row.updatedAt };
    if (this.pending !== null) {
      this.pending.set(row.id, change);
      return;
    }
    const pending = new Map([[row.id, change]]);
    this.pending = pending;
    queueMicrotask(() => {
      if (this.pending === pending) this.pending = null;
      const changes = [...pending.values()];
      for (const listener of [...this.listeners]) {
        try {
          listener({ changes: changes.map((one) => ({ ...one })) });
        } catch {
          // A failing listener must not break the store or the other listeners.
        }
      }
    });
  }

  /** The store closed: listeners hear the feed end, then nothing more. */
  clear(): void {
    const listeners = [...this.listeners];
    this.listeners.clear();
    this.pending = null;
    for (const listener of listeners) {
      try {
        listener({ gap: true, ended: true });
      } catch {
        // As above: a failing listener must not break closing.
      }
    }
  }
}
