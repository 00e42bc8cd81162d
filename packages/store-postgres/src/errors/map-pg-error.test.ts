import { createRequire } from 'node:module';
import { JobNotFoundError, JobtrailError, StoreError } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { resolveTableNames } from '../naming/table-names.js';
import { ListenHeartbeatTimeoutError } from '../notify/wake-listener.js';
import { mapPgError } from './map-pg-error.js';

// Core's CommonJS build: a second copy of its error classes, as in an application that requires
// core while this package imports it.
const cjsCore = createRequire(import.meta.url)('@jobtrail/core') as typeof import('@jobtrail/core');
const names = resolveTableNames(undefined, undefined);

describe('mapPgError', () => {
  it("passes another copy of core's errors through unchanged", () => {
    const theirs = new cjsCore.JobNotFoundError('01890000-0000-7000-8000-000000000001');
    expect(theirs instanceof JobtrailError).toBe(false);
    expect(mapPgError(theirs, names, 'get')).toBe(theirs);
    const ours = new JobNotFoundError('01890000-0000-7000-8000-000000000001');
    expect(mapPgError(ours, names, 'get')).toBe(ours);
  });

  it('wraps a look-alike that only carries a jobtrail code', () => {
    const lookAlike = Object.assign(new Error('boom'), { code: 'job_not_found', name: 'JobNotFoundError' });
    const mapped = mapPgError(lookAlike, names, 'get');
    expect(StoreError.isInstance(mapped)).toBe(true);
    expect(mapped.cause).toBe(lookAlike);
  });
});

describe('ListenHeartbeatTimeoutError', () => {
  it('is a StoreError for every copy of core, and tells itself apart', () => {
    const error = new ListenHeartbeatTimeoutError(5_000);
    expect(StoreError.isInstance(error)).toBe(true);
    expect(cjsCore.StoreError.isInstance(error)).toBe(true);
    expect(ListenHeartbeatTimeoutError.isInstance(error)).toBe(true);
    expect(ListenHeartbeatTimeoutError.isInstance(new StoreError('other'))).toBe(false);
    expect(cjsCore.JobNotFoundError.isInstance(error)).toBe(false);
  });
});
