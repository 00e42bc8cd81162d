import { statement, type Statement } from '../connection/statement.js';
import type { TableNames } from '../naming/table-names.js';
import { relaxedCommit } from './relaxed-commit.js';

/**
 * Extends leases for any number of (owner, id) pairs in one statement — the heartbeats of every
 * worker of a process that fell in the same tick. Only rows still running under that owner are
 * touched; the answer lists them, so a missing id tells its owner the lease was lost.
 *
 * $1: owners, $2: ids, $3: new expiries (ISO strings), all the same length.
 */
export function heartbeatStatement(names: TableNames, waitForFlush = false): Statement {
  // Without waiting for the WAL flush unless `durability: 'strict'`: see relaxedCommit.
  const relaxed = relaxedCommit(!waitForFlush);
  return statement(
    'heartbeat',
    `${relaxed.withClause}
     UPDATE ${names.qualified} j
     SET lease_expires_at = h.expires_at
     FROM unnest($1::text[], $2::uuid[], $3::timestamptz[]) AS h(owner, id, expires_at)${relaxed.join}
     WHERE j.id = ANY($2::uuid[]) AND j.id = h.id AND j.status = 'running' AND j.lease_owner = h.owner
     RETURNING h.owner, j.id`,
  );
}
