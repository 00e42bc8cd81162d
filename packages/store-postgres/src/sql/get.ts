import { statement, type Statement } from '../connection/statement.js';
import type { JobScope } from '@jobtrail/core';
import type { ReadPlan } from '@jobtrail/core/store';
import { jobColumns, readColumns } from '../mapping/job-columns.js';
import { filterConditions, whereClause } from './job-filter.js';
import type { BuiltQuery } from './query.js';
import type { TableNames } from '../naming/table-names.js';

/** $1: id. */
export function getStatement(names: TableNames): Statement {
  return statement('get', `SELECT ${jobColumns()} FROM ${names.qualified} WHERE id = $1`);
}

/**
 * A get that applies a scope and/or reads under a plan: the scope conditions sit in the WHERE, so
 * a job outside it is never read (it answers no row, like a missing id). Prepared: only a handful
 * of shapes exist (the HTTP handler uses one), and the text names the shape.
 */
export function buildGet(names: TableNames, id: string, scope: JobScope, plan: ReadPlan): BuiltQuery {
  const params: unknown[] = [id];
  const columns = readColumns(plan, params);
  const conditions = ['id = $1', ...filterConditions(scope, params)];
  return {
    statement: statement('get', `SELECT ${columns.select} FROM ${names.qualified} ${columns.joins} ${whereClause(conditions)}`),
    params,
  };
}
