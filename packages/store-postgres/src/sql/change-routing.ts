import { statement, type Statement } from '../connection/statement.js';
import type { TableNames } from '../naming/table-names.js';

/**
 * The routing fields of the jobs a change notification named by id only (their type or tenant
 * too long to send), `updated_at` in ms like the triggers send it. $1: ids.
 */
export function changeRoutingStatement(names: TableNames): Statement {
  return statement(
    'changes.routing',
    `SELECT id, type, tenant_id, owner_id, status, floor(extract(epoch FROM updated_at) * 1000)::bigint AS version
     FROM ${names.qualified} WHERE id = ANY($1::uuid[])`,
  );
}
