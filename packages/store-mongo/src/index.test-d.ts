import type { JobStore } from '@jobtrail/core/store';
import type { ClientSession, Db } from 'mongodb';
import { describe, expectTypeOf, it } from 'vitest';
import type { MongoJobStore, MongoJobStoreOptions, WakeMode } from './index.js';

describe('public types', () => {
  it('is a JobStore with subscribe, built over a driver Db', () => {
    expectTypeOf<MongoJobStore>().toExtend<JobStore>();
    expectTypeOf<MongoJobStore['subscribe']>().toExtend<NonNullable<JobStore['subscribe']>>();
    expectTypeOf<MongoJobStoreOptions['db']>().toEqualTypeOf<Db>();
    expectTypeOf<MongoJobStoreOptions>().toHaveProperty('collectionName').toEqualTypeOf<string | undefined>();
    expectTypeOf<MongoJobStore['ensureIndexes']>().returns.toEqualTypeOf<Promise<string[]>>();
    expectTypeOf<MongoJobStore['wakeMode']>().toEqualTypeOf<WakeMode>();
  });

  it('takes a ClientSession as the insert transaction', () => {
    expectTypeOf<MongoJobStore['insert']>().toBeCallableWith(null as never, { transaction: null as unknown as ClientSession });
  });
});
