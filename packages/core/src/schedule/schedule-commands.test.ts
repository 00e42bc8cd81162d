import { describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createTracker } from '../tracker/tracker.js';

describe('listSchedules paging', () => {
  it('answers a cursor for a full page of the largest size, so no schedule is silently left out', async () => {
    const tracker = createTracker({ store: new MemoryJobStore(), recoverIntervalMs: false });
    for (let i = 0; i < 1001; i++) await tracker.schedule(`s.${String(i).padStart(4, '0')}`, { type: 't', every: '1h' });
    const first = await tracker.listSchedules({ limit: 1000 });
    expect(first.schedules).toHaveLength(1000);
    expect(first.nextCursor).toBe('s.0999');
    const second = await tracker.listSchedules({ limit: 1000, after: first.nextCursor! });
    expect(second.schedules.map((s) => s.name)).toEqual(['s.1000']);
    expect(second.nextCursor).toBeNull();
    // Exactly a full largest page left: a cursor, and then an empty last page.
    const exact = await tracker.listSchedules({ limit: 1000, after: 's.0000' });
    expect(exact.nextCursor).toBe('s.1000');
    expect(await tracker.listSchedules({ limit: 1000, after: 's.1000' })).toEqual({ schedules: [], nextCursor: null });
  });
});
