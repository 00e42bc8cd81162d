import type { FlowStore, JobStore, ScheduleStore } from '@jobtrail/core/store';
import type { ClientSession, Db, IndexDescription } from 'mongodb';
import { describe, expectTypeOf, it } from 'vitest';
import type { ChangeEventError, FlowCollectionNames, JOB_INDEXES, MongoJobStore, MongoJobStoreOptions, SCHEDULE_INDEXES, TYPE_GROUP_INDEXES, TYPE_START_INDEXES, WakeMode } from './index.js';

describe('public types', () => {
  it('is a JobStore with subscribe, built over a driver Db', () => {
    expectTypeOf<MongoJobStore>().toExtend<JobStore>();
    expectTypeOf<MongoJobStore['subscribe']>().toExtend<NonNullable<JobStore['subscribe']>>();
    expectTypeOf<MongoJobStoreOptions['db']>().toEqualTypeOf<Db>();
    expectTypeOf<MongoJobStoreOptions>().toHaveProperty('collectionName').toEqualTypeOf<string | undefined>();
    expectTypeOf<MongoJobStore['ensureIndexes']>().returns.toEqualTypeOf<Promise<string[]>>();
    expectTypeOf<MongoJobStore['wakeMode']>().toEqualTypeOf<WakeMode>();
  });

  it('is a ScheduleStore too (all of its methods), with its collection named', () => {
    expectTypeOf<MongoJobStore>().toExtend<ScheduleStore>();
    expectTypeOf<MongoJobStore>().toExtend<Required<Pick<JobStore, keyof ScheduleStore>>>();
    expectTypeOf<MongoJobStoreOptions>().toHaveProperty('schedulesCollectionName').toEqualTypeOf<string | undefined>();
    expectTypeOf<MongoJobStore['schedulesCollectionName']>().toEqualTypeOf<string>();
    expectTypeOf<typeof SCHEDULE_INDEXES>().toEqualTypeOf<typeof JOB_INDEXES>();
    expectTypeOf<typeof SCHEDULE_INDEXES>().toEqualTypeOf<readonly IndexDescription[]>();
  });

  it('is a FlowStore too (all of its methods), with its collections named', () => {
    expectTypeOf<MongoJobStore>().toExtend<FlowStore>();
    expectTypeOf<MongoJobStore>().toExtend<Required<Pick<JobStore, keyof FlowStore>>>();
    expectTypeOf<MongoJobStore['flowCollectionNames']>().toEqualTypeOf<FlowCollectionNames>();
    expectTypeOf<FlowCollectionNames>().toEqualTypeOf<{ controls: string; starts: string; groups: string }>();
    expectTypeOf<typeof TYPE_START_INDEXES>().toEqualTypeOf<readonly IndexDescription[]>();
    expectTypeOf<typeof TYPE_GROUP_INDEXES>().toEqualTypeOf<readonly IndexDescription[]>();
  });

  it('has an optional change feed of the port, and its event error', () => {
    expectTypeOf<MongoJobStore['subscribeChanges']>().toEqualTypeOf<JobStore['subscribeChanges']>();
    expectTypeOf<ChangeEventError['field']>().toEqualTypeOf<string>();
  });

  it('takes a ClientSession as the insert transaction', () => {
    expectTypeOf<MongoJobStore['insert']>().toBeCallableWith(null as never, { transaction: null as unknown as ClientSession });
  });
});
