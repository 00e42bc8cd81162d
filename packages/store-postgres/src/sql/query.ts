import { toReadPlan, type ReadPlan, type StoreFilter, type StoreQuery } from '@jobtrail/core/store';
import { statement, type Statement } from '../connection/statement.js';
import { readColumns } from '../mapping/job-columns.js';
import type { TableNames } from '../naming/table-names.js';
import { MAX_DOUBLE } from './increment-metrics.js';
import { filterConditions, whereClause } from './job-filter.js';

/** A statement built for one call: text and parameters. */
export interface BuiltQuery {
  statement: Statement;
  params: unknown[];
}

/** A query of jobs, with the read plan its columns follow (to map the rows by). */
export interface BuiltRead extends BuiltQuery {
  plan: ReadPlan;
}

/**
 * A page of jobs, newest first (id desc: ids are UUIDv7, time-ordered), below the cursor. Asks
 * for one row more than the page to know whether another page follows.
 */
export function buildQuery(names: TableNames, filter: StoreQuery): BuiltRead {
  const limit = filter.limit;
  const params: unknown[] = [];
  const plan = toReadPlan(filter.read);
  const columns = readColumns(plan, params);
  const conditions = filterConditions(filter, params);
  const oldest = filter.order === 'oldest';
  if (filter.cursor !== undefined) {
    params.push(filter.cursor);
    conditions.push(`id ${oldest ? '>' : '<'} $${params.length}::uuid`);
  }
  params.push(limit + 1);
  return {
    statement: statement(
      'query',
      `SELECT ${columns.select} FROM ${names.qualified} ${columns.joins} ${whereClause(conditions)} ORDER BY id ${oldest ? 'ASC' : 'DESC'} LIMIT $${params.length}`,
      { prepared: false },
    ),
    params,
    plan,
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
      // A sum beyond the double range is ±Infinity, as in JavaScript, not a cast error.
      `SELECT name,
         CASE WHEN abs(total) > ${MAX_DOUBLE}::numeric THEN sign(total)::double precision * 'Infinity'::double precision
              ELSE total::double precision END AS total
       FROM (
         SELECT m.key AS name, sum((m.value)::numeric) AS total
         FROM ${names.qualified} j CROSS JOIN LATERAL jsonb_each(j.metrics) AS m
         ${where}
         GROUP BY m.key
       ) AS sums`,
      { prepared: false },
    ),
    params,
  };
}
