import { ACTIVE_STATUSES, TERMINAL_STATUSES } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { CLAIM_SORT } from '../documents/claim-documents.js';
import { EXPIRED_LEASES_SORT } from '../documents/lease-documents.js';
import { PRUNE_SORT } from '../documents/prune-documents.js';
import { DEDUPE_INDEX_NAME, JOB_INDEXES } from './index-definitions.js';

function index(name: string) {
  const found = JOB_INDEXES.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no index ${name}`);
  return found;
}

describe('index definitions', () => {
  it('have unique names, all prefixed jobtrail_', () => {
    const names = JOB_INDEXES.map((definition) => definition.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^jobtrail_[a-z_]+$/);
  });

  it('make dedupe a unique index over (type, key) of unfinished jobs that have a key', () => {
    const dedupe = index(DEDUPE_INDEX_NAME);
    expect(dedupe.key).toEqual({ type: 1, key: 1 });
    expect(dedupe.unique).toBe(true);
    expect(dedupe.partialFilterExpression).toEqual({ key: { $type: 'string' }, status: { $in: [...ACTIVE_STATUSES] } });
    for (const status of TERMINAL_STATUSES) expect(JSON.stringify(dedupe.partialFilterExpression)).not.toContain(status);
  });

  it('serve the claim order after equality on type and status', () => {
    expect(Object.entries(index('jobtrail_claim').key as object)).toEqual([['type', 1], ['status', 1], ...Object.entries(CLAIM_SORT)]);
  });

  it('serve findExpired and prune in their sort order after equality on status', () => {
    expect(Object.entries(index('jobtrail_expired_leases').key as object)).toEqual([['status', 1], ...Object.entries(EXPIRED_LEASES_SORT)]);
    expect(Object.entries(index('jobtrail_prune').key as object)).toEqual([['status', 1], ...Object.entries(PRUNE_SORT)]);
  });

  it('serve newest-first queries scoped by type, tenant, owner and parent', () => {
    for (const [name, field] of [
      ['jobtrail_type_recent', 'type'],
      ['jobtrail_tenant_recent', 'tenantId'],
      ['jobtrail_owner_recent', 'ownerId'],
      ['jobtrail_parent_recent', 'parentId'],
    ] as const) {
      expect(index(name).key).toEqual({ [field]: 1, _id: -1 });
    }
  });

  it('are the only unique index besides _id, so a duplicate-key error means a taken id or a held key', () => {
    expect(JOB_INDEXES.filter((definition) => definition.unique).map((definition) => definition.name)).toEqual([DEDUPE_INDEX_NAME]);
  });
});
