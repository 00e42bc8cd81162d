import { describe, expect, it } from 'vitest';
import { aggregate } from 'mingo';
import { finishedActivityPipeline, startedActivityPipeline } from './activity-documents.js';
import { storeFilter } from './store-filter.js';

const since = new Date(Date.UTC(2031, 0, 1));
const until = new Date(since.getTime() + 3_600_000);
const query = { filter: {}, since, until, bucketMs: 60_000 };
const at = (ms: number) => new Date(since.getTime() + ms);

describe('activity pipelines', () => {
  it('match the time range on the indexed field first (startedAt; status and finishedAt)', () => {
    const match = storeFilter({ tenantId: 't1' });
    expect(startedActivityPipeline(match, query)[0]).toEqual({ $match: { $and: [{ tenantId: 't1' }, { startedAt: { $gte: since, $lt: until } }] } });
    expect(finishedActivityPipeline(match, query)[0]).toEqual({
      $match: { $and: [{ tenantId: 't1' }, { status: { $in: ['completed', 'failed'] }, finishedAt: { $gte: since, $lt: until } }] },
    });
  });

  it('floor each instant to its bucket by integer arithmetic from since', () => {
    const docs = [
      { tenantId: 't1', status: 'running', runAt: at(-1_000), startedAt: at(0), finishedAt: null },
      { tenantId: 't1', status: 'completed', runAt: at(50_000), startedAt: at(59_999), finishedAt: at(60_000) },
      { tenantId: 't1', status: 'failed', runAt: at(70_000), startedAt: at(60_000), finishedAt: at(119_999) },
      { tenantId: 't2', status: 'failed', runAt: at(0), startedAt: at(1_000), finishedAt: at(2_000) },
      { tenantId: 't1', status: 'cancelled', runAt: at(0), startedAt: at(-1), finishedAt: at(3_000) },
    ];
    const match = storeFilter({ tenantId: 't1' });
    const started = aggregate(docs, startedActivityPipeline(match, query)) as Array<{ _id: number }>;
    expect(started.sort((a, b) => a._id - b._id)).toEqual([
      { _id: 0, started: 2, waitAvg: 5_499.5, waitMax: 9_999 },
      // Started before it was due: a wait of 0.
      { _id: 60_000, started: 1, waitAvg: 0, waitMax: 0 },
    ]);
    const finished = aggregate(docs, finishedActivityPipeline(match, query)) as Array<{ _id: { offset: number; status: string } }>;
    expect(finished.sort((a, b) => a._id.offset - b._id.offset || (a._id.status < b._id.status ? -1 : 1))).toEqual([{ _id: { offset: 60_000, status: 'completed' }, n: 1 }, { _id: { offset: 60_000, status: 'failed' }, n: 1 }]);
  });
});
