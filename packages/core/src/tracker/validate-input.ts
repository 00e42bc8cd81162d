import { JobValidationError } from '../errors/jobtrail-error.js';
import type { StoreLimits } from '../store/job-store.js';
import { MAX_JOB_TYPE_LENGTH } from '../model/job-type.js';
import { checkJson, type JsonCheckHooks } from './json-check.js';
import { isUuid } from '../util/uuid-v7.js';
import { dateTime, isDate } from '../util/dates.js';

/** What a job is created with; everything is optional but the type. */
export interface CreateJobInput<TPayload = unknown> {
  payload?: TPayload;
  metadata?: Record<string, unknown>;
  tenantId?: string | null;
  ownerId?: string | null;
  parentId?: string | null;
  /**
   * The job's group (a tenant, an upstream API account), 1 to 255 characters, or null (the
   * default). Groups of a type with limits are served round-robin, and `maxRunningPerGroup` and
   * a per-group rate limit count per group (see `tracker.setTypeLimits`).
   */
  group?: string | null;
  /**
   * Dedupe key: while a job of this type with this key, tenant and owner is not finished, creating
   * another returns it. Keys are scoped: the same key under another tenant or owner is another job.
   */
  key?: string | null;
  /** Higher runs first; an integer from -32768 to 32767. Default 0. */
  priority?: number;
  /**
   * Not claimable before this instant. Default: now. Must lie within {@link DATE_MIN} ..
   * {@link DATE_MAX} (years 0001 to 9999 UTC), the range every store can hold.
   */
  runAt?: Date;
  /** Shorthand for `runAt = now + delayMs`. */
  delayMs?: number;
  /** Attempts before the job fails for good (1..1000). Default: the tracker's or type's setting. */
  maxAttempts?: number;
  /** Store-specific transaction handle: insert inside the caller's transaction. */
  transaction?: unknown;
}

export const PRIORITY_MIN = -32768;
export const PRIORITY_MAX = 32767;
export const MAX_ATTEMPTS_LIMIT = 1000;
const MAX_TEXT = 255;

/**
 * The earliest instant every store can hold, `0001-01-01T00:00:00.000Z`. PostgreSQL's
 * timestamptz reaches further back (4713 BC) and BSON dates further still, but years before 1
 * have no four-digit ISO form and are read back differently by drivers; jobtrail refuses them.
 */
export const DATE_MIN = -62_135_596_800_000;
/** The latest instant every store can hold, `9999-12-31T23:59:59.999Z` (see {@link DATE_MIN}). */
export const DATE_MAX = 253_402_300_799_999;

/** Cheap pre-check: could the string hold a NUL or a surrogate at all? Most strings fail it. */
const SUSPECT = /[\u0000\uD800-\uDFFF]/;
/**
 * A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high
 * one. Without the `u` flag the pattern matches UTF-16 code units, which is what is needed here.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');
const CREATE_KEYS = new Set([
  'payload',
  'metadata',
  'tenantId',
  'ownerId',
  'group',
  'parentId',
  'key',
  'priority',
  'runAt',
  'delayMs',
  'maxAttempts',
  'transaction',
]);

export function assertJobType(type: unknown): asserts type is string {
  if (typeof type !== 'string' || type.trim() === '') {
    throw new JobValidationError('type', `must be a non-empty string such as "imports.upload"; got ${show(type)}.`);
  }
  if (type.length > MAX_JOB_TYPE_LENGTH) throw new JobValidationError('type', `must be at most ${MAX_JOB_TYPE_LENGTH} characters.`);
  assertStorableText(type, 'type');
}

/**
 * Rejects text no store can hold: the NUL character (PostgreSQL refuses it in `text` and
 * `jsonb`, MongoDB in keys) and unpaired UTF-16 surrogates (not valid Unicode: PostgreSQL
 * refuses them, MongoDB's driver would silently turn them into U+FFFD). The error names `field`
 * and the position (a UTF-16 index, like `String.prototype.indexOf`). Values that are not strings
 * pass: checking the type is the caller's job. Plain text costs one regex test.
 *
 * @throws {JobValidationError} (`invalid_input`) naming `field` and the index.
 */
export function assertStorableText(text: string, field: string): void {
  checkText(text, field, 'contains');
}

/**
 * The text with every NUL and unpaired surrogate replaced by U+FFFD (the replacement
 * character), so it can be stored: for texts that must be recorded rather than refused, such as
 * error messages. Returns `text` itself when there is nothing to replace.
 */
export function storableText(text: string): string {
  return SUSPECT.test(text) ? text.replace(UNSTORABLE_ALL, '\uFFFD') : text;
}

/**
 * Rejects a Date every store cannot hold: an invalid Date, or one outside {@link DATE_MIN} ..
 * {@link DATE_MAX} (years 0001 to 9999 UTC).
 *
 * @throws {JobValidationError} (`invalid_input`) naming `field`.
 */
export function assertStorableDate(value: unknown, field: string): asserts value is Date {
  const time = dateTime(value);
  if (!Number.isFinite(time)) throw new JobValidationError(field, `must be a valid Date; got ${show(value)}.`);
  if (time < DATE_MIN || time > DATE_MAX) {
    throw new JobValidationError(
      field,
      `must lie from 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z, the range every store can hold; got ${new Date(time).toISOString()}.`,
    );
  }
}

function checkText(text: unknown, field: string, verb: string): void {
  if (typeof text !== 'string' || !SUSPECT.test(text)) return;
  const match = UNSTORABLE.exec(text);
  if (!match) return;
  const unit = match[0].charCodeAt(0);
  const what =
    unit === 0
      ? 'a NUL character (\\u0000)'
      : `an unpaired UTF-16 surrogate (\\u${unit.toString(16).toUpperCase()})`;
  const why =
    unit === 0
      ? 'PostgreSQL cannot store it; remove it or replace it (e.g. with U+FFFD)'
      : 'it is not valid Unicode and PostgreSQL cannot store it (cutting a string inside a character such as an emoji leaves one)';
  throw new JobValidationError(field, `${verb} ${what} at index ${match.index}; ${why}.`);
}

/** Checks a create/enqueue input; throws before anything is stored. */
/**
 * Refuses a key of `value` that is neither in `known` nor in `extra`, naming it (with `prefix`)
 * and listing the known ones: a misspelt option never passes silently.
 *
 * @throws {JobValidationError} (`invalid_input`).
 */
export function assertKnownKeys(value: object, known: ReadonlySet<string>, what: string, prefix = '', extra: readonly string[] = []): void {
  const keys = Object.keys(value);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (!known.has(key) && !extra.includes(key)) {
      throw new JobValidationError(`${prefix}${key}`, `is not ${what} option. Known options: ${[...known, ...extra].join(', ')}.`);
    }
  }
}

/** `withoutKeys`: options this caller does not take (an `enqueueMany` item has no `transaction`). */
export function validateCreateInput(
  input: unknown,
  allowedExtraKeys: readonly string[] = [],
  limits?: StoreLimits,
  withoutKeys: readonly string[] = [],
): CreateJobInput {
  if (input === undefined) return {};
  assertCreateShape(input, allowedExtraKeys, withoutKeys);
  checkCreateFields(input as CreateJobInput, limits);
  return input as CreateJobInput;
}

/**
 * What {@link validateCreateInput} checks, answering not `input` but its options read once each
 * into a fresh record (a `runAt` Date copied): what was checked is exactly what a draft is made
 * of, whatever a getter answers on a second read or the caller changes in `input` afterwards.
 * Nested values (payload, metadata) are the caller's, as before. This is what lets core vouch for
 * its drafts to the store's guard (see `store/vouched-drafts.ts`).
 */
export function readCreateInput(
  input: unknown,
  allowedExtraKeys: readonly string[] = [],
  limits?: StoreLimits,
  withoutKeys: readonly string[] = [],
): CreateJobInput {
  if (input === undefined) return {};
  assertCreateShape(input, allowedExtraKeys, withoutKeys);
  const value = snapshotCreateInput(input as CreateJobInput);
  checkCreateFields(value, limits);
  if (value.runAt !== undefined) value.runAt = new Date(dateTime(value.runAt));
  return value;
}

function assertCreateShape(input: unknown, allowedExtraKeys: readonly string[], withoutKeys: readonly string[]): void {
  if (!isPlainObject(input)) throw new JobValidationError('options', `must be an object; got ${show(input)}.`);
  assertKnownKeys(input, createKeysWithout(withoutKeys), 'a job', '', allowedExtraKeys);
}

/** The create options less `withoutKeys`, made once per distinct list (callers pass constants). */
const keysWithout = new WeakMap<readonly string[], ReadonlySet<string>>();
function createKeysWithout(withoutKeys: readonly string[]): ReadonlySet<string> {
  if (withoutKeys.length === 0) return CREATE_KEYS;
  let known = keysWithout.get(withoutKeys);
  if (known === undefined) {
    known = new Set([...CREATE_KEYS].filter((key) => !withoutKeys.includes(key)));
    keysWithout.set(withoutKeys, known);
  }
  return known;
}

/** Every create option read once (one shape for all: absent ones are `undefined`). */
function snapshotCreateInput(input: CreateJobInput): CreateJobInput {
  return {
    payload: input.payload,
    metadata: input.metadata,
    tenantId: input.tenantId,
    ownerId: input.ownerId,
    parentId: input.parentId,
    group: input.group,
    key: input.key,
    priority: input.priority,
    runAt: input.runAt,
    delayMs: input.delayMs,
    maxAttempts: input.maxAttempts,
    transaction: input.transaction,
  };
}

function checkCreateFields(value: CreateJobInput, limits: StoreLimits | undefined): void {
  if (value.payload !== undefined) assertJson(value.payload, 'payload', limits);
  if (value.metadata !== undefined) {
    if (!isPlainObject(value.metadata)) throw new JobValidationError('metadata', 'must be a plain object.');
    assertJson(value.metadata, 'metadata', limits);
  }
  assertOptionalText(value.tenantId, 'tenantId');
  assertOptionalText(value.ownerId, 'ownerId');
  assertOptionalText(value.group, 'group');
  assertOptionalText(value.key, 'key');
  if (value.parentId != null && !isUuid(value.parentId)) {
    throw new JobValidationError('parentId', `must be a job id (UUID); got ${show(value.parentId)}.`);
  }
  if (value.priority !== undefined) assertInteger(value.priority, 'priority', PRIORITY_MIN, PRIORITY_MAX);
  if (value.maxAttempts !== undefined) assertInteger(value.maxAttempts, 'maxAttempts', 1, MAX_ATTEMPTS_LIMIT);
  if (value.runAt !== undefined) assertStorableDate(value.runAt, 'runAt');
  if (value.delayMs !== undefined) {
    if (typeof value.delayMs !== 'number' || !Number.isFinite(value.delayMs) || value.delayMs < 0) {
      throw new JobValidationError('delayMs', `must be a finite number of milliseconds >= 0; got ${show(value.delayMs)}.`);
    }
    if (value.runAt !== undefined) throw new JobValidationError('delayMs', 'cannot be combined with runAt.');
  }
}

export function assertInteger(value: unknown, field: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new JobValidationError(field, `must be an integer from ${min} to ${max}; got ${show(value)}.`);
  }
}

/** An optional integer option: `fallback` when unset, else checked against min..max. */
export function integerOption(value: number | undefined, fallback: number, field: string, min: number, max: number): number {
  const resolved = value ?? fallback;
  assertInteger(resolved, field, min, max);
  return resolved;
}

/** A metric increment as any caller gives it: a non-empty, storable name of at most 255 characters and a finite number. */
export function assertMetricIncrement(name: unknown, delta: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new JobValidationError('metrics.name', 'must be a non-empty string such as "leadsProcessed".');
  }
  if (name.length > MAX_TEXT) {
    throw new JobValidationError('metrics.name', `must be at most ${MAX_TEXT} characters; got ${name.length}.`);
  }
  assertStorableText(name, 'metrics.name');
  assertMetricDelta(name, delta);
}

/** A metric increment: a named, finite number. */
export function assertMetricDelta(name: string, delta: unknown): asserts delta is number {
  if (typeof delta !== 'number' || !Number.isFinite(delta)) {
    throw new JobValidationError(`metrics.${name}`, `increment must be a finite number; got ${String(delta)}.`);
  }
}

/** Absent (null/undefined) or a non-empty, storable string of at most 255 characters. */
export function assertOptionalText(value: unknown, field: string): void {
  if (value == null) return;
  if (typeof value !== 'string' || value === '') {
    throw new JobValidationError(field, `must be a non-empty string or null; got ${show(value)}.`);
  }
  if (value.length > MAX_TEXT) throw new JobValidationError(field, `must be at most ${MAX_TEXT} characters.`);
  assertStorableText(value, field);
}

/**
 * Rejects what would not survive a round trip through a store: functions, symbols, BigInt,
 * cycles, non-finite numbers, class instances other than plain Dates, Dates outside years
 * 0001..9999 (see {@link assertStorableDate}), strings or object keys holding a NUL or an unpaired
 * surrogate (see {@link assertStorableText}), values nested or sized beyond the store's `limits`,
 * and values that cannot be read (a revoked Proxy, a throwing getter). Errors name the exact
 * path, e.g. `payload.rows[3].name` or `payload["a b"]`.
 */
export function assertJson(value: unknown, field: string, limits?: StoreLimits): void {
  checkJson(value, field, JSON_HOOKS, limits);
}

const JSON_HOOKS: JsonCheckHooks = {
  suspect: (text) => SUSPECT.test(text),
  text(text, path, isKey) {
    checkText(text, path, isKey ? 'is a key that contains' : 'contains');
  },
  date(date, path) {
    const time = dateTime(date);
    if (!Number.isFinite(time)) throw new JobValidationError(path(), 'is an invalid Date.');
    if (time < DATE_MIN || time > DATE_MAX) assertStorableDate(date, path());
  },
};

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function show(value: unknown): string {
  if (isDate(value)) return `Date(${new Date(dateTime(value)).toString()})`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/** Longest note kept, in UTF-16 code units: a note is a human message, not a place for data. */
export const MAX_NOTE_LENGTH = 2000;

/** `text` cut to at most `max` UTF-16 code units, never through a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const high = text.charCodeAt(max - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? max - 1 : max);
}
