import type { JobPatch, ProgressPatch } from '@jobtrail/core/store';
import type { UpdateFilter } from 'mongodb';
import { encodeMetrics, toErrorDocument, toHistoryDocument, type JobDocument } from '../mapping/job-document.js';

/** The `$set` of a transition: every field the patch defines; `undefined` leaves a field alone. */
export function patchUpdate(patch: JobPatch): UpdateFilter<JobDocument> & { $set: Partial<JobDocument> } {
  const set: Partial<JobDocument> = {};
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.attempt !== undefined) set.attempt = patch.attempt;
  if (patch.maxAttempts !== undefined) set.maxAttempts = patch.maxAttempts;
  if (patch.runAt !== undefined) set.runAt = patch.runAt;
  if (patch.lease !== undefined) {
    set.leaseOwner = patch.lease === null ? null : patch.lease.owner;
    set.leaseExpiresAt = patch.lease === null ? null : patch.lease.expiresAt;
  }
  setProgressFields(set, patch);
  if (patch.result !== undefined) set.result = patch.result;
  if (patch.note !== undefined) set.note = patch.note;
  if (patch.error !== undefined) set.error = patch.error === null ? null : toErrorDocument(patch.error);
  if (patch.errors !== undefined) set.errors = patch.errors.map(toErrorDocument);
  // Both replace the stored value wholesale ($set of the whole field, never a merge).
  if (patch.history !== undefined) set.history = patch.history.map(toHistoryDocument);
  if (patch.metrics !== undefined) set.metrics = encodeMetrics(patch.metrics);
  if (patch.startedAt !== undefined) set.startedAt = patch.startedAt;
  if (patch.finishedAt !== undefined) set.finishedAt = patch.finishedAt;
  set.updatedAt = patch.updatedAt;
  return { $set: set };
}

/** The `$set` of a progress write. */
export function progressUpdate(patch: ProgressPatch): UpdateFilter<JobDocument> & { $set: Partial<JobDocument> } {
  const set: Partial<JobDocument> = {};
  setProgressFields(set, patch);
  set.updatedAt = patch.updatedAt;
  return { $set: set };
}

/** The progress fields a patch defines (shared by transitions and progress writes). */
function setProgressFields(set: Partial<JobDocument>, patch: Pick<ProgressPatch, 'progress' | 'stage' | 'current' | 'total'>): void {
  if (patch.progress !== undefined) set.progress = patch.progress;
  if (patch.stage !== undefined) set.stage = patch.stage;
  if (patch.current !== undefined) set.current = patch.current;
  if (patch.total !== undefined) set.total = patch.total;
}
