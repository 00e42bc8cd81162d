import { StoreError } from '@jobtrail/core';
import { controlsClaims, type FlowStore, type TypeControl, type TypeControlWrite } from '@jobtrail/core/store';
import { countStartsFilter, ofTypeFilter } from '../documents/flow-claim-documents.js';
import { TYPE_CONTROL_SORT, typeControlFilter, typeControlsFilter, typeControlUpdate, typeControlVersionFilter } from '../documents/type-control-documents.js';
import { duplicateKeyTarget, isDuplicateKeyError, toStoreError } from '../errors/driver-errors.js';
import { toTypeControl, toTypeControlDocument } from '../mapping/type-control-document.js';
import type { FlowCollections } from './flow-collections.js';

/**
 * How often `putTypeControl` tries again when the record changed between its write and the read
 * that explains the miss. Records are never deleted and versions only grow, so a second round
 * needs another writer to win a race in between; the bound only guards against a broken clock.
 */
const PUT_RACE_ROUNDS = 5;

/**
 * Reads of the controls that do not need a transaction go to the primary and read its latest
 * local state: the claim must see a record the moment `putTypeControl` has written it, or it
 * would claim a newly limited type the plain way (a secondary, or a majority read, may lag).
 */
const LATEST = { readPreference: 'primary', readConcern: { level: 'local' } } as const;

export interface FlowOperationsOptions {
  collections: FlowCollections;
  /** Wakes this store's subscribers for a type whose record it wrote. */
  wake: (type: string) => void;
}

/**
 * The record part of `MongoJobStore`'s flow control (`FlowStore`), over the type-controls
 * collection (one document per type, `_id` the type) and the type-starts collection. The claim
 * itself is `claimWithFlow`.
 */
export class FlowOperations implements FlowStore {
  private readonly collections: FlowCollections;
  private readonly wake: (type: string) => void;

  constructor(options: FlowOperationsOptions) {
    this.collections = options.collections;
    this.wake = options.wake;
  }

  async getTypeControl(type: string): Promise<TypeControl | null> {
    try {
      const doc = await this.collections.controls.findOne(typeControlFilter(type));
      return doc === null ? null : toTypeControl(doc);
    } catch (error) {
      throw this.failure(error, 'getTypeControl', this.collections.controls.collectionName);
    }
  }

  async listTypeControls(): Promise<TypeControl[]> {
    try {
      const docs = await this.collections.controls.find({}, { sort: TYPE_CONTROL_SORT }).toArray();
      return docs.map(toTypeControl);
    } catch (error) {
      throw this.failure(error, 'listTypeControls', this.collections.controls.collectionName);
    }
  }

  /**
   * Compare-and-set on `version`: an insert the primary key refuses for a taken type when
   * `expectedVersion` is null, else a `findOneAndUpdate` with the version in its filter. A written
   * record wakes this store's subscribers. A record that no longer sets a rate limit drops the
   * type's recorded starts, and one that asks nothing of the claim its groups' latest starts, as
   * the memory store does; a claim that read the old record committed before this write landed
   * (it wrote the same document), so none of its bookkeeping survives the drop.
   */
  async putTypeControl(control: TypeControl, expectedVersion: number | null): Promise<TypeControlWrite> {
    try {
      const written = await this.write(control, expectedVersion);
      if (!written.ok) return written;
      this.wake(control.type);
      if (control.rateLimit === null) await this.collections.starts.deleteMany(ofTypeFilter(control.type));
      if (!controlsClaims(control)) await this.collections.groups.deleteMany(ofTypeFilter(control.type));
      return written;
    } catch (error) {
      throw this.failure(error, 'putTypeControl', this.collections.controls.collectionName);
    }
  }

  async countStarts(type: string, since: Date, group?: string | null): Promise<number> {
    try {
      return await this.collections.starts.countDocuments(countStartsFilter(type, since, group));
    } catch (error) {
      throw this.failure(error, 'countStarts', this.collections.starts.collectionName);
    }
  }

  /**
   * The records among `types` that ask something of the claim, by type. Read by every claim before
   * it takes anything (see `MongoJobStore.claim`), from the primary's latest state.
   */
  async claimControls(types: readonly string[]): Promise<Map<string, TypeControl>> {
    const docs = await this.collections.controls.find(typeControlsFilter(types), LATEST).toArray();
    const controls = new Map<string, TypeControl>();
    for (const doc of docs) {
      const control = toTypeControl(doc);
      if (controlsClaims(control)) controls.set(control.type, control);
    }
    return controls;
  }

  private async write(control: TypeControl, expectedVersion: number | null): Promise<TypeControlWrite> {
    const { controls } = this.collections;
    for (let round = 0; round < PUT_RACE_ROUNDS; round++) {
      if (expectedVersion === null) {
        try {
          await controls.insertOne(toTypeControlDocument(control));
          return { ok: true };
        } catch (error) {
          // `_id` is the type, so a duplicate on it means "a record exists".
          if (!isDuplicateKeyError(error) || duplicateKeyTarget(error) !== 'id') throw error;
        }
      } else {
        const doc = await controls.findOneAndUpdate(typeControlVersionFilter(control.type, expectedVersion), typeControlUpdate(control), { returnDocument: 'after' });
        if (doc !== null) return { ok: true };
      }
      // The miss is explained by the record that stands.
      const current = await controls.findOne(typeControlFilter(control.type), LATEST);
      if (current === null) {
        if (expectedVersion !== null) return { ok: false, current: null };
        // Not there after a duplicate key: deleted in between (by hand); insert again.
        continue;
      }
      if (current.version !== expectedVersion) return { ok: false, current: toTypeControl(current) };
      // Written at the expected version between the two (recreated by hand): it may apply now.
    }
    throw new StoreError(`The flow control record of type "${control.type}" kept changing under the write; write it again.`);
  }

  private failure(error: unknown, operation: string, collection: string): Error {
    return toStoreError(error, operation, collection);
  }
}
