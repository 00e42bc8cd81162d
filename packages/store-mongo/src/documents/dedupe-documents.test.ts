import type { Job } from '@jobtrail/core';
import { makeJob } from '@jobtrail/core/testing';
import { find, type update } from 'mingo';
import { describe, expect, it } from 'vitest';
import { toDocument, type JobDocument } from '../mapping/job-document.js';
import { earlierKeyHolders, insertClashesFilter, keyHoldersFilter } from './dedupe-documents.js';

/** The batch dedupe documents, evaluated with mingo over the documents the mapper writes. */
type MingoDoc = Parameters<typeof update>[0];
const doc = (overrides: Partial<Job> = {}): JobDocument => toDocument(makeJob({ type: 'mail', ...overrides }));
const ids = (docs: JobDocument[], filter: object): string[] =>
  (find(docs as unknown as MingoDoc[], filter as MingoDoc).all() as unknown as JobDocument[]).map((found) => found._id).sort();

describe('batch dedupe documents', () => {
  const holder = doc({ key: 'a' });
  const finished = doc({ key: 'b', status: 'completed', finishedAt: new Date() });
  const otherTenant = doc({ key: 'a', tenantId: 't' });
  const otherType = doc({ type: 'sms', key: 'a' });
  const keyless = doc();
  const stored = [holder, finished, otherTenant, otherType, keyless];

  it('look up taken ids and the unfinished holders of the batch keys, in their scopes only', () => {
    const batch = [doc({ key: 'a' }), doc({ key: 'b' }), doc({ id: keyless._id })];
    expect(ids(stored, insertClashesFilter(batch))).toEqual([holder._id, keyless._id].sort());
    expect(ids(stored, keyHoldersFilter([doc({ key: 'a', tenantId: 't' }), doc({ key: 'b' })]))).toEqual([otherTenant._id]);
  });

  it('point each job at the earlier job of the batch holding its key, by type, key, tenant and owner', () => {
    const batch = [
      doc({ key: 'a' }),
      doc({ key: 'a', tenantId: 't' }),
      doc({ key: 'a' }),
      doc({ key: 'a', ownerId: 'o' }),
      doc(),
      doc({ key: 'c', status: 'completed', finishedAt: new Date() }),
      doc({ key: 'c' }),
      doc({ key: 'c', status: 'completed', finishedAt: new Date() }),
      doc({ key: 'a', tenantId: 't' }),
      doc({ type: 'sms', key: 'a' }),
    ];
    // A finished job holds no key: the next one with that key is not answered by it.
    expect(earlierKeyHolders(batch)).toEqual([-1, -1, 0, -1, -1, -1, -1, 6, 1, -1]);
    expect(earlierKeyHolders([])).toEqual([]);
  });
});
