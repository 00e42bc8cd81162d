import { describe, expect, it } from 'vitest';
import { MemoryJobStore } from '../memory/memory-job-store.js';
import { createFakeClock } from '../testing/fake-clock.js';
import { makeJob } from '../testing/make-job.js';
import { expectJobtrailError } from '../testing/store-contract-options.js';
import { createTracker } from './tracker.js';

const T0 = Date.UTC(2026, 5, 1, 12, 30, 15);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function setup() {
  const clock = createFakeClock(T0);
  const tracker = createTracker({ store: new MemoryJobStore(), clock });
  return { tracker, clock };
}

describe('tracker.activity()', () => {
  it('defaults to the last 24 hours in hourly buckets, since floored to the hour, until now', async () => {
    const { tracker } = setup();
    const activity = await tracker.activity();
    expect(activity.bucketMs).toBe(HOUR);
    expect(activity.until).toEqual(new Date(T0));
    expect(activity.since).toEqual(new Date(Date.UTC(2026, 4, 31, 12)));
    // The floored start adds one bucket to the 24 asked for.
    expect(activity.buckets).toHaveLength(25);
    expect(activity.buckets.every((bucket) => bucket.started === 0 && bucket.waitMsAvg === null)).toBe(true);
    expect(activity.buckets.at(-1)!.start).toEqual(new Date(Date.UTC(2026, 5, 1, 12)));
  });

  it('zero-fills between the buckets the store answers and rounds waits to whole ms', async () => {
    const { tracker } = setup();
    const since = new Date(T0 - 10 * MINUTE);
    const startedAt = new Date(T0 - 5 * MINUTE);
    for (const wait of [1, 2]) {
      await tracker.store.insert(makeJob({ type: 'a', status: 'running', attempt: 1, runAt: new Date(startedAt.getTime() - wait), startedAt }));
    }
    const activity = await tracker.activity({ since, bucketMs: MINUTE, type: 'a' });
    expect(activity.since).toEqual(new Date(Date.UTC(2026, 5, 1, 12, 20)));
    expect(activity.buckets).toHaveLength(11);
    expect(activity.buckets.filter((bucket) => bucket.started > 0)).toEqual([
      { start: new Date(Date.UTC(2026, 5, 1, 12, 25)), started: 2, completed: 0, failed: 0, waitMsAvg: 2, waitMsMax: 2 },
    ]);
  });

  it('answers zeros without asking the store for a filter that matches nothing', async () => {
    const { tracker } = setup();
    const activity = await tracker.activity({ since: new Date(T0 - HOUR), type: 'x', scope: { tenantId: 't1' }, tenantId: 't2' });
    expect(activity.buckets).toHaveLength(2);
    expect(activity.buckets.every((bucket) => bucket.started + bucket.completed + bucket.failed === 0)).toBe(true);
  });

  it('accepts 1440 buckets and refuses 1441', async () => {
    const { tracker } = setup();
    const until = new Date(Date.UTC(2026, 5, 1));
    expect((await tracker.activity({ until, since: new Date(until.getTime() - 1440 * MINUTE), bucketMs: MINUTE })).buckets).toHaveLength(1440);
    await expectJobtrailError(() => tracker.activity({ until, since: new Date(until.getTime() - 1441 * MINUTE), bucketMs: MINUTE }), 'invalid_input');
    // A day by the minute from an unaligned now: 1440 asked for, 1441 answered.
    expect((await tracker.activity({ bucketMs: MINUTE })).buckets).toHaveLength(1441);
  });

  it('refuses bad input with invalid_input', async () => {
    const { tracker } = setup();
    const bad: unknown[] = [
      { since: 'yesterday' },
      { until: 5 },
      { since: new Date(Number.NaN) },
      { since: new Date(T0), until: new Date(T0) },
      { since: new Date(T0 + 1), until: new Date(T0) },
      { bucketMs: 999 },
      { bucketMs: 1000.5 },
      { bucketMs: '60000' },
      { bucketMs: 1000 },
      { status: 'nope' },
      { scope: { tenantId: 5 } },
      null,
      'x',
    ];
    for (const options of bad) await expectJobtrailError(() => tracker.activity(options as never), 'invalid_input');
  });

  it('answers activity_unavailable for a store without activity', async () => {
    const store = new MemoryJobStore();
    Object.defineProperty(store, 'activity', { value: undefined });
    const tracker = createTracker({ store, clock: createFakeClock(T0) });
    await expectJobtrailError(() => tracker.activity(), 'activity_unavailable');
  });
});
