import type { StoreWakeEvent } from '@jobtrail/core/store';
import type { Document } from 'mongodb';
import { CLAIMABLE_STATUSES } from '../documents/statuses.js';

/**
 * The change-stream pipeline of wake-ups: only changes that make a job claimable — an insert (or
 * replacement) of a queued/retrying job, or an update that sets status to queued/retrying — and of
 * those only the job type. Everything else (progress, heartbeats, claims) is filtered out on the
 * server, and `fullDocument: 'updateLookup'` is not used: it would cost a lookup per update event.
 */
export const WAKE_PIPELINE: readonly Document[] = [
  {
    $match: {
      $or: [
        { operationType: { $in: ['insert', 'replace'] }, 'fullDocument.status': { $in: [...CLAIMABLE_STATUSES] } },
        { operationType: 'update', 'updateDescription.updatedFields.status': { $in: [...CLAIMABLE_STATUSES] } },
      ],
    },
  },
  // Keeps `_id` (the resume token), which a change stream must never lose.
  { $project: { operationType: 1, 'fullDocument.type': 1 } },
];

/**
 * The wake event of one change: inserts carry the job type; an update event only has the changed
 * fields, so its type is unknown (a worker then wakes for any type).
 */
export function changeToWakeEvent(change: unknown): StoreWakeEvent {
  const type = (change as { fullDocument?: { type?: unknown } } | null)?.fullDocument?.type;
  return typeof type === 'string' ? { type } : {};
}
