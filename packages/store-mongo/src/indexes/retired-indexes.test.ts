import { MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { RETIRED_INDEX_NAMES } from './index-definitions.js';
import { dropRetiredIndexes, type IndexDropper } from './retired-indexes.js';

/** A collection whose `dropIndex` answers from `indexes`, recording every call. */
function collectionWith(indexes: Set<string>, failure?: Error): IndexDropper & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async dropIndex(name: string) {
      calls.push(name);
      if (failure) throw failure;
      if (!indexes.delete(name)) throw new MongoServerError({ message: `index not found with name [${name}]`, code: 27, codeName: 'IndexNotFound' });
      return { ok: 1 };
    },
  };
}

describe('dropRetiredIndexes', () => {
  it('drops the global dedupe index of older versions and leaves the others', async () => {
    const indexes = new Set(['_id_', 'jobtrail_dedupe', 'jobtrail_dedupe_scoped']);
    const collection = collectionWith(indexes);
    expect(await dropRetiredIndexes(collection)).toEqual(['jobtrail_dedupe']);
    expect([...indexes]).toEqual(['_id_', 'jobtrail_dedupe_scoped']);
    expect(collection.calls).toEqual([...RETIRED_INDEX_NAMES]);
  });

  it('is a no-op when the index or the collection is already gone', async () => {
    expect(await dropRetiredIndexes(collectionWith(new Set(['_id_'])))).toEqual([]);
    const noCollection = new MongoServerError({ message: 'ns not found', code: 26, codeName: 'NamespaceNotFound' });
    expect(await dropRetiredIndexes(collectionWith(new Set(), noCollection))).toEqual([]);
  });

  it('throws any other failure', async () => {
    const unauthorized = new MongoServerError({ message: 'not authorized', code: 13, codeName: 'Unauthorized' });
    await expect(dropRetiredIndexes(collectionWith(new Set(['jobtrail_dedupe']), unauthorized))).rejects.toBe(unauthorized);
  });
});
