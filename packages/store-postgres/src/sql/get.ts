import { statement, type Statement } from '../connection/statement.js';
import { jobColumns } from '../mapping/job-columns.js';
import type { TableNames } from '../naming/table-names.js';

/** $1: id. */
export function getStatement(names: TableNames): Statement {
  return statement('get', `SELECT ${jobColumns()} FROM ${names.qualified} WHERE id = $1`);
}
