import type { ActivityQuery } from '@jobtrail/core/store';
import { statement } from '../connection/statement.js';
import type { TableNames } from '../naming/table-names.js';
import { filterConditions } from './job-filter.js';
import type { BuiltQuery } from './query.js';

/** One row of the activity statement: a bucket's starts (`kind = 'started'`) or finishes of a status. */
export interface ActivityRow {
  kind: 'started' | 'completed' | 'failed';
  /** The bucket's index from `since`. */
  bucket: number | string;
  n: number | string;
  wait_avg: number | string | null;
  wait_max: number | string | null;
}

/**
 * Activity in one statement: the started jobs per bucket (by `started_at`, read through the
 * `started_at` index of migration 8) with their waits, then the completed and failed per bucket
 * (by `finished_at`, through the prune index on `(status, finished_at)`). Both halves share the
 * filter's conditions and parameters. Buckets are numbered from `since` (`floor((t - since) /
 * bucketMs)`), so the store need not know where the epoch's multiples fall.
 */
export function buildActivity(names: TableNames, query: ActivityQuery): BuiltQuery {
  const params: unknown[] = [];
  const conditions = filterConditions(query.filter, params);
  params.push(query.since, query.until, query.bucketMs);
  const since = `$${params.length - 2}::timestamptz`;
  const until = `$${params.length - 1}::timestamptz`;
  const bucketMs = `$${params.length}::bigint`;
  const filter = conditions.map((condition) => ` AND ${condition}`).join('');
  const bucketOf = (column: string) => `floor(extract(epoch FROM (${column} - ${since})) * 1000 / ${bucketMs})::bigint`;
  const wait = 'greatest(0, extract(epoch FROM (started_at - run_at)) * 1000)';
  return {
    statement: statement(
      'activity',
      `SELECT 'started' AS kind, ${bucketOf('started_at')} AS bucket, count(*)::integer AS n,
              avg(${wait})::double precision AS wait_avg, max(${wait})::double precision AS wait_max
       FROM ${names.qualified}
       WHERE started_at IS NOT NULL AND started_at >= ${since} AND started_at < ${until}${filter}
       GROUP BY 2
       UNION ALL
       SELECT status AS kind, ${bucketOf('finished_at')} AS bucket, count(*)::integer AS n, NULL, NULL
       FROM ${names.qualified}
       WHERE status IN ('completed', 'failed') AND finished_at >= ${since} AND finished_at < ${until}${filter}
       GROUP BY 1, 2`,
      { prepared: false },
    ),
    params,
  };
}
