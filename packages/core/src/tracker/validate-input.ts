import { JobValidationError } from '../errors/jobtrail-error.js';
import { isUuid } from '../util/uuid-v7.js';

/** What a job is created with; everything is optional but the type. */
export interface CreateJobInput<TPayload = unknown> {
  payload?: TPayload;
  metadata?: Record<string, unknown>;
  tenantId?: string | null;
  ownerId?: string | null;
  parentId?: string | null;
  /** Dedupe key: while a job of this type with this key is not finished, creating another returns it. */
  key?: string | null;
  /** Higher runs first; an integer from -32768 to 32767. Default 0. */
  priority?: number;
  /** Not claimable before this instant. Default: now. */
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
const CREATE_KEYS = new Set([
  'payload',
  'metadata',
  'tenantId',
  'ownerId',
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
  if (type.length > MAX_TEXT) throw new JobValidationError('type', `must be at most ${MAX_TEXT} characters.`);
}

/** Checks a create/enqueue input; throws before anything is stored. */
export function validateCreateInput(input: unknown, allowedExtraKeys: readonly string[] = []): CreateJobInput {
  if (input === undefined) return {};
  if (!isPlainObject(input)) throw new JobValidationError('options', `must be an object; got ${show(input)}.`);
  for (const key of Object.keys(input)) {
    if (!CREATE_KEYS.has(key) && !allowedExtraKeys.includes(key)) {
      throw new JobValidationError(
        key,
        `is not a job option. Known options: ${[...CREATE_KEYS, ...allowedExtraKeys].join(', ')}.`,
      );
    }
  }
  const value = input as CreateJobInput;
  if (value.payload !== undefined) assertJson(value.payload, 'payload');
  if (value.metadata !== undefined) {
    if (!isPlainObject(value.metadata)) throw new JobValidationError('metadata', 'must be a plain object.');
    assertJson(value.metadata, 'metadata');
  }
  optionalText(value.tenantId, 'tenantId');
  optionalText(value.ownerId, 'ownerId');
  optionalText(value.key, 'key');
  if (value.parentId != null && !isUuid(value.parentId)) {
    throw new JobValidationError('parentId', `must be a job id (UUID); got ${show(value.parentId)}.`);
  }
  if (value.priority !== undefined) assertInteger(value.priority, 'priority', PRIORITY_MIN, PRIORITY_MAX);
  if (value.maxAttempts !== undefined) assertInteger(value.maxAttempts, 'maxAttempts', 1, MAX_ATTEMPTS_LIMIT);
  if (value.runAt !== undefined && !(value.runAt instanceof Date && Number.isFinite(value.runAt.getTime()))) {
    throw new JobValidationError('runAt', `must be a valid Date; got ${show(value.runAt)}.`);
  }
  if (value.delayMs !== undefined) {
    if (typeof value.delayMs !== 'number' || !Number.isFinite(value.delayMs) || value.delayMs < 0) {
      throw new JobValidationError('delayMs', `must be a finite number of milliseconds >= 0; got ${show(value.delayMs)}.`);
    }
    if (value.runAt !== undefined) throw new JobValidationError('delayMs', 'cannot be combined with runAt.');
  }
  return value;
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

/** A metric increment: a named, finite number. */
export function assertMetricDelta(name: string, delta: unknown): asserts delta is number {
  if (typeof delta !== 'number' || !Number.isFinite(delta)) {
    throw new JobValidationError(`metrics.${name}`, `increment must be a finite number; got ${String(delta)}.`);
  }
}

function optionalText(value: unknown, field: string): void {
  if (value == null) return;
  if (typeof value !== 'string' || value === '') {
    throw new JobValidationError(field, `must be a non-empty string or null; got ${show(value)}.`);
  }
  if (value.length > MAX_TEXT) throw new JobValidationError(field, `must be at most ${MAX_TEXT} characters.`);
}

/**
 * Rejects what would not survive a round trip through a store: functions, symbols, BigInt,
 * cycles, non-finite numbers, and class instances other than Date.
 */
export function assertJson(value: unknown, field: string): void {
  const seen = new Set<object>();
  const visit = (node: unknown, path: string): void => {
    switch (typeof node) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(node)) throw new JobValidationError(path, `${node} cannot be stored as JSON.`);
        return;
      case 'undefined':
        return;
      case 'bigint':
        throw new JobValidationError(path, 'is a BigInt, which JSON cannot hold; convert it to a string or number.');
      case 'function':
      case 'symbol':
        throw new JobValidationError(path, `is a ${typeof node}, which JSON cannot hold.`);
    }
    if (node === null) return;
    const object = node as object;
    if (object instanceof Date) {
      if (!Number.isFinite(object.getTime())) throw new JobValidationError(path, 'is an invalid Date.');
      return;
    }
    if (seen.has(object)) throw new JobValidationError(path, 'contains a cycle, which JSON cannot hold.');
    seen.add(object);
    if (Array.isArray(object)) {
      object.forEach((item, index) => visit(item, `${path}[${index}]`));
    } else {
      if (!isPlainObject(object)) {
        throw new JobValidationError(path, `is a ${object.constructor?.name ?? 'non-plain object'}; pass plain JSON data.`);
      }
      for (const [key, item] of Object.entries(object)) visit(item, `${path}.${key}`);
    }
    seen.delete(object);
  };
  visit(value, field);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function show(value: unknown): string {
  if (value instanceof Date) return `Date(${value.toString()})`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
