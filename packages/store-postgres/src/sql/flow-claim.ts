import { statement, type Statement } from '../connection/statement.js';
import { jobColumns } from '../mapping/job-columns.js';
import type { TableNames } from '../naming/table-names.js';

/**
 * The claim when a requested type is controlled: one call of the function migration 5 creates
 * (see `flowClaimFunctionSql`), which locks the controlled types' limits rows and then, in a
 * statement of its own, decides and leases the claim. One round trip, like the plain claim.
 *
 * $1: types, $2: per-type limits, $3: now, $4: total limit, $5: owner, $6: lease expiry. Without
 * `durability: 'strict'`, the claim's commit does not wait for the WAL flush (see
 * `relaxedCommit`): the function sets it for its own transaction.
 */
export function flowClaimStatement(names: TableNames, waitForFlush = false): Statement {
  return statement(
    'claim',
    `SELECT ${jobColumns('j')}
     FROM ${names.flow.claimFunction}($1::text[], $2::integer[], $3::timestamptz, $4::integer, $5::text, $6::timestamptz, ${waitForFlush ? 'false' : 'true'}) j`,
  );
}
