import { statement, type Statement } from '../connection/statement.js';

/**
 * The server's clock as it reads while the statement runs: `clock_timestamp()`, not `now()`,
 * which is frozen at the start of the transaction. No table involved; answers one row `{ now }`.
 */
export function serverTimeStatement(): Statement {
  return statement('serverTime', 'SELECT clock_timestamp() AS now');
}
