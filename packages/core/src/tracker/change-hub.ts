import type { Job, JobScope } from '../model/job.js';
import type { JobChange, JobChangeEvent } from '../store/change-feed.js';
import { inReadScope } from '../store/field-reads.js';
import type { FieldReads, JobStore, StoreFilter } from '../store/job-store.js';
import { matchesStoreFilter } from './job-matcher.js';

/** One `tracker.watch`: what it watches and where its jobs go. */
export interface Watcher {
  /** Watch these ids (a job watch), or every job the filter matches (a filter watch). */
  readonly ids?: ReadonlySet<string>;
  /** A job watch's scope: a job outside it is never delivered. */
  readonly scope?: JobScope;
  readonly filter?: StoreFilter;
  /** How the watcher's jobs are read (see `FieldReads`). */
  readonly read: FieldReads | undefined;
  /** A changed job (read after the change, in the watcher's read). */
  deliver(job: Job): void;
  /** Changes may have been missed (the feed reconnected): re-read what you show. */
  gap(): void;
  /** Nothing more will be delivered (the tracker or the store closed, or the feed stopped). */
  end(): void;
}

/** Jobs read per change batch at once. */
const READS_IN_FLIGHT = 16;
/** After a failed read, the batch is tried again after this long, doubling up to the cap (ms). */
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;
/**
 * Jobs a filter watch remembers having sent, so a job that leaves the filter (a failed job
 * retried, under `status: 'failed'`) is sent once more and the view can drop it.
 */
const MAX_REMEMBERED = 2_000;

interface WatchState {
  readonly watcher: Watcher;
  /** Job id → version last delivered. */
  readonly sent: Map<string, number>;
  /** A filter watch's tenant and owner (from its scope), made once: checked for every change. */
  readonly scope: JobScope;
}

/**
 * One subscription to the store's change feed per tracker, however many watches: each batch of
 * changes is read once per job (per distinct `read`), then fanned out to the watches it concerns.
 * So the database sees one read per changed job, not one per watcher (one per browser stream).
 * Batches are handled one after another, so every watcher sees a job's changes in order.
 */
export class ChangeHub {
  private readonly states = new Set<WatchState>();
  private unsubscribe: (() => void) | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** Changes arrived while a batch was being read: merged, one per job, latest wins. */
  private waiting: Map<string, JobChange> | null = null;
  private gapWaiting = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly onError: (error: unknown) => void,
  ) {}

  get watching(): number {
    return this.states.size;
  }

  /** @throws whatever the store's `subscribeChanges` throws (nothing is kept then). */
  add(watcher: Watcher): () => void {
    const filter = watcher.filter;
    const scope: JobScope = {
      ...(filter?.tenantId !== undefined ? { tenantId: filter.tenantId } : {}),
      ...(filter?.ownerId !== undefined ? { ownerId: filter.ownerId } : {}),
    };
    const state: WatchState = { watcher, sent: new Map(), scope };
    if (this.unsubscribe === null) this.unsubscribe = this.store.subscribeChanges!((event) => this.heard(event));
    this.states.add(state);
    let added = true;
    return () => {
      if (!added) return;
      added = false;
      this.states.delete(state);
      if (this.states.size === 0 && this.unsubscribe !== null) {
        const unsubscribe = this.unsubscribe;
        this.unsubscribe = null;
        this.clearRetry();
        unsubscribe();
      }
    };
  }

  /** Ends every watch (each is told, so a stream closes and its client reads afresh). */
  close(): void {
    const states = [...this.states];
    this.states.clear();
    this.clearRetry();
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const state of states) this.safely(() => state.watcher.end());
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private heard(event: JobChangeEvent): void {
    if (event.ended) {
      // The feed is gone: the subscription with it (a later watch subscribes afresh).
      this.unsubscribe = null;
      this.close();
      return;
    }
    if (event.gap) this.gapWaiting = true;
    else {
      this.waiting ??= new Map();
      for (const change of event.changes) {
        const known = this.waiting.get(change.jobId);
        if (known === undefined || known.version <= change.version) this.waiting.set(change.jobId, change);
      }
    }
    this.schedule();
  }

  private schedule(): void {
    this.queue = this.queue.then(() => this.drain()).catch((error: unknown) => this.onError(error));
  }

  /** Handles what arrived since the last batch (nothing when an earlier drain took it already). */
  private async drain(): Promise<void> {
    let changes = this.waiting;
    this.waiting = null;
    if (this.gapWaiting) {
      this.gapWaiting = false;
      // The catch-up: every job a watch shows (its ids, or what a filter watch sent) is read
      // again below as if it had changed; a filter watch is also told, since jobs that began to
      // match meanwhile can only be found by its own list read.
      changes ??= new Map();
      for (const state of this.states) {
        const known = state.watcher.ids ?? new Set(state.sent.keys());
        for (const jobId of known) if (!changes.has(jobId)) changes.set(jobId, catchUp(jobId));
        this.safely(() => state.watcher.gap());
      }
    }
    if (changes === null || this.states.size === 0) return;
    // Which jobs each watch may care about, from the change alone.
    const wanted = new Map<WatchState, JobChange[]>();
    const reads = new Map<string, { read: FieldReads | undefined; ids: Set<string> }>();
    const batch = [...changes.values()];
    for (const state of this.states) {
      const concerned = batch.filter((change) => mayConcern(state, change));
      if (concerned.length === 0) continue;
      wanted.set(state, concerned);
      const key = readKey(state.watcher.read);
      let entry = reads.get(key);
      if (entry === undefined) {
        entry = { read: state.watcher.read, ids: new Set() };
        reads.set(key, entry);
      }
      for (const change of concerned) entry.ids.add(change.jobId);
    }
    const jobs = new Map<string, Map<string, Job | null>>();
    try {
      for (const [key, { read, ids }] of reads) jobs.set(key, await this.readAll([...ids], read));
    } catch (error) {
      // The store failed to read: nothing of the batch is lost. It goes back to wait (newer
      // changes win) and is tried again after a backoff; meanwhile watches show what they had.
      this.onError(error);
      this.waiting ??= new Map();
      for (const [jobId, change] of changes) if (!this.waiting.has(jobId)) this.waiting.set(jobId, change);
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** this.failures++);
      this.clearRetry();
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.states.size > 0) this.schedule();
      }, delay);
      (this.retryTimer as { unref?: () => void }).unref?.();
      return;
    }
    this.failures = 0;
    for (const [state, concerned] of wanted) {
      if (!this.states.has(state)) continue;
      const read = jobs.get(readKey(state.watcher.read))!;
      for (const change of concerned) {
        const job = read.get(change.jobId);
        if (job == null) continue;
        this.offer(state, job);
      }
    }
  }

  private offer(state: WatchState, job: Job): void {
    const { watcher, sent } = state;
    const version = job.updatedAt.getTime();
    const last = sent.get(job.id);
    // Strictly older only: two writes in one millisecond share a version, and the later read is the newer state.
    if (last !== undefined && last > version) return;
    if (watcher.ids !== undefined) {
      if (watcher.scope !== undefined && !inReadScope(job, watcher.scope)) return;
      sent.set(job.id, version);
      this.safely(() => watcher.deliver(job));
      return;
    }
    if (matchesStoreFilter(job, watcher.filter!)) {
      sent.delete(job.id);
      sent.set(job.id, version);
      if (sent.size > MAX_REMEMBERED) sent.delete(sent.keys().next().value!);
      this.safely(() => watcher.deliver(job));
    } else if (last !== undefined) {
      sent.delete(job.id);
      // It left the filter: once more, so the view can drop it; but never a job that left the
      // watch's scope (moved to another tenant or owner): the view reads afresh instead.
      if (inReadScope(job, state.scope)) this.safely(() => watcher.deliver(job));
      else this.safely(() => watcher.gap());
    }
  }

  private async readAll(ids: string[], read: FieldReads | undefined): Promise<Map<string, Job | null>> {
    const out = new Map<string, Job | null>();
    for (let start = 0; start < ids.length; start += READS_IN_FLIGHT) {
      const slice = ids.slice(start, start + READS_IN_FLIGHT);
      const jobs = await Promise.all(slice.map((id) => (read === undefined ? this.store.get(id) : this.store.get(id, { read }))));
      for (let index = 0; index < slice.length; index++) out.set(slice[index]!, jobs[index] ?? null);
    }
    return out;
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.onError(error);
    }
  }
}

/** A stand-in change for a job to read again after a gap: it concerns whoever knows the job. */
function catchUp(jobId: string): JobChange {
  return { jobId, type: '', tenantId: null, ownerId: null, status: 'queued', version: -1, catchUp: true } as JobChange;
}

/** Whether a change can concern a watch, judged on what the change carries (no read). */
function mayConcern(state: WatchState, change: JobChange): boolean {
  const { watcher, sent } = state;
  if (watcher.ids !== undefined) return watcher.ids.has(change.jobId);
  const filter = watcher.filter!;
  if (sent.has(change.jobId)) return true;
  if ((change as { catchUp?: true }).catchUp) return false;
  if (filter.type !== undefined && !filter.type.includes(change.type)) return false;
  if (filter.status !== undefined && !filter.status.includes(change.status)) return false;
  return inReadScope(change, state.scope);
}

function readKey(read: FieldReads | undefined): string {
  if (read === undefined) return '';
  return JSON.stringify([read.payload, read.result, read.metadata]);
}
