import { isDeepStrictEqual } from 'node:util';
import { aggregate, type update } from 'mingo';
import { BSON } from 'mongodb';
import type { ResumableChangeStream } from './feed/change-stream-feed.js';

/**
 * Change streams for the fake `Db` (`fakeDb({ changeStreams: true })`), for tests only: every
 * committed write of a document (after a transaction's commit, never before) becomes a change
 * event shaped as the server's — `insert` with the document, `update` with an
 * `updateDescription` (the changed top-level fields, nested documents as dotted paths, as the
 * server's diff gives them), `delete` with the key; a write that changes nothing is no event, as
 * on the server. Each `watch` gets the events of its collection from then on; when the stream
 * hands one out, `fullDocument: 'updateLookup'` looks the document up as it is THEN (as the
 * server does, so it may already show later writes), and the pipeline runs with mingo.
 * Not emulated: resuming, invalidate, errors, batches.
 */

type MingoDoc = Parameters<typeof update>[0];
type Doc = Record<string, unknown> & { _id: unknown };

const copy = <T>(value: T): T => BSON.deserialize(BSON.serialize(value as object)) as T;

function plainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

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

function removedFields(before: Record<string, unknown>, after: Record<string, unknown>, prefix = ''): string[] {
  const removed: string[] = [];
  for (const [key, value] of Object.entries(before)) {
    if (!(key in after)) removed.push(`${prefix}${key}`);
    else if (plainObject(value) && plainObject(after[key])) removed.push(...removedFields(value, after[key] as Record<string, unknown>, `${prefix}${key}.`));
  }
  return removed;
}

interface WatchOptions {
  fullDocument?: string;
  resumeAfter?: unknown;
}

class FakeServerStream implements ResumableChangeStream {
  resumeToken: unknown = undefined;
  private readonly queue: Doc[] = [];
  private waiter: { resolve: (event: unknown) => void; reject: (error: unknown) => void } | null = null;
  private closed = false;

  constructor(
    private readonly pipeline: object[],
    private readonly options: WatchOptions,
    private readonly lookup: (id: unknown) => Doc | undefined,
  ) {}

  /** A committed change of the collection. */
  offer(event: Doc): void {
    if (this.closed) return;
    this.queue.push(event);
    if (this.waiter !== null) {
      const next = this.take();
      if (next !== null) {
        const { resolve } = this.waiter;
        this.waiter = null;
        resolve(next);
      }
    }
  }

  async tryNext(): Promise<unknown> {
    if (this.closed) throw new Error('ChangeStream is closed');
    return this.take();
  }

  next(): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('ChangeStream is closed'));
    const event = this.take();
    if (event !== null) return Promise.resolve(event);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiter?.reject(new Error('ChangeStream is closed'));
    this.waiter = null;
  }

  /** The next queued event that passes the pipeline, looked up and projected now; null when none. */
  private take(): unknown {
    while (this.queue.length > 0) {
      const event = this.queue.shift()!;
      if (event['operationType'] === 'update' && this.options.fullDocument === 'updateLookup') {
        const current = this.lookup((event['documentKey'] as { _id: unknown })._id);
        event['fullDocument'] = current === undefined ? null : copy(current);
      }
      const [out] = aggregate([event] as unknown as MingoDoc[], this.pipeline as never) as unknown as Doc[];
      if (out !== undefined) {
        this.resumeToken = out._id;
        return copy(out);
      }
    }
    return null;
  }
}

/** The change streams of one fake database. */
export class FakeChangeStreams {
  private readonly streams = new Map<string, Set<FakeServerStream>>();
  private sequence = 0;

  /** Called by the fake on every committed write of a document (`null`: none before / deleted). */
  committed(collection: string, before: Doc | undefined, after: Doc | null): void {
    const watching = this.streams.get(collection);
    if (watching === undefined || watching.size === 0) return;
    let event: Doc;
    const base = () => ({ _id: { _data: String(++this.sequence).padStart(16, '0') }, ns: { db: 'app', coll: collection } });
    if (after === null) {
      if (before === undefined) return;
      event = { ...base(), operationType: 'delete', documentKey: { _id: before._id } };
    } else if (before === undefined) {
      event = { ...base(), operationType: 'insert', documentKey: { _id: after._id }, fullDocument: copy(after) };
    } else {
      const updated = updatedFields(before, after);
      const removed = removedFields(before, after);
      if (Object.keys(updated).length === 0 && removed.length === 0) return;
      event = { ...base(), operationType: 'update', documentKey: { _id: after._id }, updateDescription: { updatedFields: copy(updated), removedFields: removed, truncatedArrays: [] } };
    }
    for (const stream of watching) stream.offer(copy(event));
  }

  watch(collection: string, pipeline: object[], options: WatchOptions | undefined, lookup: (id: unknown) => Doc | undefined): ResumableChangeStream {
    if (options?.resumeAfter !== undefined) throw new Error('the fake change streams cannot resume');
    const stream = new FakeServerStream(pipeline, options ?? {}, lookup);
    let watching = this.streams.get(collection);
    if (watching === undefined) {
      watching = new Set();
      this.streams.set(collection, watching);
    }
    watching.add(stream);
    const close = stream.close.bind(stream);
    stream.close = async () => {
      watching.delete(stream);
      await close();
    };
    return stream;
  }
}
