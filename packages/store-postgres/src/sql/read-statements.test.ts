import type { FieldReads } from '@jobtrail/core';
import { toReadPlan } from '@jobtrail/core/store';
import { describe, expect, it } from 'vitest';
import { STORED_OVERHEAD, STORED_TO_TEXT } from '../mapping/job-columns.js';
import { resolveTableNames } from '../naming/table-names.js';
import { buildGet } from './get.js';
import { buildQuery } from './query.js';

const names = resolveTableNames(undefined, undefined);
const id = '0190a8f0-0000-7000-8000-000000000001';
/** What `createJobsHandler` reads with its default `expose` (payload and result not exposed). */
const HTTP_DEFAULT: FieldReads = { payload: 'omit', result: 'omit', metadata: { maxBytes: 65_536 } };

const selectList = (text: string): string => text.slice('SELECT '.length, text.indexOf(' FROM '));

describe('reads under a plan select only what they answer', () => {
  it('never names payload or result in a default HTTP get or list', () => {
    const get = buildGet(names, id, { tenantId: 't' }, toReadPlan(HTTP_DEFAULT));
    const list = buildQuery(names, { limit: 100, tenantId: 't', read: HTTP_DEFAULT });
    for (const built of [get, list]) {
      expect(built.statement.text).not.toMatch(/\bpayload\b/);
      expect(built.statement.text).not.toMatch(/\bresult\b/);
      expect(selectList(built.statement.text)).toContain('CASE WHEN metadata_bytes <= $');
    }
    expect(get.params).toEqual([id, 65_536, 65_536 * STORED_TO_TEXT + STORED_OVERHEAD, 't']);
  });

  it('puts the scope of a get in its WHERE', () => {
    const get = buildGet(names, id, { tenantId: 't', ownerId: null }, toReadPlan(undefined));
    expect(get.statement.text).toMatch(/WHERE id = \$1 AND tenant_id = \$2 AND owner_id IS NULL$/);
    expect(get.params).toEqual([id, 't']);
  });

  it('measures a capped field once, only when its stored size does not already prove it too large', () => {
    const get = buildGet(names, id, {}, toReadPlan({ payload: { maxBytes: 10 } }));
    expect(get.statement.text.match(/octet_length\(payload::text\)/g)).toHaveLength(1);
    expect(get.statement.text).toContain('CASE WHEN pg_column_size(payload) > $3::bigint THEN');
    expect(selectList(get.statement.text)).toContain('CASE WHEN payload_bytes <= $2 THEN payload END AS payload, payload_bytes');
    expect(get.params).toEqual([id, 10, 10 * STORED_TO_TEXT + STORED_OVERHEAD]);
  });

  it('reads every column without a plan, as before', () => {
    const list = buildQuery(names, { limit: 5 });
    expect(selectList(list.statement.text)).toMatch(/\bpayload\b.*\bresult\b.*\bmetadata\b/);
    expect(list.statement.text).not.toContain('LATERAL');
  });
});
