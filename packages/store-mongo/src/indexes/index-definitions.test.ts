import { ACTIVE_STATUSES, TERMINAL_STATUSES } from '@jobtrail/core';
import { describe, expect, it } from 'vitest';
import { makeJob } from '@jobtrail/core/testing';
import { CLAIM_SORT } from '../documents/claim-documents.js';
import { keyHolderFilter } from '../documents/dedupe-documents.js';
import { toDocument } from '../mapping/job-document.js';
import { EXPIRED_LEASES_SORT } from '../documents/lease-documents.js';
import { PRUNE_SORT } from '../documents/prune-documents.js';
import { DUE_SCHEDULES_SORT, dueSchedulesFilter, NEXT_RUN_FILTER, NEXT_RUN_SORT, SCHEDULE_NAME_SORT, listSchedulesFilter } from '../documents/schedule-documents.js';
import { toScheduleDocument } from '../mapping/schedule-document.js';
import { makeSchedule } from '../schedule-record.test-support.js';
import { countStartsFilter, dueGroupsPipeline, groupStartsFilter, runningByGroupPipeline, startsByGroupPipeline } from '../documents/flow-claim-documents.js';
import { DEDUPE_INDEX_NAME, GLOBAL_DEDUPE_INDEX_NAME, JOB_INDEXES, RETIRED_INDEX_NAMES, SCHEDULE_INDEXES, TYPE_GROUP_INDEXES, TYPE_START_INDEXES } from './index-definitions.js';

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

  it('make dedupe a unique index over (type, key, tenantId, ownerId) of unfinished jobs that have a key', () => {
    const dedupe = index(DEDUPE_INDEX_NAME);
    expect(dedupe.key).toEqual({ type: 1, key: 1, tenantId: 1, ownerId: 1 });
    expect(dedupe.unique).toBe(true);
    expect(dedupe.partialFilterExpression).toEqual({ key: { $type: 'string' }, status: { $in: [...ACTIVE_STATUSES] } });
    for (const status of TERMINAL_STATUSES) expect(JSON.stringify(dedupe.partialFilterExpression)).not.toContain(status);
  });

  it('make the dedupe index cover exactly what the key holder lookup asks for', () => {
    const filter = keyHolderFilter({ type: 't', tenantId: 'a', ownerId: null }, 'k', '0190a8f0-0000-7000-8000-000000000001');
    const equalities = Object.keys(filter).filter((field) => field !== 'status' && field !== '_id');
    expect(equalities.sort()).toEqual(Object.keys(index(DEDUPE_INDEX_NAME).key as object).sort());
    expect(filter.status).toEqual((index(DEDUPE_INDEX_NAME).partialFilterExpression as { status: unknown }).status);
  });

  it('rely on every stored document holding tenantId and ownerId, null when absent (nulls compare equal in a unique index)', () => {
    const doc = toDocument(makeJob());
    expect(doc).toHaveProperty('tenantId', null);
    expect(doc).toHaveProperty('ownerId', null);
  });

  it('retire the global dedupe index of older versions under its old name, never one still defined', () => {
    expect(RETIRED_INDEX_NAMES).toEqual([GLOBAL_DEDUPE_INDEX_NAME]);
    expect(GLOBAL_DEDUPE_INDEX_NAME).toBe('jobtrail_dedupe');
    const current = new Set(JOB_INDEXES.map((definition) => definition.name));
    for (const name of RETIRED_INDEX_NAMES) expect(current.has(name)).toBe(false);
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

  it("serve a controlled type's claim: running jobs per group, and each group's due jobs in claim order", () => {
    const key = Object.entries(index('jobtrail_claim_group').key as object);
    const running = (runningByGroupPipeline('t')[0] as { $match: object }).$match;
    expect(Object.keys(running)).toEqual(['type', 'status']);
    expect(key.slice(0, 3)).toEqual([['type', 1], ['status', 1], ['group', 1]]);
    const [match, sort] = dueGroupsPipeline('t', new Date(), 1) as [{ $match: object }, { $sort: object }];
    expect(Object.keys(match.$match)).toEqual(['type', 'status', 'runAt']);
    expect(key.slice(2)).toEqual(Object.entries(sort.$sort));
    expect(key.slice(3)).toEqual(Object.entries(CLAIM_SORT));
  });

  it('are the only unique index besides _id, so a duplicate-key error means a taken id or a held key', () => {
    expect(JOB_INDEXES.filter((definition) => definition.unique).map((definition) => definition.name)).toEqual([DEDUPE_INDEX_NAME]);
  });
});

function scheduleIndex(name: string) {
  const found = SCHEDULE_INDEXES.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no schedule index ${name}`);
  return found;
}

describe('schedule index definitions', () => {
  it('have unique names, prefixed jobtrail_, none shared with a jobs index', () => {
    const names = [...JOB_INDEXES, ...SCHEDULE_INDEXES].map((definition) => definition.name);
    expect(new Set(names).size).toBe(names.length);
    for (const definition of SCHEDULE_INDEXES) expect(definition.name).toMatch(/^jobtrail_schedule_[a-z_]+$/);
    expect(SCHEDULE_INDEXES.map((definition) => definition.name)).toEqual(['jobtrail_schedule_due', 'jobtrail_schedule_pending', 'jobtrail_schedule_tenant']);
  });

  it('hold no unique index: names are unique through _id, so a duplicate key on an insert always means "that name exists"', () => {
    expect(SCHEDULE_INDEXES.filter((definition) => definition.unique)).toEqual([]);
    expect(toScheduleDocument(makeSchedule({ name: 'n' }))._id).toBe('n');
  });

  it('serve the firing branch of dueSchedules and nextScheduleRunAt: equality on the flags, then their sort order', () => {
    const due = Object.entries(scheduleIndex('jobtrail_schedule_due').key as object);
    const firing = (dueSchedulesFilter(new Date()).$or as Array<Record<string, unknown>>)[1]!;
    const equalities = Object.entries(firing).filter(([, value]) => typeof value === 'boolean');
    expect(equalities).toEqual([['enabled', true], ['paused', false]]);
    expect(due).toEqual([...equalities.map(([field]) => [field, 1]), ...Object.entries(DUE_SCHEDULES_SORT)]);
    expect(Object.keys(firing)).toEqual(['enabled', 'paused', 'nextRunAt']);
    // nextScheduleRunAt: the same equalities, then its sort is a prefix of the rest of the key.
    expect(Object.entries(NEXT_RUN_FILTER).filter(([, value]) => typeof value === 'boolean')).toEqual(equalities);
    expect(due.slice(2, 2 + Object.keys(NEXT_RUN_SORT).length)).toEqual(Object.entries(NEXT_RUN_SORT));
  });

  it('serve the pending-ticks branch of dueSchedules with an index on the field it tests', () => {
    const pending = (dueSchedulesFilter(new Date()).$or as Array<Record<string, unknown>>)[0]!;
    expect(Object.keys(scheduleIndex('jobtrail_schedule_pending').key as object)).toEqual(Object.keys(pending));
  });

  it('serve listSchedules of one tenant in name order', () => {
    expect(Object.entries(scheduleIndex('jobtrail_schedule_tenant').key as object)).toEqual([
      ...Object.keys(listSchedulesFilter({ tenantId: 't', limit: 1 })).map((field) => [field, 1]),
      ...Object.entries(SCHEDULE_NAME_SORT),
    ]);
  });
});

describe('flow-control index definitions', () => {
  it('have unique names, prefixed jobtrail_type_, none shared with another index', () => {
    const names = [...JOB_INDEXES, ...SCHEDULE_INDEXES, ...TYPE_START_INDEXES, ...TYPE_GROUP_INDEXES].map((definition) => definition.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...TYPE_START_INDEXES, ...TYPE_GROUP_INDEXES].map((definition) => definition.name)).toEqual(['jobtrail_type_starts', 'jobtrail_type_group']);
  });

  it("serve the starts' count in a window (per group or all) and countStarts: type, group, then time", () => {
    expect(TYPE_START_INDEXES[0]!.key).toEqual({ type: 1, group: 1, at: 1 });
    expect(Object.keys((startsByGroupPipeline('t', new Date(0))[0] as { $match: object }).$match)).toEqual(['type', 'at']);
    expect(Object.keys(countStartsFilter('t', new Date(0), 'g')).sort()).toEqual(['at', 'group', 'type']);
  });

  it("keep one latest-start document per group of a type, looked up by type and groups", () => {
    expect(TYPE_GROUP_INDEXES[0]).toMatchObject({ key: { type: 1, group: 1 }, unique: true });
    expect(Object.keys(groupStartsFilter('t', [null]))).toEqual(['type', 'group']);
  });
});
