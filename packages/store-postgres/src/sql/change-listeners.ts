import type { TableNames } from '../naming/table-names.js';

/** What the LISTEN connection runs to switch the change triggers on and off (see migration 7). */
export interface ChangeListenerSql {
  /** Registers this connection (its backend pid) and drops rows of connections that are gone. */
  register: string;
  unregister: string;
}

export function changeListenerSql(names: TableNames): ChangeListenerSql {
  const table = names.changes.listeners.qualified;
  return {
    register: `WITH stale AS (
        DELETE FROM ${table} l WHERE l.pid <> pg_backend_pid() AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.pid)
      )
      INSERT INTO ${table} (pid) VALUES (pg_backend_pid()) ON CONFLICT (pid) DO UPDATE SET since = now()`,
    unregister: `DELETE FROM ${table} WHERE pid = pg_backend_pid()`,
  };
}

/**
 * The next transaction id (epoch-extended) as text: every transaction that wrote before now has
 * a smaller one.
 */
export const XID_HORIZON_SQL = 'SELECT txid_snapshot_xmax(txid_current_snapshot())::text AS horizon';
/** Whether every transaction below the horizon ($1) has ended. */
export const XID_HORIZON_PASSED_SQL = 'SELECT txid_snapshot_xmin(txid_current_snapshot()) >= $1::bigint AS passed';
