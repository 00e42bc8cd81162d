import type { Job } from '../model/job.js';
import { isTerminal } from '../model/job-status.js';
import type { FieldReads } from '../store/job-store.js';
import type { JobWatches } from './job-watches.js';
import type { JobFilter } from './query-filters.js';
import type { JobEventName, ToldState, TrackerEmitter } from './tracker-emitter.js';
import { JobValidationError } from '../errors/jobtrail-error.js';
import { isPlainObject, show } from './validate-input.js';

/** Options of `tracker.listenToAllProcesses`. */
export interface AllProcessesOptions {
  /** Only jobs this list filter matches (with `scope`). Default: every job of the store. */
  filter?: JobFilter;
  /** How the jobs the events carry are read (see `FieldReads`). Default: in full. */
  read?: FieldReads;
  /**
   * Changes may have been missed (the feed reconnected): jobs already told are read again and
   * told if they moved on, but jobs that were created and finished meanwhile are not; re-read
   * what you depend on here.
   */
  onGap?: () => void;
  /** The relay ended by itself (the tracker or the store closed, or the feed stopped for good). */
  onEnd?: () => void;
}

const OPTION_KEYS = ['filter', 'read', 'onGap', 'onEnd'];

/** The event a job's state stands for, when heard through the feed (none for a re-queued job). */
function eventOf(job: Job): JobEventName | null {
  if (job.status === 'queued') return job.attempt === 0 ? 'created' : null;
  if (job.status === 'running') return 'started';
  if (job.status === 'retrying') return 'retrying';
  return isTerminal(job.status) ? job.status : null;
}

/**
 * `tracker.listenToAllProcesses`: a filter watch whose jobs become the tracker's own events, each
 * status of each attempt told once, whether this process or another made the change.
 */
export function relayAllProcesses(watches: JobWatches, emitter: TrackerEmitter, options: AllProcessesOptions = {}): () => void {
  const given: unknown = options;
  if (!isPlainObject(given)) throw new JobValidationError('options', `must be an object such as { filter: { type: 'reports.build' } }; got ${show(options)}.`);
  for (const key of Object.keys(given)) {
    if (!OPTION_KEYS.includes(key)) throw new JobValidationError(key, `is not an option of listenToAllProcesses. Known: ${OPTION_KEYS.join(', ')}.`);
  }
  const told = emitter.told ?? new Map<string, ToldState>();
  emitter.told = told;
  relaying.set(emitter, (relaying.get(emitter) ?? 0) + 1);
  const release = () => {
    const left = relaying.get(emitter)! - 1;
    relaying.set(emitter, left);
    // Nobody relays any more: local events go back to being told as they come.
    if (left === 0) emitter.told = null;
  };
  let stopped = false;
  let stop: () => void;
  try {
    stop = watches.watch(
    options.filter ?? {},
    (job) => {
      const event = eventOf(job);
      if (event !== null) emitter.job(event, job);
    },
    {
      ...(options.read === undefined ? {} : { read: options.read }),
      ...(options.onGap === undefined ? {} : { onGap: options.onGap }),
      onEnd: () => {
        if (!stopped) {
          stopped = true;
          release();
        }
        options.onEnd?.();
      },
    },
  );
  } catch (error) {
    release();
    throw error;
  }
  return () => {
    if (stopped) return;
    stopped = true;
    stop();
    release();
  };
}

/** Relays running per emitter (one per tracker). */
const relaying = new WeakMap<TrackerEmitter, number>();
