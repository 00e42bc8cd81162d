import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import type { JobChange, JobChangeEvent } from '../store/change-feed.js';
import type { JobStore } from '../store/job-store.js';
import { createTracker, type Tracker } from '../tracker/tracker.js';
import { makeJob, uniqueName } from './make-job.js';
import { describeWithStore, type StoreContractOptions } from './store-contract-options.js';

/** Generous: a feed over a network may take a while on a loaded machine; the tests never time it. */
const PATIENCE_MS = 20_000;
/** Per test: room for a few waits. */
const TEST_TIMEOUT_MS = 90_000;

/** Resolves once `test` holds, checking after every event and every 20 ms; rejects after PATIENCE_MS. */
async function eventually(test: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Collects a store's change events. */
function record(store: JobStore): { changes: JobChange[]; events: JobChangeEvent[]; stop: () => void } {
  const changes: JobChange[] = [];
  const events: JobChangeEvent[] = [];
  const stop = store.subscribeChanges!((event) => {
    events.push(event);
    if (event.changes) changes.push(...event.changes);
  });
  return { changes, events, stop };
}

/**
 * The change feed (`subscribeChanges`) on the store under test, and `tracker.watch` over it:
 * every kind of write is heard after it lands, with routing fields only; versions order a job's
 * changes; unsubscribing stops delivery; watches by id and by filter deliver the job as read,
 * never one outside their scope, and a job leaving a filter once more.
 */
export function changeFeedSuite(options: StoreContractOptions): void {
  describeWithStore('change feed', options, (store) => {
    it('has a change feed', () => {
      expect(typeof store().subscribeChanges).toBe('function');
    }, TEST_TIMEOUT_MS);

    it('reports inserts, claims, progress, metrics and transitions, with routing fields only', async () => {
      const feed = record(store());
      try {
        const type = uniqueName('feed.kinds');
        const tenantId = uniqueName('tenant');
        const job = makeJob({ type, tenantId, ownerId: 'owner-1', payload: { secret: 'never in a change' }, metadata: { also: 'never' } });
        await store().insert(job);
        const of = () => feed.changes.filter((change) => change.jobId === job.id);
        await eventually(() => of().length >= 1, 'the insert');
        expect(of()[0]).toEqual({ jobId: job.id, type, tenantId, ownerId: 'owner-1', status: 'queued', version: job.updatedAt.getTime() });
        expect(Object.keys(of()[0]!).sort()).toEqual(['jobId', 'ownerId', 'status', 'tenantId', 'type', 'version']);

        const now = new Date(Date.now() + 1_000);
        const [claimed] = await store().claim({ limits: { [type]: 1 }, limit: 1, owner: 'w', now, leaseExpiresAt: new Date(now.getTime() + 60_000) });
        expect(claimed?.id).toBe(job.id);
        await eventually(() => of().some((change) => change.status === 'running'), 'the claim');

        const progressAt = new Date(now.getTime() + 1_000);
        expect(await store().updateProgress(job.id, { progress: 0.5, updatedAt: progressAt }, 'w', 1)).toBe(true);
        await eventually(() => of().some((change) => change.version === progressAt.getTime()), 'the progress write');

        const metricsAt = new Date(now.getTime() + 2_000);
        await store().incrementMetrics(job.id, { rows: 3 }, metricsAt, 'w', 1);
        await eventually(() => of().some((change) => change.version === metricsAt.getTime()), 'the metrics write');

        const doneAt = new Date(now.getTime() + 3_000);
        const done = await store().transition(
          job.id,
          { status: 'running', leaseOwner: 'w', attempt: 1 },
          { status: 'completed', finishedAt: doneAt, updatedAt: doneAt, lease: null, progress: 1 },
        );
        expect(done.ok).toBe(true);
        await eventually(() => of().some((change) => change.status === 'completed'), 'the completion');
        const versions = of().map((change) => change.version);
        expect([...versions].sort((a, b) => a - b)).toEqual(versions);
        expect(of().at(-1)).toMatchObject({ status: 'completed', version: doneAt.getTime() });
        expect(JSON.stringify(feed.events)).not.toMatch(/never/);
      } finally {
        feed.stop();
      }
    }, TEST_TIMEOUT_MS);

    it('stops delivering to a listener that unsubscribed, while others still hear', async () => {
      const kept = record(store());
      const dropped = record(store());
      try {
        const type = uniqueName('feed.unsubscribe');
        const first = makeJob({ type });
        await store().insert(first);
        await eventually(() => dropped.changes.some((change) => change.jobId === first.id), 'the first insert');
        dropped.stop();
        const second = makeJob({ type });
        await store().insert(second);
        await eventually(() => kept.changes.some((change) => change.jobId === second.id), 'the second insert');
        expect(dropped.changes.some((change) => change.jobId === second.id)).toBe(false);
      } finally {
        kept.stop();
        dropped.stop();
      }
    }, TEST_TIMEOUT_MS);

    it('tracker.watch(id) delivers the job as read after each change, and nothing outside its scope', async () => {
      const trackers: Tracker[] = [];
      try {
        const tracker = createTracker({ store: store(), recoverIntervalMs: false });
        trackers.push(tracker);
        const type = uniqueName('feed.watch');
        const job = await tracker.enqueue(type, { n: 1 }, { tenantId: 'tenant-a' });
        const seen: Job[] = [];
        const foreign: Job[] = [];
        const stop = tracker.watch(job.id, (current) => seen.push(current), { scope: { tenantId: 'tenant-a' }, read: { payload: 'omit' } });
        const stopForeign = tracker.watch(job.id, (current) => foreign.push(current), { scope: { tenantId: 'tenant-b' } });
        await tracker.start(job.id);
        await tracker.complete(job.id, { result: { rows: 3 } });
        await eventually(() => seen.some((current) => current.status === 'completed'), 'the completed job');
        const completed = seen.find((current) => current.status === 'completed')!;
        expect(completed.result).toEqual({ rows: 3 });
        expect(completed.payload).toBeUndefined();
        expect(completed.unread).toEqual({ payload: { reason: 'omitted' } });
        stop();
        stopForeign();
        // The in-scope watch saw the completion; the out-of-scope one, reading the same changes, never saw the job.
        expect(foreign).toEqual([]);
      } finally {
        for (const tracker of trackers) await tracker.close();
      }
    }, TEST_TIMEOUT_MS);

    it('tracker.watch(filter) delivers matching jobs of its scope, and a job leaving the filter once more', async () => {
      const tracker = createTracker({ store: store(), recoverIntervalMs: false });
      try {
        const type = uniqueName('feed.filter');
        const failedSeen: Job[] = [];
        const stop = tracker.watch({ type, status: 'failed', scope: { tenantId: 'tenant-a' } }, (job) => failedSeen.push(job));
        const mine = await tracker.enqueue(type, {}, { tenantId: 'tenant-a', maxAttempts: 1 });
        const theirs = await tracker.enqueue(type, {}, { tenantId: 'tenant-b', maxAttempts: 1 });
        for (const job of [mine, theirs]) {
          await tracker.start(job.id);
          await tracker.fail(job.id, new Error('boom'));
        }
        await eventually(() => failedSeen.some((job) => job.id === mine.id && job.status === 'failed'), 'the failed job');
        await tracker.retry(mine.id);
        await eventually(() => failedSeen.some((job) => job.id === mine.id && job.status === 'queued'), 'the job leaving the filter');
        stop();
        expect(failedSeen.every((job) => job.tenantId === 'tenant-a')).toBe(true);
        expect(failedSeen.map((job) => job.status)).toEqual(['failed', 'queued']);
        expect(() => tracker.watch({ type, status: 'nope' as never }, () => {})).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'status' }));
        expect(() => tracker.watch('not-an-id', () => {})).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'id' }));
      } finally {
        await tracker.close();
      }
    }, TEST_TIMEOUT_MS);
  });
}
