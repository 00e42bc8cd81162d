/**
 * A dedupe key is unique per (type, key, tenant, owner), where a NULL tenant or owner ("none") is
 * a value of its own: two jobs without a tenant share a scope. A unique index treats NULLs as
 * distinct, and `NULLS NOT DISTINCT` needs PostgreSQL 15, so the index holds these expressions
 * instead: a real value becomes `'=' || value` (never empty), NULL becomes `''`. The mapping is
 * one-to-one whatever text a tenant or owner is — a plain `coalesce(tenant_id, '')` would merge
 * the tenant `''` (which core's tracker refuses, but a store accepts from direct callers) with
 * "no tenant".
 *
 * Every statement that looks a key up writes the same expressions, so the planner matches them to
 * the index (and `ON CONFLICT` infers it as its arbiter).
 */
export function scopeValueSql(column: string): string {
  return `(coalesce('=' || ${column}, ''))`;
}

/** The dedupe index's columns, in order; `ON CONFLICT` names exactly these. */
export const DEDUPE_COLUMNS_SQL = `type, key, ${scopeValueSql('tenant_id')}, ${scopeValueSql('owner_id')}`;

/** True when rows `a` and `b` (table aliases) hold keys in the same tenant and owner. */
export function sameKeyScopeSql(a: string, b: string): string {
  return (
    `${scopeValueSql(`${a}.tenant_id`)} = ${scopeValueSql(`${b}.tenant_id`)} ` +
    `AND ${scopeValueSql(`${a}.owner_id`)} = ${scopeValueSql(`${b}.owner_id`)}`
  );
}
