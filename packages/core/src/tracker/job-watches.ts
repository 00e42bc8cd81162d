import { JobtrailError, JobValidationError } from '../errors/jobtrail-error.js';
import type { Job, JobScope } from '../model/job.js';
import { checkReadScope, jsonBytes, toReadPlan } from '../store/field-reads.js';
import type { FieldReads, JobStore } from '../store/job-store.js';
import { readInput } from '../util/read-input.js';
import { isUuid } from '../util/uuid-v7.js';
import { ChangeHub, type Watcher } from './change-hub.js';
import { checkedRead } from './job-queries.js';
import { JOB_FILTER_KEYS, toStoreFilter, type JobFilter } from './query-filters.js';
import type { TrackerEmitter } from './tracker-emitter.js';
import { isPlainObject, show } from './validate-input.js';

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
   * re-read your list here. Also called when a job it delivered moved out of its scope.
   */
  onGap?: () => void;
  /**
   * The watch ended without `stop()`: the tracker or the store closed, or the store's feed
   * stopped for good. Nothing more will be delivered.
   */
  onEnd?: () => void;
}

/** The keys a watch filter may hold: the list filters (paging has no meaning for a watch). */
const WATCH_FILTER_KEYS: readonly string[] = JOB_FILTER_KEYS;

/** `tracker.watch`: watches over one shared {@link ChangeHub}, created on the first. */
export class JobWatches {
  private hub: ChangeHub | null = null;
  private closed = false;

  constructor(
    private readonly store: JobStore,
    private readonly emitter: TrackerEmitter,
  ) {}

  /** True when the store has a change feed (`subscribeChanges`): `watch` works. */
  get available(): boolean {
    return typeof this.store.subscribeChanges === 'function';
  }

  watch(target: string | JobFilter, listener: (job: Job) => void, options: WatchOptions = {}): () => void {
    if (this.closed) throw new JobtrailError('tracker_closed', 'This tracker is closed: it watches nothing any more.');
    if (!this.available) {
      throw new JobtrailError('change_feed_unavailable', 'This job store has no change feed (subscribeChanges), so jobs cannot be watched; poll with get/list instead.');
    }
    if (typeof listener !== 'function') throw new JobValidationError('listener', `must be a function; got ${show(listener)}.`);
    const watcher = readInput('options', () => toWatcher(target, listener, options));
    if (watcher === null) return () => {};
    this.hub ??= new ChangeHub(this.store, (error) => this.emitter.error(error, { operation: 'watch' }));
    try {
      return this.hub.add(watcher);
    } catch (error) {
      // The store has a feed but cannot serve it now (PostgreSQL with LISTEN off, a closed store).
      throw new JobtrailError('change_feed_unavailable', `The store's change feed cannot be subscribed to: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  /** Ends every watch (each `onEnd` runs); later `watch` calls throw `tracker_closed`. */
  close(): void {
    this.closed = true;
    this.hub?.close();
    this.hub = null;
  }
}

/** The watcher, or null when the filter can match nothing (its scope excludes everything). */
function toWatcher(target: string | JobFilter, listener: (job: Job) => void, options: WatchOptions): Watcher | null {
  const given: unknown = options;
  if (!isPlainObject(given)) throw new JobValidationError('options', `must be an object; got ${show(options)}.`);
  for (const name of ['onGap', 'onEnd'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'function') throw new JobValidationError(name, `must be a function; got ${show(value)}.`);
  }
  const read = checkedRead(options.read);
  const gap = options.onGap ?? (() => {});
  const end = options.onEnd ?? (() => {});
  if (typeof target === 'string') {
    if (!isUuid(target)) throw new JobValidationError('id', `must be a job id; got ${show(target)}.`);
    const scope = options.scope === undefined ? undefined : checkReadScope(options.scope);
    return { ids: new Set([target]), ...(scope === undefined ? {} : { scope }), read, deliver: listener, gap, end };
  }
  // Anything else must be a list filter: a number or an array watching every job would be a trap.
  const filterGiven: unknown = target;
  if (!isPlainObject(filterGiven)) {
    throw new JobValidationError('target', `must be a job id or a filter object such as { type: 'emails.send' }; got ${show(target)}.`);
  }
  for (const key of Object.keys(target)) {
    if (!WATCH_FILTER_KEYS.includes(key)) throw new JobValidationError(key, `is not a watch filter. Known: ${WATCH_FILTER_KEYS.join(', ')}.`);
  }
  if (options.scope !== undefined) throw new JobValidationError('scope', 'goes in the filter ({ ..., scope }) when watching by filter.');
  const filter = toStoreFilter(target);
  if (filter === null) return null;
  // A metadata condition is judged on the job as read: read the metadata in full then, and give
  // the listener the job as its own `read` says (so a cap or an omission still holds).
  const metadataRead = toReadPlan(read).metadata;
  if (filter.metadata === undefined || metadataRead === 'full') return { filter, read, deliver: listener, gap, end };
  return {
    filter,
    read: { ...read, metadata: 'full' },
    deliver: (job) => listener(narrowMetadata(job, metadataRead)),
    gap,
    end,
  };
}

/** The job with its metadata read as `how` says ('omit', or at most that many bytes of JSON). */
function narrowMetadata(job: Job, how: 'omit' | number): Job {
  const bytes = how === 'omit' ? 0 : jsonBytes(job.metadata);
  if (how !== 'omit' && bytes <= how) return job;
  const narrowed: Job = { ...job, unread: { ...(job.unread ?? {}), metadata: how === 'omit' ? { reason: 'omitted' } : { reason: 'too_large', bytes } } };
  (narrowed as { metadata: unknown }).metadata = undefined;
  return narrowed;
}
