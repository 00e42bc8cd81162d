import type { TableNames } from '../naming/table-names.js';
import { quoteIdentifier } from '../naming/table-names.js';
import { MAX_CHANGE_ITEM_BYTES, CHANGE_CHUNK_BYTES } from '../notify/change-payload.js';

/**
 * The routing fields of one changed row, as a JSON array `[id, type, tenant_id, owner_id, status,
 * updated_at ms]` (see `notify/change-payload.ts`); `[id]` alone when those would exceed
 * MAX_CHANGE_ITEM_BYTES (a very long type or tenant), for the listener to read.
 */
function itemSql(row: string): string {
  const full = `json_build_array(${row}.id, ${row}.type, ${row}.tenant_id, ${row}.owner_id, ${row}.status, floor(extract(epoch FROM ${row}.updated_at) * 1000)::bigint)::text`;
  return `CASE WHEN octet_length(${full}) <= ${MAX_CHANGE_ITEM_BYTES} THEN ${full} ELSE json_build_array(${row}.id)::text END`;
}

/**
 * One `pg_notify` per chunk of the changed rows `source` yields: items are numbered by id and cut
 * where their running size crosses a multiple of CHANGE_CHUNK_BYTES, so a chunk holds at most
 * CHANGE_CHUNK_BYTES plus one item (the one crossing), well under PostgreSQL's 8000-byte payload limit.
 */
function notifySql(source: string): string {
  return `PERFORM pg_notify(TG_ARGV[0], '[' || string_agg(c.item, ',' ORDER BY c.id) || ']')
    FROM (
      SELECT s.id, s.item, (sum(octet_length(s.item) + 1) OVER (ORDER BY s.id)) / ${CHANGE_CHUNK_BYTES} AS chunk
      FROM (SELECT n.id, ${itemSql('n')} AS item ${source}) s
    ) c
    GROUP BY c.chunk`;
}

/**
 * Migration 7's statements: statement-level AFTER INSERT and AFTER UPDATE triggers on the job
 * table that NOTIFY the change channel with the routing fields of every row the statement
 * inserted or changed, coalesced into few notifications. A trigger hears every writer (every
 * process, older jobtrail versions, a manual UPDATE); NOTIFY is sent at commit, so a rolled-back
 * write is never heard.
 *
 * They NOTIFY only while the listeners table has a row (a store subscribed to changes somewhere):
 * a NOTIFY serialises the commits that send one (PostgreSQL takes a database-wide lock from
 * queueing the notifications to the end of the commit, WAL flush included), which costs ~40% of
 * claim-and-complete throughput on a 2-core machine; without listeners a write pays one probe of
 * an empty table.
 *
 * An update that only moves `lease_expires_at` (a lease renewal: status and `updated_at` as they
 * were) is not a change. Deletions (prune) are not changes: no DELETE trigger.
 */
export function changeTriggersSql(n: TableNames): string[] {
  const c = n.changes;
  const q = quoteIdentifier;
  const channel = `'${c.channel.replaceAll("'", "''")}'`;
  const leaseRenewal = 'n.status IS NOT DISTINCT FROM o.status AND n.updated_at IS NOT DISTINCT FROM o.updated_at AND n.lease_expires_at IS DISTINCT FROM o.lease_expires_at';
  return [
    // Unlogged: after a crash it is empty, as every LISTEN connection is gone too. Created without
    // IF NOT EXISTS: a table of that name that is not this step's fails the migration.
    `CREATE UNLOGGED TABLE ${c.listeners.qualified} (
      pid integer NOT NULL,
      since timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ${q(c.listenersKey)} PRIMARY KEY (pid)
    )`,
    // A trigger function's queries each see what committed before them (VOLATILE, READ COMMITTED),
    // so a registration counts from the next statement of any transaction.
    `CREATE OR REPLACE FUNCTION ${c.notifyFunction}() RETURNS trigger LANGUAGE plpgsql AS $jobtrail$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM ${c.listeners.qualified}) THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    ${notifySql('FROM new_rows n')};
  ELSE
    ${notifySql(`FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE NOT (${leaseRenewal})`)};
  END IF;
  RETURN NULL;
END
$jobtrail$`,
    `DROP TRIGGER IF EXISTS ${q(c.insertTrigger)} ON ${n.qualified}`,
    `CREATE TRIGGER ${q(c.insertTrigger)} AFTER INSERT ON ${n.qualified}
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${c.notifyFunction}(${channel})`,
    `DROP TRIGGER IF EXISTS ${q(c.updateTrigger)} ON ${n.qualified}`,
    `CREATE TRIGGER ${q(c.updateTrigger)} AFTER UPDATE ON ${n.qualified}
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${c.notifyFunction}(${channel})`,
  ];
}

export function dropChangeTriggersSql(n: TableNames): string[] {
  const c = n.changes;
  return [
    `DROP TRIGGER IF EXISTS ${quoteIdentifier(c.updateTrigger)} ON ${n.qualified}`,
    `DROP TRIGGER IF EXISTS ${quoteIdentifier(c.insertTrigger)} ON ${n.qualified}`,
    `DROP FUNCTION IF EXISTS ${c.notifyFunction}()`,
    `DROP TABLE IF EXISTS ${c.listeners.qualified}`,
  ];
}
