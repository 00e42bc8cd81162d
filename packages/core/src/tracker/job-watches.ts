import { JobtrailError, JobValidationError } from '../errors/jobtrail-error.js';
import type { Job, JobScope } from '../model/job.js';
import { checkReadScope } from '../store/field-reads.js';
import type { FieldReads, JobStore } from '../store/job-store.js';
import { readInput } from '../util/read-input.js';
import { isUuid } from '../util/uuid-v7.js';
import { ChangeHub, type Watcher } from './change-hub.js';
import { checkedRead } from './job-queries.js';
import { toStoreFilter, type JobFilter } from './query-filters.js';
import type { TrackerEmitter } from './tracker-emitter.js';
import { show } from './validate-input.js';

/** Options of `tracker.watch`. */
export interface WatchOptions {
  /** A job watch (`watch(id)`) sees the job only within this scope; a filter carries its own. */
  scope?: JobScope;
  /** How each delivered job is read (see `FieldReads`). Default: in full. */
  read?: FieldReads;
  /**
   * Changes may have been missed (the store's feed lost its connection and is back). The watch
   * reads its jobs again by itself (a job watch its job, a filter watch the jobs it delivered) and
   * delivers those that changed; a filter watch cannot find jobs that began to match meanwhile:
   * re-read your list here.
   */
  onGap?: () => void;
}

/** `tracker.watch`: watches over one shared {@link ChangeHub}, created on the first. */
export class JobWatches {
  private hub: ChangeHub | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly emitter: TrackerEmitter,
  ) {}

  /** True when the store has a change feed (`subscribeChanges`): `watch` works. */
  get available(): boolean {
    return typeof this.store.subscribeChanges === 'function';
  }

  watch(target: string | JobFilter, listener: (job: Job) => void, options: WatchOptions = {}): () => void {
    if (!this.available) {
      throw new JobtrailError('change_feed_unavailable', 'This job store has no change feed (subscribeChanges), so jobs cannot be watched; poll with get/list instead.');
    }
    if (typeof listener !== 'function') throw new JobValidationError('listener', `must be a function; got ${show(listener)}.`);
    const watcher = readInput('options', () => toWatcher(target, listener, options));
    if (watcher === null) return () => {};
    this.hub ??= new ChangeHub(this.store, (error) => this.emitter.error(error, { operation: 'watch' }));
    return this.hub.add(watcher);
  }

  close(): void {
    this.hub?.close();
    this.hub = null;
  }
}

/** The watcher, or null when the filter can match nothing (its scope excludes everything). */
function toWatcher(target: string | JobFilter, listener: (job: Job) => void, options: WatchOptions): Watcher | null {
  if (options === null || typeof options !== 'object') throw new JobValidationError('options', `must be an object; got ${show(options)}.`);
  const onGap = options.onGap;
  if (onGap !== undefined && typeof onGap !== 'function') throw new JobValidationError('onGap', `must be a function; got ${show(onGap)}.`);
  const read = checkedRead(options.read);
  const gap = onGap ?? (() => {});
  if (typeof target === 'string') {
    if (!isUuid(target)) throw new JobValidationError('id', `must be a job id; got ${show(target)}.`);
    const scope = options.scope === undefined ? undefined : checkReadScope(options.scope);
    return { ids: new Set([target]), ...(scope === undefined ? {} : { scope }), read, deliver: listener, gap };
  }
  if (options.scope !== undefined) throw new JobValidationError('scope', 'goes in the filter ({ ..., scope }) when watching by filter.');
  const filter = toStoreFilter(target);
  if (filter === null) return null;
  // A metadata condition is judged on the job as read: read the metadata then.
  const watchRead = filter.metadata !== undefined && read?.metadata !== undefined ? { ...read, metadata: 'full' as const } : read;
  return { filter, read: watchRead, deliver: listener, gap };
}
