import { makeTypeControl } from '@jobtrail/core/testing';
import { Query, type update } from 'mingo';
import { describe, expect, it } from 'vitest';
import { CLAIM_MARK, typeControlUpdate } from '../documents/type-control-documents.js';
import { TYPE_CONTROL_WAKE_PIPELINE, typeControlChangeToWakeEvent } from './type-control-wake-pipeline.js';

type MingoDoc = Parameters<typeof update>[0];
const passes = (change: object): boolean => new Query((TYPE_CONTROL_WAKE_PIPELINE[0] as { $match: object }).$match as MingoDoc).test(change as MingoDoc);

/** The update event MongoDB reports for an update document of `$set`/`$inc` fields (what changes). */
function updateEvent(updateDoc: { $set?: object; $inc?: object }): object {
  const updatedFields = { ...updateDoc.$set, ...updateDoc.$inc };
  return { _id: { _data: '1' }, operationType: 'update', documentKey: { _id: 't' }, updateDescription: { updatedFields, removedFields: [] } };
}

describe('type-control wake pipeline', () => {
  it("lets through a record written by putTypeControl, inserted or updated, and a deletion, but not a claim's mark", () => {
    expect(passes({ operationType: 'insert', documentKey: { _id: 't' } })).toBe(true);
    expect(passes({ operationType: 'replace', documentKey: { _id: 't' } })).toBe(true);
    expect(passes({ operationType: 'delete', documentKey: { _id: 't' } })).toBe(true);
    expect(passes(updateEvent(typeControlUpdate(makeTypeControl({ type: 't', paused: true }))))).toBe(true);
    expect(passes(updateEvent(CLAIM_MARK))).toBe(false);
    for (const collectionEvent of ['drop', 'rename', 'invalidate', 'dropDatabase']) expect(passes({ operationType: collectionEvent })).toBe(false);
  });

  it('keeps the resume token (_id) and only the type (documentKey._id)', () => {
    const projection = (TYPE_CONTROL_WAKE_PIPELINE[1] as { $project: Record<string, unknown> }).$project;
    expect(projection).toEqual({ operationType: 1, 'documentKey._id': 1 });
    expect(TYPE_CONTROL_WAKE_PIPELINE).toHaveLength(2);
  });

  it('turns a change into { type }, and anything without a type into nothing', () => {
    expect(typeControlChangeToWakeEvent({ operationType: 'update', documentKey: { _id: 'places.scan' } })).toEqual({ type: 'places.scan' });
    expect(typeControlChangeToWakeEvent({ operationType: 'insert', documentKey: { _id: 7 } })).toBeNull();
    expect(typeControlChangeToWakeEvent({})).toBeNull();
    expect(typeControlChangeToWakeEvent(null)).toBeNull();
  });
});
