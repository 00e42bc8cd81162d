import { makeTypeControl } from '@jobtrail/core/testing';
import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { toTypeControl, toTypeControlDocument, type TypeControlDocument } from './type-control-document.js';

const throughBson = (doc: TypeControlDocument): TypeControlDocument => BSON.deserialize(BSON.serialize(doc)) as TypeControlDocument;

describe('type control document mapper', () => {
  it('stores the type as _id and every field of the record, and reads the same record back through BSON', () => {
    const record = makeTypeControl({ type: 'places.scan — 東京', maxRunning: 3, maxRunningPerGroup: 1, rateLimit: { limit: 10, intervalMs: 60_000, perGroup: true }, version: 1_700_000_000_123 });
    const doc = toTypeControlDocument(record);
    expect(doc).toEqual({ _id: record.type, maxRunning: 3, maxRunningPerGroup: 1, rateLimit: { limit: 10, intervalMs: 60_000, perGroup: true }, paused: false, version: 1_700_000_000_123, updatedAt: record.updatedAt });
    expect(doc).not.toHaveProperty('type');
    expect(doc).not.toHaveProperty('claims');
    expect(toTypeControl(throughBson(doc))).toEqual(record);
    const bare = makeTypeControl({ paused: true });
    expect(toTypeControl(throughBson(toTypeControlDocument(bare)))).toEqual(bare);
  });

  it('copies the rate limit, so the document shares nothing with the record', () => {
    const record = makeTypeControl({ rateLimit: { limit: 1, intervalMs: 1000, perGroup: false } });
    const doc = toTypeControlDocument(record);
    expect(doc.rateLimit).not.toBe(record.rateLimit);
  });

  it("never lets the claims' counter out", () => {
    const doc = { ...toTypeControlDocument(makeTypeControl()), claims: 42 };
    const record = toTypeControl(doc);
    expect(Object.keys(record).sort()).toEqual(Object.keys(makeTypeControl()).sort());
  });

  it('reads a document edited by hand on the safe side: not a number is no limit, a flag other than false is paused', () => {
    const doc = {
      _id: 't',
      maxRunning: '3',
      maxRunningPerGroup: undefined,
      rateLimit: { limit: 'x', intervalMs: 1000 },
      paused: 'no',
      version: 1,
      updatedAt: new Date(0),
    } as unknown as TypeControlDocument;
    expect(toTypeControl(doc)).toEqual({ type: 't', maxRunning: null, maxRunningPerGroup: null, rateLimit: null, paused: true, version: 1, updatedAt: new Date(0) });
    const partialRate = { ...doc, rateLimit: { limit: 2, intervalMs: 1000 }, paused: false } as unknown as TypeControlDocument;
    expect(toTypeControl(partialRate)).toMatchObject({ rateLimit: { limit: 2, intervalMs: 1000, perGroup: false }, paused: false });
  });
});
