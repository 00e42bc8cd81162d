import { JobValidationError, isUuid, toReadPlan, type StoreFilter, type StoreQuery } from '@jobtrail/core';
import { statement, type Statement } from '../connection/statement.js';
import { readColumns } from '../mapping/job-columns.js';
import type { TableNames } from '../naming/table-names.js';
import { filterConditions, whereClause } from './job-filter.js';

export const MAX_QUERY_LIMIT = 1000;

/** A statement built for one call: text and parameters. */
export interface BuiltQuery {
  statement: Statement;
  params: unknown[];
}

/**
 * A page of jobs, newest first (id desc: ids are UUIDv7, time-ordered), below the cursor. Asks
 * for one row more than the page to know whether another page follows.
 */
export function buildQuery(names: TableNames, filter: StoreQuery): BuiltQuery {
  const limit = filter.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new JobValidationError('limit', `must be an integer from 1 to ${MAX_QUERY_LIMIT}; got ${String(limit)}.`);
  }
  if (filter.cursor !== undefined && !isUuid(filter.cursor)) {
    throw new JobValidationError('cursor', 'must be the nextCursor of a previous page (a job id).');
  }
  const params: unknown[] = [];
  const columns = readColumns(toReadPlan(filter.read), params);
  const conditions = filterConditions(filter, params);
  if (filter.cursor !== undefined) {
    params.push(filter.cursor);
    conditions.push(`id < $${params.length}::uuid`);
  }
  params.push(limit + 1);
  return {
    statement: statement(
      'query',
      `SELECT ${columns.select} FROM ${names.qualified} ${columns.joins} ${whereClause(conditions)} ORDER BY id DESC LIMIT $${params.length}`,
      { prepared: false },
    ),
    params,
  };
}

/** Counts per (type, status). */
export function buildCount(names: TableNames, filter: StoreFilter): BuiltQuery {
  const params: unknown[] = [];
  const where = whereClause(filterConditions(filter, params));
  return {
    statement: statement(
      'count',
      `SELECT type, status, count(*)::integer AS count FROM ${names.qualified} ${where} GROUP BY type, status`,
      { prepared: false },
    ),
    params,
  };
}

/** Each metric name summed over the matching jobs (exact numeric sums, answered as doubles). */
export function buildSumMetrics(names: TableNames, filter: StoreFilter): BuiltQuery {
  const params: unknown[] = [];
  const where = whereClause(filterConditions(filter, params, 'j'));
  return {
    statement: statement(
      'sumMetrics',
      `SELECT m.key AS name,
         -- A sum beyond the double range is ±Infinity, as in JavaScript, not a cast error.
         CASE WHEN abs(sum((m.value)::numeric)) > 1.7976931348623157e308::numeric
              THEN sign(sum((m.value)::numeric))::double precision * 'Infinity'::double precision
              ELSE sum((m.value)::numeric)::double precision END AS total
       FROM ${names.qualified} j CROSS JOIN LATERAL jsonb_each(j.metrics) AS m
       ${where}
       GROUP BY m.key`,
      { prepared: false },
    ),
    params,
  };
}
