import type { Job } from '../model/job.js';

/**
 * Job records core itself just drafted from checked input, handed to the guard of the store with
 * core's word that they pass `checkJob` (and, for a batch, `checkJobs`): the guard skips checking
 * them again, the one check of the bulk path that repeated work already done.
 *
 * Safe because a vouch is narrow and single-use:
 * - Only core can vouch (this module is not exported), and only for what it built from a
 *   snapshot of checked input (`readCreateInput`: every option read once, into data the caller
 *   cannot reach), drafted in the same synchronous turn as the store call, when no telemetry hook
 *   has seen the drafts. No foreign code runs between the vouch and the guard's check, so nothing
 *   can alter the records in between (a frozen record would not stop a `Date` being changed
 *   through `setTime`; nobody holding it does).
 * - The guard consumes the vouch as it reads it (`WeakSet.delete`): the same object passed again
 *   later, by anyone, is checked in full. A batch is vouched for as the array itself, which core
 *   made and never shows anyone.
 * - The guard of another copy of core (ESM and CommonJS side by side) knows nothing of this set
 *   and checks in full.
 */
const vouched = new WeakSet<object>();

/** Marks `drafts` (one job, or core's own array of them) as checked; see the module comment. */
export function vouchForDrafts(drafts: Job | readonly Job[]): void {
  vouched.add(drafts);
}

/** Whether core vouched for `value`, forgetting the vouch: answers true once at most. */
export function takeVouch(value: unknown): boolean {
  return typeof value === 'object' && value !== null && vouched.delete(value);
}
