import type { TypeControl } from '@jobtrail/core/store';
import { makeTypeControl } from '@jobtrail/core/testing';
import { find, Query, update } from 'mingo';
import { describe, expect, it } from 'vitest';
import { toTypeControl, toTypeControlDocument, type TypeControlDocument } from '../mapping/type-control-document.js';
import { CLAIM_MARK, TYPE_CONTROL_SORT, typeControlFilter, typeControlsFilter, typeControlUpdate, typeControlVersionFilter } from './type-control-documents.js';

/**
 * What the type-control filter, sort and update documents mean, evaluated with mingo over the
 * documents the mapper writes and compared with the port's words (`FlowStore`). The contract suite
 * checks the rest, over the fake Db and against a real server.
 */

type MingoDoc = Parameters<typeof update>[0];
const matches = (filter: object, doc: TypeControlDocument): boolean => new Query(filter as MingoDoc).test(doc as unknown as MingoDoc);
const apply = (doc: TypeControlDocument, updateDoc: object): string[] => update(doc as unknown as MingoDoc, updateDoc as Parameters<typeof update>[1]);

describe('type control documents', () => {
  it('select a record by type, and the records of the types a claim asks for', () => {
    const doc = toTypeControlDocument(makeTypeControl({ type: 'a.b' }));
    expect(matches(typeControlFilter('a.b'), doc)).toBe(true);
    expect(matches(typeControlFilter('a'), doc)).toBe(false);
    expect(matches(typeControlsFilter(['x', 'a.b']), doc)).toBe(true);
    expect(matches(typeControlsFilter([]), doc)).toBe(false);
  });

  it('compare-and-set: the update applies only at the expected version', () => {
    const doc = toTypeControlDocument(makeTypeControl({ version: 7 }));
    expect(matches(typeControlVersionFilter(doc._id, 7), doc)).toBe(true);
    expect(matches(typeControlVersionFilter(doc._id, 6), doc)).toBe(false);
    expect(matches(typeControlVersionFilter('other', 7), doc)).toBe(false);
  });

  it('writes the record whole (no merge of rateLimit), leaving the claims counter alone', () => {
    const before: TypeControl = makeTypeControl({ maxRunning: 3, rateLimit: { limit: 5, intervalMs: 1000, perGroup: true }, version: 1 });
    const doc = { ...toTypeControlDocument(before), claims: 9 };
    const after: TypeControl = { ...before, maxRunning: null, rateLimit: { limit: 2, intervalMs: 5000, perGroup: false }, paused: true, version: 2, updatedAt: new Date(5) };
    apply(doc, typeControlUpdate(after));
    expect(toTypeControl(doc)).toEqual(after);
    expect(doc.claims).toBe(9);
    expect(Object.keys(typeControlUpdate(after).$set)).not.toContain('_id');
  });

  it('marks a claim with a write that always changes the document, and never its version', () => {
    const doc = toTypeControlDocument(makeTypeControl({ version: 4 }));
    expect(apply(doc, CLAIM_MARK)).toEqual(['claims']);
    expect(apply(doc, CLAIM_MARK)).toEqual(['claims']);
    expect(doc.claims).toBe(2);
    expect(doc.version).toBe(4);
  });

  it('lists by type, ascending: MongoDB compares strings by UTF-8 bytes, which is code point order', () => {
    expect(TYPE_CONTROL_SORT).toEqual({ _id: 1 });
    // mingo compares like JavaScript (UTF-16 units), which agrees with code points below U+E000;
    // the real server's order beyond is the contract suite's (test/contract.test.ts).
    const types = ['b', 'B', 'a', 'ä', 'a.b', ''];
    const docs = types.map((type) => toTypeControlDocument(makeTypeControl({ type })));
    const sorted = find(docs as unknown as MingoDoc[], {}).sort(TYPE_CONTROL_SORT).all() as unknown as TypeControlDocument[];
    expect(sorted.map((doc) => doc._id)).toEqual(['', 'B', 'a', 'a.b', 'b', 'ä']);
  });
});
