import { scopeValueSql } from './key-scope.js';

/**
 * SQL fragments of flow control shared by the migration, the claims and the type-limit statements.
 */

/**
 * Whether a type limits row (alias `alias`) asks anything of the claim: paused, or any limit. The
 * same test as core's `controlsClaims`: a row that sets nothing leaves its type to the plain claim.
 */
export function controlsClaimsSql(alias: string): string {
  return (
    `(${alias}.paused OR ${alias}.max_running IS NOT NULL OR ${alias}.max_running_per_group IS NOT NULL ` +
    `OR ${alias}.rate_limit IS NOT NULL)`
  );
}

/**
 * A job group as a non-null key (`'=' || group`, or `''` for jobs without a group), for the
 * primary keys of the starts tables, which cannot hold NULL: one-to-one whatever text a group is,
 * as for the dedupe index's tenant and owner (see `key-scope.ts`).
 */
export function groupKeySql(column: string): string {
  return scopeValueSql(column);
}
