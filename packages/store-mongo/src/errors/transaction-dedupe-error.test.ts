import { createRequire } from 'node:module';
import { JobtrailError, StoreError } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { TransactionDedupeError } from './transaction-dedupe-error.js';

// Core's CommonJS build: a second copy of its error classes.
const cjsCore = createRequire(import.meta.url)('@jobtrail/core') as typeof import('@jobtrail/core');

describe('TransactionDedupeError', () => {
  it('is a JobtrailError for every copy of core, and tells itself apart', () => {
    const error = new TransactionDedupeError('reports.build', 'k-1');
    expect(JobtrailError.isInstance(error)).toBe(true);
    expect(cjsCore.JobtrailError.isInstance(error)).toBe(true);
    expect(TransactionDedupeError.isInstance(error)).toBe(true);
    expect(TransactionDedupeError.isInstance(new cjsCore.JobtrailError('dedupe_conflict_in_transaction', 'm'))).toBe(false);
    expect(StoreError.isInstance(error)).toBe(false);
    expect(error.code).toBe('dedupe_conflict_in_transaction');
  });
});
