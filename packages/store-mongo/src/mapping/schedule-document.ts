import type { ScheduleRecord } from '@jobtrail/core/store';
import { BSON } from 'mongodb';

/**
 * One schedule as stored in the schedules collection. Internal to this package: everything
 * leaving it is a core `ScheduleRecord`. The fields are the record's, under the same names, but:
 *
 * - `_id` is the schedule's name. The primary key then keeps names unique across tenants with no
 *   index of its own, `_id` order is name order (`listSchedules`), and every change event,
 *   deletions included, names the schedule in its `documentKey` (see the schedule wake pipeline).
 * - Every nullable field is stored, as null when empty, and `pendingTicks` as an array (empty
 *   when none), so filters never depend on whether a field is missing.
 */
export type ScheduleDocument = Omit<ScheduleRecord, 'name'> & { _id: string };

/**
 * The flags as the due filters read them: only `enabled: true` is enabled and only
 * `paused: false` is running, so a document whose flag is missing or not a boolean (edited by
 * hand) reads as disabled or paused — exactly what `dueSchedulesFilter` and `NEXT_RUN_FILTER`
 * take it for — and never fires without the record saying so.
 */
export function readEnabled(value: unknown): boolean {
  return value === true;
}

export function readPaused(value: unknown): boolean {
  return value !== false;
}

/**
 * The document for a schedule being inserted (already checked by `guardStore`). Nullable fields a
 * JavaScript caller left `undefined` become null, and the flags are stored as they read back, so
 * every stored document has the complete shape and reads back as the record `insertSchedule`
 * answers.
 */
export function toScheduleDocument(record: ScheduleRecord): ScheduleDocument {
  return {
    _id: record.name,
    type: record.type,
    payload: record.payload === undefined ? null : record.payload,
    metadata: record.metadata ?? {},
    tenantId: record.tenantId ?? null,
    cron: record.cron ?? null,
    timezone: record.timezone ?? null,
    everyMs: record.everyMs ?? null,
    startAt: record.startAt ?? null,
    endAt: record.endAt ?? null,
    anchorAt: record.anchorAt,
    overlap: record.overlap,
    catchUp: record.catchUp,
    maxCatchUp: record.maxCatchUp,
    enabled: readEnabled(record.enabled),
    paused: readPaused(record.paused),
    nextRunAt: record.nextRunAt ?? null,
    lastRunAt: record.lastRunAt ?? null,
    lastJobId: record.lastJobId ?? null,
    pendingTicks: record.pendingTicks ?? [],
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/**
 * The record a document read from MongoDB stands for. The driver builds fresh objects for every
 * read, so the record shares nothing with anyone. Fields are read defensively, and the same way
 * the filters see them (see `schedule-documents.ts`): a missing nullable field reads as null (as
 * `{ tenantId: null }` matches it), a missing or non-array `pendingTicks` as none, the flags as
 * `readEnabled`/`readPaused` say.
 */
export function toScheduleRecord(doc: ScheduleDocument): ScheduleRecord {
  return {
    name: doc._id,
    type: doc.type,
    payload: doc.payload ?? null,
    metadata: doc.metadata ?? {},
    tenantId: doc.tenantId ?? null,
    cron: doc.cron ?? null,
    timezone: doc.timezone ?? null,
    everyMs: doc.everyMs ?? null,
    startAt: doc.startAt ?? null,
    endAt: doc.endAt ?? null,
    anchorAt: doc.anchorAt,
    overlap: doc.overlap,
    catchUp: doc.catchUp,
    maxCatchUp: doc.maxCatchUp,
    enabled: readEnabled(doc.enabled),
    paused: readPaused(doc.paused),
    nextRunAt: doc.nextRunAt ?? null,
    lastRunAt: doc.lastRunAt ?? null,
    lastJobId: doc.lastJobId ?? null,
    pendingTicks: Array.isArray(doc.pendingTicks) ? doc.pendingTicks : [],
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/**
 * The record exactly as a later `getSchedule` would read `doc` back: through BSON and out again
 * (with the collection's `ignoreUndefined`). `insertSchedule` answers it, so the answer shares
 * nothing with the caller's record and shows the database's normalisation.
 */
export function asStoredSchedule(doc: ScheduleDocument, options: { ignoreUndefined?: boolean } = {}): ScheduleRecord {
  const bytes = BSON.serialize(doc, { ignoreUndefined: options.ignoreUndefined ?? false });
  return toScheduleRecord(BSON.deserialize(bytes) as ScheduleDocument);
}
