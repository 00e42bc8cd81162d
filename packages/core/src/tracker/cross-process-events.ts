import type { Job } from '../model/job.js';
import { isTerminal } from '../model/job-status.js';
import type { FieldReads } from '../store/job-store.js';
import type { JobWatches } from './job-watches.js';
import type { JobFilter } from './query-filters.js';
import type { JobEventName, TrackerEmitter } from './tracker-emitter.js';

/** Options of `tracker.listenToAllProcesses`. */
export interface AllProcessesOptions {
  /** Only jobs this list filter matches (with `scope`). Default: every job of the store. */
  filter?: JobFilter;
  /** How the jobs the events carry are read (see `FieldReads`). Default: in full. */
  read?: FieldReads;
}

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
  const told = emitter.told ?? new Map<string, string>();
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
    options.read === undefined ? {} : { read: options.read },
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
