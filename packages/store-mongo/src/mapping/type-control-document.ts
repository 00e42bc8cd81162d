import type { TypeControl, TypeRateLimit } from '@jobtrail/core/store';

/**
 * One job type's flow control as stored in the type-controls collection. Internal to this
 * package: everything leaving it is a core `TypeControl`. The fields are the record's, under the
 * same names, but:
 *
 * - `_id` is the type. The primary key keeps one record per type with no index of its own, `_id`
 *   order is code point order (`listTypeControls`), and every change event names the type in its
 *   `documentKey` (see the type-control wake pipeline).
 * - `claims` is not part of the record: every claim of a controlled type increments it first
 *   thing in its transaction, so that two claimers of one type always write the same document and
 *   MongoDB lets only one of them commit (see `TypeClaim`). `putTypeControl` never touches it.
 */
export interface TypeControlDocument {
  _id: string;
  maxRunning: number | null;
  maxRunningPerGroup: number | null;
  rateLimit: TypeRateLimit | null;
  paused: boolean;
  version: number;
  updatedAt: Date;
  claims?: number;
}

/** The document of a record being written (checked by `guardStore`): the record's fields, `claims` left alone. */
export function toTypeControlDocument(control: TypeControl): TypeControlDocument {
  return {
    _id: control.type,
    maxRunning: control.maxRunning,
    maxRunningPerGroup: control.maxRunningPerGroup,
    rateLimit: control.rateLimit === null ? null : { limit: control.rateLimit.limit, intervalMs: control.rateLimit.intervalMs, perGroup: control.rateLimit.perGroup },
    paused: control.paused,
    version: control.version,
    updatedAt: control.updatedAt,
  };
}

/** A limit as stored, or null; a value that is not a number (a hand edit) is no limit. */
function readLimit(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function readRateLimit(value: unknown): TypeRateLimit | null {
  if (value === null || typeof value !== 'object') return null;
  const { limit, intervalMs, perGroup } = value as Partial<Record<keyof TypeRateLimit, unknown>>;
  if (typeof limit !== 'number' || typeof intervalMs !== 'number') return null;
  return { limit, intervalMs, perGroup: perGroup === true };
}

/**
 * The record a document read from MongoDB stands for (the driver builds fresh objects for every
 * read, so it shares nothing). Read defensively, like schedules: only `paused: false` runs, so a
 * document whose flag is missing or not a boolean (edited by hand) holds its type back rather
 * than letting it run unchecked; `claims` never leaves the store.
 */
export function toTypeControl(doc: TypeControlDocument): TypeControl {
  return {
    type: doc._id,
    maxRunning: readLimit(doc.maxRunning),
    maxRunningPerGroup: readLimit(doc.maxRunningPerGroup),
    rateLimit: readRateLimit(doc.rateLimit),
    paused: doc.paused !== false,
    version: doc.version,
    updatedAt: doc.updatedAt,
  };
}
