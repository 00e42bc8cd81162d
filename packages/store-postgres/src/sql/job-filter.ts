import { isUuid, type StoreFilter } from '@jobtrail/core/store';
import { ACTIVE_SQL } from './statuses.js';

/**
 * Turns a `StoreFilter` (checked by core's `guardStore`) into SQL conditions joined by AND. Only the shape of the SQL depends on
 * the filter; every value travels as a parameter (appended to `params`, referenced as `$n`).
 */
export function filterConditions(filter: StoreFilter, params: unknown[], alias = ''): string[] {
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions: string[] = [];
  if (filter.status !== undefined) {
    conditions.push(`${column('status')} = ANY(${param([...filter.status])}::text[])`);
  }
  if (filter.type !== undefined) {
    conditions.push(`${column('type')} = ANY(${param([...filter.type])}::text[])`);
  }
  for (const [field, name] of [
    ['tenantId', 'tenant_id'],
    ['ownerId', 'owner_id'],
    ['group', 'group_name'],
    ['key', 'key'],
    ['scheduleName', 'schedule_name'],
  ] as const) {
    const value = filter[field];
    if (value === undefined) continue;
    if (value === null) conditions.push(`${column(name)} IS NULL`);
    else conditions.push(`${column(name)} = ${param(value)}`);
  }
  if (filter.errorCode !== undefined) conditions.push(`${column('error')} ->> 'code' = ${param(filter.errorCode)}`);
  if (filter.metadata !== undefined) {
    // Containment of scalars is equality (a nested array never contains a scalar). The second
    // condition repeats the partial GIN index's predicate so the planner can use it.
    conditions.push(`${column('metadata')} @> ${param(JSON.stringify(filter.metadata))}::jsonb`, `${column('metadata')} <> '{}'::jsonb`);
  }
  if (filter.parentId !== undefined) {
    // Not a job id: no job can have it as parent (and a uuid cast would fail).
    if (!isUuid(filter.parentId)) conditions.push('false');
    else conditions.push(`${column('parent_id')} = ${param(filter.parentId)}::uuid`);
  }
  if (filter.createdAfter !== undefined) {
    conditions.push(`${column('created_at')} >= ${param(filter.createdAfter)}`);
  }
  if (filter.createdBefore !== undefined) {
    conditions.push(`${column('created_at')} < ${param(filter.createdBefore)}`);
  }
  if (filter.activeSince !== undefined) {
    const since = param(filter.activeSince);
    conditions.push(`(${column('status')} IN ${ACTIVE_SQL} OR ${column('finished_at')} >= ${since})`);
  }
  return conditions;
}

export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}
