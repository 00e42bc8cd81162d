import type { StoreWakeEvent } from '@jobtrail/core/store';
import type { Document } from 'mongodb';

/**
 * The change-stream pipeline of the type-controls collection: a record written (inserted, replaced,
 * or updated with a new `version`, which every `putTypeControl` sets) or deleted, so that workers in
 * every process claim at once what a resume or a raised limit frees. Claims increment `claims` on
 * the same documents (see `CLAIM_MARK`) without touching `version`: those updates are filtered out
 * on the server. Of each change only the type travels: `documentKey._id` (see `TypeControlDocument`).
 */
export const TYPE_CONTROL_WAKE_PIPELINE: readonly Document[] = [
  {
    $match: {
      $or: [
        { operationType: { $in: ['insert', 'replace', 'delete'] } },
        { operationType: 'update', 'updateDescription.updatedFields.version': { $exists: true } },
      ],
    },
  },
  // Keeps `_id` (the resume token), which a change stream must never lose.
  { $project: { operationType: 1, 'documentKey._id': 1 } },
];

/** The wake event of one record change, `{ type }`; null for a document whose `_id` is not a type. */
export function typeControlChangeToWakeEvent(change: unknown): StoreWakeEvent | null {
  const type = (change as { documentKey?: { _id?: unknown } } | null)?.documentKey?._id;
  return typeof type === 'string' ? { type } : null;
}
