import { describe, expect, it } from 'vitest';
import { changeToWakeEvent, WAKE_PIPELINE } from './wake-pipeline.js';

describe('wake pipeline', () => {
  it('lets through only changes that make a job claimable', () => {
    expect(WAKE_PIPELINE[0]).toEqual({
      $match: {
        $or: [
          { operationType: { $in: ['insert', 'replace'] }, 'fullDocument.status': { $in: ['queued', 'retrying'] } },
          { operationType: 'update', 'updateDescription.updatedFields.status': { $in: ['queued', 'retrying'] } },
        ],
      },
    });
  });

  it('keeps the resume token (_id) and drops the payload from events', () => {
    const projection = (WAKE_PIPELINE[1] as { $project: Record<string, unknown> }).$project;
    expect(projection).not.toHaveProperty('_id');
    expect(Object.values(projection).every((value) => value === 1)).toBe(true);
    expect(projection).toEqual({ operationType: 1, 'fullDocument.type': 1 });
  });

  it('turns a change into a wake event with the type when the change carries it', () => {
    expect(changeToWakeEvent({ operationType: 'insert', fullDocument: { type: 'a' } })).toEqual({ type: 'a' });
    expect(changeToWakeEvent({ operationType: 'update' })).toEqual({});
    expect(changeToWakeEvent({ fullDocument: { type: 5 } })).toEqual({});
    expect(changeToWakeEvent(null)).toEqual({});
  });
});
