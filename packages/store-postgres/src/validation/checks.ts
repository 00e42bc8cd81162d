import { JobValidationError, type JobAttemptEntry, type JobHistoryEntry } from '@jobtrail/core';
import { isUuid } from '@jobtrail/core/store';

/**
 * What PostgreSQL adds to core's checks. Every argument reaches this store through `guardStore`,
 * which has already refused values of the wrong type (see `store-input.ts` in core); what is left
 * is what the table's columns and indexes cannot hold, refused before any SQL as
 * `JobValidationError` (`invalid_input`) naming the field, never as a PostgreSQL error to decode.
 */

const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;
/**
 * Indexed text (type, key, tenant, owner, lease owner) is bounded: a btree entry holds at most
 * ~2.7 kB. The dedupe index holds type, key, tenant and owner together, so a keyed job near all
 * four limits can still exceed it: PostgreSQL then refuses it (54000, mapped to `invalid_input`).
 */
export const MAX_INDEXED_TEXT_BYTES = 1000;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}

/** An integer that fits the `integer` (int4) column or parameter it is bound for. */
export function requireInt(field: string, value: unknown, min = INT4_MIN, max = INT4_MAX): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new JobValidationError(field, `must be an integer from ${min} to ${max}; got ${show(value)}.`);
  }
  return value;
}

/** Text bound for an indexed column: at most {@link MAX_INDEXED_TEXT_BYTES} bytes of UTF-8. */
export function indexedText(field: string, value: string): string;
export function indexedText(field: string, value: string | null | undefined): string | null;
export function indexedText(field: string, value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  if (value.length * 3 > MAX_INDEXED_TEXT_BYTES && Buffer.byteLength(value) > MAX_INDEXED_TEXT_BYTES) {
    throw new JobValidationError(field, `must be at most ${MAX_INDEXED_TEXT_BYTES} bytes (it is indexed); got ${Buffer.byteLength(value)}.`);
  }
  return value;
}

/** A value bound for a `uuid` column: null, or a job id (anything else would fail the cast). */
export function optionalUuid(field: string, value: string | null | undefined): string | null {
  if (value == null) return null;
  if (!isUuid(value)) throw new JobValidationError(field, `must be a job id (a lowercase UUID); got ${show(value)}.`);
  return value;
}

/**
 * One history entry as stored: exactly the fields of its kind (nullable fields left `undefined`
 * become null), so what is stored reads back equal to what core wrote; its counts are kept to the
 * int4 range every count of this store has.
 */
function toHistoryRecord(field: string, entry: JobHistoryEntry): JobHistoryEntry {
  if (entry.kind === 'retry') {
    return { kind: 'retry', at: entry.at, afterAttempt: requireInt(`${field}.afterAttempt`, entry.afterAttempt, 0) };
  }
  const attempt: JobAttemptEntry = {
    kind: 'attempt',
    attempt: requireInt(`${field}.attempt`, entry.attempt, 0),
    owner: entry.owner ?? null,
    startedAt: entry.startedAt ?? null,
    finishedAt: entry.finishedAt,
    outcome: entry.outcome,
    error: entry.error ?? null,
    progress: entry.progress,
    stage: entry.stage ?? null,
    metrics: entry.metrics,
  };
  return attempt;
}

export function toHistoryRecords(field: string, history: readonly JobHistoryEntry[]): JobHistoryEntry[] {
  return history.map((entry, index) => toHistoryRecord(`${field}[${index}]`, entry));
}

/**
 * A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one
 * (without the `u` flag the pattern matches UTF-16 code units, which is what is needed here).
 */
const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text bound for a plain text parameter (a schedule name, a tenant to filter by): PostgreSQL
 * refuses a NUL character in text, and node-postgres would send an unpaired UTF-16 surrogate as
 * U+FFFD, silently naming another value. Text inside JSON needs no such check: jsonb refuses both
 * (mapped to `invalid_input` like any value PostgreSQL cannot store).
 */
export function storableText(field: string, value: string): string {
  if (UNSTORABLE_TEXT.test(value)) {
    throw new JobValidationError(field, `contains text PostgreSQL cannot store (a \\u0000 character or an unpaired UTF-16 surrogate); got ${show(value)}.`);
  }
  return value;
}
