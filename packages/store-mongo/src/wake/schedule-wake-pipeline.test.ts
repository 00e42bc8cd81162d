import { describe, expect, it } from 'vitest';
import { scheduleChangeToWakeEvent, SCHEDULE_WAKE_PIPELINE } from './schedule-wake-pipeline.js';

describe('schedule wake pipeline', () => {
  it('lets through every document change of a schedule, deletions included, and no collection event', () => {
    expect(SCHEDULE_WAKE_PIPELINE[0]).toEqual({ $match: { operationType: { $in: ['insert', 'update', 'replace', 'delete'] } } });
    const operations = (SCHEDULE_WAKE_PIPELINE[0] as { $match: { operationType: { $in: string[] } } }).$match.operationType.$in;
    for (const collectionEvent of ['drop', 'rename', 'dropDatabase', 'invalidate']) expect(operations).not.toContain(collectionEvent);
  });

  it('keeps the resume token (_id) and only the name (documentKey._id): no document travels', () => {
    const projection = (SCHEDULE_WAKE_PIPELINE[1] as { $project: Record<string, unknown> }).$project;
    expect(projection).toEqual({ operationType: 1, 'documentKey._id': 1 });
    expect(projection).not.toHaveProperty('_id');
    expect(SCHEDULE_WAKE_PIPELINE).toHaveLength(2);
  });

  it('turns a change into { schedule: name }, and anything without a name into nothing', () => {
    expect(scheduleChangeToWakeEvent({ operationType: 'delete', documentKey: { _id: 'nightly' } })).toEqual({ schedule: 'nightly' });
    expect(scheduleChangeToWakeEvent({ operationType: 'insert', documentKey: { _id: { $oid: 'x' } } })).toBeNull();
    expect(scheduleChangeToWakeEvent({ operationType: 'insert' })).toBeNull();
    expect(scheduleChangeToWakeEvent(null)).toBeNull();
  });
});
