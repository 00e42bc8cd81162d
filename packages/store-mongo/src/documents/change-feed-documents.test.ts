import { isDeepStrictEqual } from 'node:util';
import type { JobChange } from '@jobtrail/core/store';
import { makeJob } from '@jobtrail/core/testing';
import { aggregate, update } from 'mingo';
import { describe, expect, it } from 'vitest';
import { ChangeEventError } from '../errors/change-event-error.js';
import { toDocument, type JobDocument } from '../mapping/job-document.js';
import { CHANGE_FEED_PIPELINE, changeFeedOptions, readChangeEvent, type ChangeEventReading } from './change-feed-documents.js';
import { claimUpdate } from './claim-documents.js';
import { renewLeaseUpdate } from './lease-documents.js';
import { incrementMetricsUpdate } from './metrics-documents.js';
import { patchUpdate, progressUpdate } from './patch-update.js';

/**
 * What the change feed's pipeline lets through and what it keeps, evaluated with mingo over
 * change events shaped as the server produces them: the job document written by the mapper, and
 * for updates the `updateDescription` of the real update documents (computed as the server's diff
 * of the document before and after) with the post-image of `fullDocument: 'updateLookup'`.
 * Mingo is not MongoDB: the contract suite checks the stream itself against a real server.
 */

const BASE = Date.UTC(2030, 0, 1);
const at = (seconds: number): Date => new Date(BASE + seconds * 1000);
const NS = { db: 'app', coll: 'jobtrail_jobs' };

type MingoDoc = Parameters<typeof update>[0];
type ChangeEvent = Record<string, unknown>;

let tokens = 0;
function token(): { _data: string } {
  tokens++;
  return { _data: `8263${String(tokens).padStart(8, '0')}` };
}

function plainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The server's `updatedFields`: changed fields, nested documents as dotted paths. */
function updatedFields(before: Record<string, unknown>, after: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    const previous = before[key];
    if (isDeepStrictEqual(previous, value)) continue;
    if (plainObject(previous) && plainObject(value)) Object.assign(fields, updatedFields(previous, value, `${prefix}${key}.`));
    else fields[`${prefix}${key}`] = value;
  }
  return fields;
}

function stored(overrides: Parameters<typeof makeJob>[0] = {}): JobDocument {
  return toDocument(
    makeJob({
      type: 'reports.build',
      tenantId: 'tenant-a',
      ownerId: 'owner-1',
      payload: { secret: 'payload-secret' },
      metadata: { note: 'metadata-secret' },
      createdAt: at(0),
      updatedAt: at(0),
      runAt: at(0),
      ...overrides,
    }),
  );
}

function insertEvent(doc: JobDocument): ChangeEvent {
  return { _id: token(), operationType: 'insert', clusterTime: 1, ns: NS, documentKey: { _id: doc._id }, fullDocument: structuredClone(doc) };
}

/** Applies `updateDoc` to `doc` (in place, as the server would) and answers the update event with its post-image. */
function updateEvent(doc: JobDocument, updateDoc: object): ChangeEvent {
  const before = structuredClone(doc) as unknown as Record<string, unknown>;
  update(doc as unknown as MingoDoc, updateDoc as Parameters<typeof update>[1]);
  const after = doc as unknown as Record<string, unknown>;
  return {
    _id: token(),
    operationType: 'update',
    ns: NS,
    documentKey: { _id: doc._id },
    updateDescription: { updatedFields: updatedFields(before, after), removedFields: [], truncatedArrays: [] },
    fullDocument: structuredClone(doc),
  };
}

function run(events: ChangeEvent[]): ChangeEvent[] {
  return aggregate(events as unknown as MingoDoc[], [...CHANGE_FEED_PIPELINE]) as unknown as ChangeEvent[];
}

/** What the feed reports for a sequence of raw events: the pipeline, then `readChangeEvent`. */
function changesOf(events: ChangeEvent[]): JobChange[] {
  return run(events)
    .map(readChangeEvent)
    .flatMap((reading) => (reading.kind === 'change' ? [reading.change] : []));
}

function changeOf(doc: JobDocument): JobChange {
  return { jobId: doc._id, type: doc.type, tenantId: doc.tenantId, ownerId: doc.ownerId, status: doc.status, version: doc.updatedAt.getTime() };
}

describe('change feed pipeline (mingo)', () => {
  it("reports an insert, a claim, progress, metrics and a completion, in order, each with the job's routing fields", () => {
    const doc = stored();
    const events = [insertEvent(doc)];
    const expected = [changeOf(doc)];
    events.push(updateEvent(doc, claimUpdate('worker-1', at(1), at(61))));
    expected.push(changeOf(doc));
    events.push(updateEvent(doc, progressUpdate({ progress: 0.5, stage: 'rows', updatedAt: at(2) })));
    expected.push(changeOf(doc));
    events.push(updateEvent(doc, incrementMetricsUpdate({ rows: 3 }, ['rows'], at(3))));
    expected.push(changeOf(doc));
    events.push(updateEvent(doc, patchUpdate({ status: 'completed', result: { rows: 3 }, finishedAt: at(4), updatedAt: at(4), lease: null, progress: 1 })));
    expected.push(changeOf(doc));

    expect(changesOf(events)).toEqual(expected);
    expect(expected.map((change) => change.status)).toEqual(['queued', 'running', 'running', 'running', 'completed']);
    expect(expected.map((change) => change.version)).toEqual([0, 1, 2, 3, 4].map((seconds) => at(seconds).getTime()));
    expect(expected[0]).toEqual({ jobId: doc._id, type: 'reports.build', tenantId: 'tenant-a', ownerId: 'owner-1', status: 'queued', version: at(0).getTime() });
  });

  it('filters out a lease renewal (heartbeat) on the server, and nothing else', () => {
    const doc = stored();
    updateEvent(doc, claimUpdate('worker-1', at(1), at(61)));
    const renewal = updateEvent(doc, renewLeaseUpdate(at(90)));
    expect((renewal['updateDescription'] as { updatedFields: object }).updatedFields).toEqual({ leaseExpiresAt: at(90) });
    expect(run([renewal])).toEqual([]);
    // A write that renews the lease and changes something else is a change.
    const both = updateEvent(doc, { $set: { leaseExpiresAt: at(120), progress: 0.2, updatedAt: at(5) } });
    expect(changesOf([both])).toEqual([changeOf(doc)]);
    // So is an update that removes a field besides renewing (never written by jobtrail, but visible).
    const removal = { ...renewal, _id: token(), updateDescription: { updatedFields: { leaseExpiresAt: at(91) }, removedFields: ['stage'], truncatedArrays: [] } };
    expect(run([removal])).toHaveLength(1);
  });

  it('reports a replacement, and never a deletion', () => {
    const doc = stored({ status: 'failed' });
    const replacement = { _id: token(), operationType: 'replace', ns: NS, documentKey: { _id: doc._id }, fullDocument: structuredClone(doc) };
    const deletion = { _id: token(), operationType: 'delete', ns: NS, documentKey: { _id: doc._id } };
    expect(run([deletion])).toEqual([]);
    expect(changesOf([replacement, deletion])).toEqual([changeOf(doc)]);
  });

  it('keeps only the resume token, the operation and the routing fields: no payload, result, metadata, error or update description', () => {
    const doc = stored();
    const events = [insertEvent(doc), updateEvent(doc, patchUpdate({ status: 'failed', error: { message: 'error-secret', code: null, name: null, retryable: false, attempt: 1, at: at(1) }, updatedAt: at(1) }))];
    const out = run(events);
    expect(out).toHaveLength(2);
    for (const [index, event] of out.entries()) {
      expect(event['_id']).toEqual(events[index]!['_id']);
      expect(Object.keys(event).sort()).toEqual(['_id', 'fullDocument', 'operationType']);
      expect(Object.keys(event['fullDocument'] as object).sort()).toEqual(['_id', 'ownerId', 'status', 'tenantId', 'type', 'updatedAt']);
    }
    expect(JSON.stringify(out)).not.toMatch(/secret/);
  });

  it('lets an invalidate through (the stream ends), and keeps null tenant and owner', () => {
    const doc = stored({ tenantId: null, ownerId: null });
    const invalidate = { _id: token(), operationType: 'invalidate', clusterTime: 2 };
    const out = run([insertEvent(doc), invalidate]);
    expect(out.map(readChangeEvent)).toEqual([{ kind: 'change', change: changeOf(doc) }, { kind: 'invalidated' }]);
    expect(changeOf(doc)).toMatchObject({ tenantId: null, ownerId: null });
  });

  it('ignores an update whose job was deleted before the server looked it up (no post-image)', () => {
    const doc = stored();
    const event = updateEvent(doc, progressUpdate({ progress: 0.3, updatedAt: at(1) }));
    event['fullDocument'] = null;
    const out = run([event]);
    expect(out).toHaveLength(1);
    expect(readChangeEvent(out[0])).toEqual({ kind: 'ignored' });
  });
});

describe('readChangeEvent', () => {
  const good = { _id: { _data: '82' }, operationType: 'insert', fullDocument: { _id: 'job-1', type: 't', tenantId: null, ownerId: 'o', status: 'queued', updatedAt: at(1) } };
  const withDoc = (fields: Record<string, unknown>) => ({ ...good, fullDocument: { ...good.fullDocument, ...fields } });

  it('reads a change, with a missing tenant or owner as null (like every read of this store)', () => {
    expect(readChangeEvent(good)).toEqual({ kind: 'change', change: { jobId: 'job-1', type: 't', tenantId: null, ownerId: 'o', status: 'queued', version: at(1).getTime() } });
    const { tenantId: _tenant, ownerId: _owner, ...bare } = good.fullDocument;
    const reading = readChangeEvent({ ...good, fullDocument: bare }) as Extract<ChangeEventReading, { kind: 'change' }>;
    expect(reading.change).toMatchObject({ tenantId: null, ownerId: null });
    expect(readChangeEvent({ operationType: 'delete' })).toEqual({ kind: 'ignored' });
    expect(readChangeEvent({ operationType: 'update', fullDocument: null })).toEqual({ kind: 'ignored' });
    expect(readChangeEvent({ operationType: 'update' })).toEqual({ kind: 'ignored' });
  });

  it.each([
    ['event', null],
    ['event', 'insert'],
    ['event', [good]],
    ['operationType', { ...good, operationType: 'drop' }],
    ['operationType', { ...good, operationType: undefined }],
    ['fullDocument', { ...good, fullDocument: undefined }],
    ['fullDocument', { ...good, operationType: 'replace', fullDocument: 'job' }],
    ['fullDocument._id', withDoc({ _id: 7 })],
    ['fullDocument.type', withDoc({ type: null })],
    ['fullDocument.status', withDoc({ status: 'sleeping' })],
    ['fullDocument.updatedAt', withDoc({ updatedAt: '2030-01-01T00:00:00Z' })],
    ['fullDocument.updatedAt', withDoc({ updatedAt: new Date(Number.NaN) })],
    ['fullDocument.tenantId', withDoc({ tenantId: 5 })],
    ['fullDocument.ownerId', withDoc({ ownerId: { id: 'o' } })],
  ])('refuses an event with a bad %s (ChangeEventError naming the field)', (field, event) => {
    let caught: unknown;
    try {
      readChangeEvent(event);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ChangeEventError);
    expect(caught).toMatchObject({ code: 'invalid_change_event', field });
    expect((caught as Error).message).toContain(field);
  });
});

describe('changeFeedOptions', () => {
  it('asks for the post-image of updates, and resumes after a token when given one', () => {
    expect(changeFeedOptions()).toEqual({ fullDocument: 'updateLookup' });
    expect(changeFeedOptions({ _data: '82' })).toEqual({ fullDocument: 'updateLookup', resumeAfter: { _data: '82' } });
  });
});
