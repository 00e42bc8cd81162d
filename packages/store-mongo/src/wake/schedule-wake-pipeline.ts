import type { StoreWakeEvent } from '@jobtrail/core/store';
import type { Document } from 'mongodb';

/**
 * The change-stream pipeline of the schedules collection: every insert, update, replacement and
 * deletion of a schedule (a scheduler in any process then recomputes its sleep), and of each only
 * the schedule's name, which is `documentKey._id` (see `ScheduleDocument`), so deletions carry it
 * too and no `fullDocument` lookup is needed. Collection events (`drop`, `rename`, `invalidate`)
 * are left out; a dropped collection ends the stream, which the waker reopens like any failed one.
 */
export const SCHEDULE_WAKE_PIPELINE: readonly Document[] = [
  { $match: { operationType: { $in: ['insert', 'update', 'replace', 'delete'] } } },
  // Keeps `_id` (the resume token), which a change stream must never lose.
  { $project: { operationType: 1, 'documentKey._id': 1 } },
];

/**
 * The wake event of one schedule change, `{ schedule: name }`; null (nothing to deliver) for a
 * document whose `_id` is not a name, which this store never writes.
 */
export function scheduleChangeToWakeEvent(change: unknown): StoreWakeEvent | null {
  const name = (change as { documentKey?: { _id?: unknown } } | null)?.documentKey?._id;
  return typeof name === 'string' ? { schedule: name } : null;
}
