import { JobValidationError } from '@jobtrail/core';
import type { TypeOrmEntityManager, TypeOrmQueryRunner } from '../typeorm/typeorm-types.js';

/**
 * The caller's transaction from `InsertOptions.transaction`: a TypeORM EntityManager of an open
 * transaction (`dataSource.transaction(async (manager) => ...)`) or a QueryRunner that started one.
 * Anything else is refused: silently inserting outside the caller's transaction would break the
 * "job exists iff the transaction commits" promise.
 */
export function transactionQueryRunner(transaction: unknown): TypeOrmQueryRunner {
  const candidate = transaction as Partial<TypeOrmEntityManager & TypeOrmQueryRunner> | null;
  const runner: Partial<TypeOrmQueryRunner> | undefined =
    candidate !== null && typeof candidate === 'object'
      ? typeof candidate.query === 'function' && 'isTransactionActive' in candidate
        ? candidate
        : candidate.queryRunner
      : undefined;
  if (runner === undefined || runner === null || typeof runner.query !== 'function') {
    throw new JobValidationError(
      'transaction',
      'must be the EntityManager TypeORM passes to `dataSource.transaction(async (manager) => ...)` (or a QueryRunner inside a transaction).',
    );
  }
  if (runner.isReleased === true || runner.isTransactionActive !== true) {
    throw new JobValidationError(
      'transaction',
      'has no open transaction: enqueue inside `dataSource.transaction(async (manager) => ...)`, before it returns.',
    );
  }
  return runner as TypeOrmQueryRunner;
}
