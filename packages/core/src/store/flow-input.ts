import { JobValidationError } from '../errors/jobtrail-error.js';
import { MAX_LIMIT, MAX_RATE_INTERVAL_MS, MIN_RATE_INTERVAL_MS } from '../flow/type-limits.js';
import { assertStorableDate, show } from '../tracker/validate-input.js';
import type { TypeControl } from './flow-store.js';
import { optionalText } from './store-input.js';

/**
 * The checks of the flow-control operations' input, run by `guardStore` for every store (as
 * `store-input.ts` does for jobs), so a store receives only well-formed records.
 */

const MAX_TYPE_LENGTH = 255;

/** A job type: a non-empty string of at most 255 characters. */
export function checkControlType(type: unknown, field = 'type'): void {
  if (typeof type !== 'string' || type === '' || type.length > MAX_TYPE_LENGTH) {
    throw new JobValidationError(field, `must be a job type (1 to ${MAX_TYPE_LENGTH} characters); got ${show(type)}.`);
  }
}

export function checkTypeControl(control: TypeControl, expectedVersion: number | null): void {
  if (control === null || typeof control !== 'object') throw new JobValidationError('control', 'must be a type control record.');
  checkControlType(control.type);
  optionalLimit('maxRunning', control.maxRunning);
  optionalLimit('maxRunningPerGroup', control.maxRunningPerGroup);
  const rate = control.rateLimit;
  if (rate === undefined) throw new JobValidationError('rateLimit', 'is required in a type control record (null when there is none).');
  if (rate !== null) {
    if (typeof rate !== 'object') throw new JobValidationError('rateLimit', `must be an object or null; got ${show(rate)}.`);
    requireInteger('rateLimit.limit', rate.limit, 1, MAX_LIMIT);
    requireInteger('rateLimit.intervalMs', rate.intervalMs, MIN_RATE_INTERVAL_MS, MAX_RATE_INTERVAL_MS);
    if (typeof rate.perGroup !== 'boolean') throw new JobValidationError('rateLimit.perGroup', `must be a boolean; got ${show(rate.perGroup)}.`);
  }
  if (typeof control.paused !== 'boolean') throw new JobValidationError('paused', `must be a boolean; got ${show(control.paused)}.`);
  requireInteger('version', control.version, 1);
  assertStorableDate(control.updatedAt, 'updatedAt');
  if (expectedVersion !== null) requireInteger('expectedVersion', expectedVersion, 1);
}

export function checkCountStarts(type: string, since: Date, group?: string | null): void {
  checkControlType(type);
  assertStorableDate(since, 'since');
  optionalText('group', group);
}

function optionalLimit(field: string, value: unknown): void {
  if (value === undefined) throw new JobValidationError(field, 'is required in a type control record (null when there is none).');
  if (value !== null) requireInteger(field, value, 1, MAX_LIMIT);
}

function requireInteger(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new JobValidationError(field, `must be an integer from ${min} to ${max}; got ${show(value)}.`);
  }
}
