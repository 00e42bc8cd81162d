import { StoreError } from '@jobtrail/core';
import type {
  ScheduleInsertResult,
  SchedulePatch,
  ScheduleQuery,
  ScheduleRecord,
  ScheduleStore,
  ScheduleUpdateResult,
} from '@jobtrail/core/store';
import type { Collection } from 'mongodb';
import {
  DUE_SCHEDULES_SORT,
  dueSchedulesFilter,
  listSchedulesFilter,
  NEXT_RUN_FILTER,
  NEXT_RUN_SORT,
  SCHEDULE_NAME_SORT,
  scheduleNameFilter,
  scheduleUpdate,
  scheduleVersionFilter,
} from '../documents/schedule-documents.js';
import { duplicateKeyTarget, isDuplicateKeyError, toStoreError } from '../errors/driver-errors.js';
import { asStoredSchedule, toScheduleDocument, toScheduleRecord, type ScheduleDocument } from '../mapping/schedule-document.js';

/**
 * How often an insert or update tries again when the schedule changed between its write and the
 * read that explains the miss (deleted after a duplicate-key error; recreated at the expected
 * version after a missed compare-and-set). Each round needs another process to win a race.
 */
const SCHEDULE_RACE_ROUNDS = 5;

export interface ScheduleOperationsOptions {
  collection: Collection<ScheduleDocument>;
  collectionName: string;
  /** Wakes this store's subscribers for a schedule it inserted, updated or deleted. */
  wake: (name: string) => void;
}

/**
 * The schedule part of `MongoJobStore` (`ScheduleStore`), over the schedules collection: one
 * document per schedule, `_id` its name. Each write is one atomic document operation — an insert
 * that the primary key refuses for a taken name, a `findOneAndUpdate` with the expected version in
 * its filter, a `deleteOne` — and wakes this store's subscribers once it has written something.
 */
export class ScheduleOperations implements ScheduleStore {
  private readonly collection: Collection<ScheduleDocument>;
  private readonly collectionName: string;
  private readonly wake: (name: string) => void;

  constructor(options: ScheduleOperationsOptions) {
    this.collection = options.collection;
    this.collectionName = options.collectionName;
    this.wake = options.wake;
  }

  async insertSchedule(record: ScheduleRecord): Promise<ScheduleInsertResult> {
    const doc = toScheduleDocument(record);
    try {
      for (let round = 0; round < SCHEDULE_RACE_ROUNDS; round++) {
        try {
          await this.collection.insertOne(doc);
          this.wake(doc._id);
          return { ok: true, schedule: asStoredSchedule(doc, this.collection.bsonOptions) };
        } catch (error) {
          // `_id` is the name, so a duplicate on it means "that name exists" whatever its tenant;
          // a unique index the application added is not ours to explain.
          if (!isDuplicateKeyError(error) || duplicateKeyTarget(error) !== 'id') throw error;
          const current = await this.collection.findOne(scheduleNameFilter(doc._id));
          if (current !== null) return { ok: false, reason: 'exists', current: toScheduleRecord(current) };
          // Deleted between the insert and the read: the name is free again, insert again.
        }
      }
      throw new StoreError(`The schedule "${doc._id}" kept being created and deleted by others; insert it again.`);
    } catch (error) {
      throw this.failure(error, 'insertSchedule');
    }
  }

  async getSchedule(name: string): Promise<ScheduleRecord | null> {
    try {
      const doc = await this.collection.findOne(scheduleNameFilter(name));
      return doc === null ? null : toScheduleRecord(doc);
    } catch (error) {
      throw this.failure(error, 'getSchedule');
    }
  }

  async listSchedules(query: ScheduleQuery): Promise<ScheduleRecord[]> {
    try {
      const docs = await this.collection.find(listSchedulesFilter(query), { sort: SCHEDULE_NAME_SORT, limit: query.limit }).toArray();
      return docs.map(toScheduleRecord);
    } catch (error) {
      throw this.failure(error, 'listSchedules');
    }
  }

  async dueSchedules(now: Date, limit: number): Promise<ScheduleRecord[]> {
    try {
      const docs = await this.collection.find(dueSchedulesFilter(now), { sort: DUE_SCHEDULES_SORT, limit }).toArray();
      return docs.map(toScheduleRecord);
    } catch (error) {
      throw this.failure(error, 'dueSchedules');
    }
  }

  async nextScheduleRunAt(): Promise<Date | null> {
    try {
      const doc = await this.collection.findOne(NEXT_RUN_FILTER, { sort: NEXT_RUN_SORT, projection: { _id: 0, nextRunAt: 1 } });
      return doc?.nextRunAt ?? null;
    } catch (error) {
      throw this.failure(error, 'nextScheduleRunAt');
    }
  }

  async updateSchedule(name: string, expectedVersion: number, patch: SchedulePatch): Promise<ScheduleUpdateResult> {
    const filter = scheduleVersionFilter(name, expectedVersion);
    const update = scheduleUpdate(patch, expectedVersion);
    try {
      for (let round = 0; round < SCHEDULE_RACE_ROUNDS; round++) {
        const doc = await this.collection.findOneAndUpdate(filter, update, { returnDocument: 'after' });
        if (doc !== null) {
          this.wake(name);
          return { ok: true, schedule: toScheduleRecord(doc) };
        }
        // The miss is explained by a second read: versions only grow, so a schedule found at
        // another version was changed by someone else (conflict) and none found was deleted.
        const current = await this.collection.findOne(scheduleNameFilter(name));
        if (current === null) return { ok: false, reason: 'not_found' };
        if (current.version !== expectedVersion) return { ok: false, reason: 'conflict', current: toScheduleRecord(current) };
        // Created anew at the expected version between the two (deleted and inserted again at
        // version 1): it matches now, so the compare-and-set may still apply.
      }
      throw new StoreError(`The schedule "${name}" kept being replaced by others; update it again.`);
    } catch (error) {
      throw this.failure(error, 'updateSchedule');
    }
  }

  async deleteSchedule(name: string, expectedVersion?: number): Promise<boolean> {
    try {
      const filter = expectedVersion === undefined ? scheduleNameFilter(name) : { ...scheduleNameFilter(name), version: expectedVersion };
      const result = await this.collection.deleteOne(filter);
      const existed = result.deletedCount === 1;
      if (existed) this.wake(name);
      return existed;
    } catch (error) {
      throw this.failure(error, 'deleteSchedule');
    }
  }

  private failure(error: unknown, operation: string): Error {
    return toStoreError(error, operation, this.collectionName);
  }
}
