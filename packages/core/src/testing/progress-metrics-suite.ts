import { expect, it } from 'vitest';
import type { Job } from '../model/job.js';
import { makeJob, uniqueName } from './make-job.js';
import { at, describeWithStore, expectJobtrailError, type StoreContractOptions } from './store-contract-options.js';

/**
 * Progress writes land only on running jobs (and only for the lease owner and attempt when they
 * are named), and metric increments are atomic: many concurrent callers add up exactly, finished
 * jobs stay as they are, and an increment fenced by owner and/or attempt lands only while the job
 * runs that attempt under that owner (`'stale'` otherwise).
 */
export function progressMetricsSuite(options: StoreContractOptions): void {
  describeWithStore('progress and metrics', options, (store) => {
    const base = Date.UTC(2032, 1, 3, 4, 5, 6, 789);

    function runningJob(overrides: Partial<Job> = {}): Job {
      return makeJob({
        type: uniqueName('progress'),
        status: 'running',
        attempt: 1,
        startedAt: at(base),
        lease: { owner: uniqueName('worker'), expiresAt: at(base, 60_000) },
        ...overrides,
      });
    }

    it('writes progress fields of a running job', async () => {
      const job = runningJob();
      await store().insert(job);
      const written = await store().updateProgress(job.id, { progress: 0.4, stage: 'Uploading — 上传', current: 4, total: 10, updatedAt: at(base, 1) });
      expect(written).toBe(true);
      const expected: Job = { ...job, progress: 0.4, stage: 'Uploading — 上传', current: 4, total: 10, updatedAt: at(base, 1) };
      expect(await store().get(job.id)).toEqual(expected);

      expect(await store().updateProgress(job.id, { stage: 'Parsing', updatedAt: at(base, 2) })).toBe(true);
      expect(await store().get(job.id)).toEqual({ ...expected, stage: 'Parsing', updatedAt: at(base, 2) });

      expect(await store().updateProgress(job.id, { stage: null, current: null, total: null, updatedAt: at(base, 3) })).toBe(true);
      expect(await store().get(job.id)).toMatchObject({ progress: 0.4, stage: null, current: null, total: null });
    });

    it('writes progress of a tracked running job that has no lease', async () => {
      const job = runningJob({ lease: null });
      await store().insert(job);
      expect(await store().updateProgress(job.id, { progress: 1, updatedAt: at(base, 1) })).toBe(true);
      expect(await store().get(job.id)).toMatchObject({ progress: 1 });
    });

    it('writes only for the lease owner when an owner is given', async () => {
      const job = runningJob();
      await store().insert(job);
      const owner = job.lease!.owner;
      expect(await store().updateProgress(job.id, { progress: 0.9, updatedAt: at(base, 1) }, uniqueName('intruder'))).toBe(false);
      expect(await store().get(job.id)).toEqual(job);
      expect(await store().updateProgress(job.id, { progress: 0.3, updatedAt: at(base, 2) }, owner)).toBe(true);
      expect(await store().get(job.id)).toMatchObject({ progress: 0.3, updatedAt: at(base, 2) });

      const tracked = runningJob({ lease: null });
      await store().insert(tracked);
      expect(await store().updateProgress(tracked.id, { progress: 0.5, updatedAt: at(base, 1) }, owner)).toBe(false);
    });

    it('writes only for the running attempt when an attempt is given', async () => {
      const job = runningJob({ attempt: 2 });
      await store().insert(job);
      const owner = job.lease!.owner;
      expect(await store().updateProgress(job.id, { progress: 0.9, stage: 'stale', updatedAt: at(base, 1) }, owner, 1)).toBe(false);
      expect(await store().updateProgress(job.id, { progress: 0.9, stage: 'stale', updatedAt: at(base, 1) }, null, 3)).toBe(false);
      expect(await store().updateProgress(job.id, { progress: 0.9, stage: 'stale', updatedAt: at(base, 1) }, undefined, 1)).toBe(false);
      expect(await store().updateProgress(job.id, { progress: 0.9, updatedAt: at(base, 1) }, uniqueName('intruder'), 2)).toBe(false);
      expect(await store().get(job.id)).toEqual(job);

      expect(await store().updateProgress(job.id, { progress: 0.3, stage: 'Attempt 2', updatedAt: at(base, 2) }, owner, 2)).toBe(true);
      expect(await store().get(job.id)).toEqual({ ...job, progress: 0.3, stage: 'Attempt 2', updatedAt: at(base, 2) });
      expect(await store().updateProgress(job.id, { progress: 0.4, updatedAt: at(base, 3) }, null, 2)).toBe(true);
      expect(await store().get(job.id)).toMatchObject({ progress: 0.4, updatedAt: at(base, 3) });

      const tracked = runningJob({ lease: null, attempt: 1 });
      await store().insert(tracked);
      expect(await store().updateProgress(tracked.id, { progress: 0.5, updatedAt: at(base, 1) }, null, 2)).toBe(false);
      expect(await store().updateProgress(tracked.id, { progress: 0.5, updatedAt: at(base, 1) }, null, 1)).toBe(true);
      expect(await store().get(tracked.id)).toMatchObject({ progress: 0.5 });

      const retrying = makeJob({ type: job.type, status: 'retrying', attempt: 2 });
      await store().insert(retrying);
      expect(await store().updateProgress(retrying.id, { progress: 0.5, updatedAt: at(base, 1) }, null, 2)).toBe(false);
      expect(await store().get(retrying.id)).toEqual(retrying);
    });

    it('refuses progress on jobs that are not running, and on missing jobs', async () => {
      const type = uniqueName('progress.not-running');
      const jobs = [
        makeJob({ type }),
        makeJob({ type, status: 'retrying', attempt: 1 }),
        makeJob({ type, status: 'completed', attempt: 1, finishedAt: at(base) }),
        makeJob({ type, status: 'cancelled', finishedAt: at(base) }),
      ];
      for (const job of jobs) {
        await store().insert(job);
        expect(await store().updateProgress(job.id, { progress: 0.7, stage: 'nope', updatedAt: at(base, 5) })).toBe(false);
        expect(await store().get(job.id)).toEqual(job);
      }
      expect(await store().updateProgress(makeJob().id, { progress: 0.7, updatedAt: at(base, 5) })).toBe(false);
    });

    it('adds deltas, starting missing names at 0, and answers the metrics after the increment', async () => {
      const job = runningJob({ metrics: { leads: 10 } });
      await store().insert(job);
      expect(await store().incrementMetrics(job.id, { leads: 5, tokens: 120 }, at(base, 1))).toEqual({ leads: 15, tokens: 120 });
      expect(await store().incrementMetrics(job.id, { leads: -3, 'cost.usd': 0.25 }, at(base, 2))).toEqual({
        leads: 12,
        tokens: 120,
        'cost.usd': 0.25,
      });
      expect(await store().get(job.id)).toEqual({ ...job, metrics: { leads: 12, tokens: 120, 'cost.usd': 0.25 }, updatedAt: at(base, 2) });
    });

    it('sums exactly when 50 callers increment two metrics concurrently', async () => {
      const job = runningJob();
      await store().insert(job);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store().incrementMetrics(job.id, { rows: 1, bytes: 1024 }, at(base, i))),
      );
      for (const result of results) expect(result).not.toBeNull();
      const seen = results.map((result) => (result as Record<string, number>)['rows']).sort((a, b) => a! - b!);
      // Each caller saw the state right after its own increment: 1..50, each exactly once.
      expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect((await store().get(job.id))?.metrics).toEqual({ rows: 50, bytes: 50 * 1024 });
    });

    it("answers 'finished' for a terminal job and leaves it unchanged", async () => {
      const type = uniqueName('metrics.finished');
      for (const status of ['completed', 'failed', 'skipped', 'cancelled'] as const) {
        const job = makeJob({ type, status, attempt: 1, metrics: { rows: 3 }, finishedAt: at(base) });
        await store().insert(job);
        expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 1))).toBe('finished');
        expect(await store().get(job.id)).toEqual(job);
      }
    });

    it('answers null for a missing job', async () => {
      expect(await store().incrementMetrics(makeJob().id, { rows: 1 }, at(base))).toBeNull();
      expect(await store().incrementMetrics(makeJob().id, { rows: 1 }, at(base), uniqueName('worker'), 1)).toBeNull();
      expect(await store().incrementMetrics(makeJob().id, { rows: 1 }, at(base), null, 1)).toBeNull();
    });

    it('applies a fenced increment only for the running attempt and its lease owner', async () => {
      const job = runningJob({ attempt: 2, metrics: { rows: 1 } });
      await store().insert(job);
      const owner = job.lease!.owner;
      expect(await store().incrementMetrics(job.id, { rows: 2 }, at(base, 1), owner, 2)).toEqual({ rows: 3 });
      expect(await store().incrementMetrics(job.id, { rows: 1, tokens: 5 }, at(base, 2), null, 2)).toEqual({ rows: 4, tokens: 5 });
      expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 3), owner)).toEqual({ rows: 5, tokens: 5 });
      const afterRight: Job = { ...job, metrics: { rows: 5, tokens: 5 }, updatedAt: at(base, 3) };
      expect(await store().get(job.id)).toEqual(afterRight);

      // Wrong attempt, wrong owner, or both: 'stale', and nothing is written.
      const intruder = uniqueName('intruder');
      expect(await store().incrementMetrics(job.id, { rows: 100 }, at(base, 4), owner, 1)).toBe('stale');
      expect(await store().incrementMetrics(job.id, { rows: 100 }, at(base, 4), owner, 3)).toBe('stale');
      expect(await store().incrementMetrics(job.id, { rows: 100 }, at(base, 4), null, 1)).toBe('stale');
      expect(await store().incrementMetrics(job.id, { rows: 100 }, at(base, 4), undefined, 1)).toBe('stale');
      expect(await store().incrementMetrics(job.id, { rows: 100 }, at(base, 4), intruder, 2)).toBe('stale');
      expect(await store().incrementMetrics(job.id, { rows: 100 }, at(base, 4), intruder)).toBe('stale');
      expect(await store().incrementMetrics(job.id, { rows: 100, fresh: 1 }, at(base, 4), intruder, 1)).toBe('stale');
      expect(await store().get(job.id)).toEqual(afterRight);

      // Unfenced increments are as they always were.
      expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 5))).toEqual({ rows: 6, tokens: 5 });
      expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 6), null)).toEqual({ rows: 7, tokens: 5 });
    });

    it('fences increments of a tracked running job (no lease) by attempt', async () => {
      const job = runningJob({ lease: null, attempt: 1 });
      await store().insert(job);
      expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 1), null, 1)).toEqual({ rows: 1 });
      expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 2), null, 2)).toBe('stale');
      expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 2), uniqueName('worker'), 1)).toBe('stale');
      expect(await store().get(job.id)).toEqual({ ...job, metrics: { rows: 1 }, updatedAt: at(base, 1) });
    });

    it("answers 'stale' for a fenced increment of a queued or retrying job, which unfenced ones still reach", async () => {
      const type = uniqueName('metrics.waiting');
      const owner = uniqueName('worker');
      for (const job of [
        makeJob({ type, metrics: { rows: 1 } }),
        makeJob({ type, status: 'retrying', attempt: 1, metrics: { rows: 1 } }),
        makeJob({ type, status: 'retrying', attempt: 2, metrics: { rows: 1 }, lease: null, startedAt: at(base) }),
      ]) {
        await store().insert(job);
        expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 1), owner, job.attempt)).toBe('stale');
        expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 1), null, job.attempt)).toBe('stale');
        expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 1), owner)).toBe('stale');
        expect(await store().get(job.id)).toEqual(job);
        expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 2))).toEqual({ rows: 2 });
      }
    });

    it("answers 'finished' for a fenced increment of a terminal job, whatever the fence", async () => {
      const type = uniqueName('metrics.fenced-finished');
      const owner = uniqueName('worker');
      for (const status of ['completed', 'failed', 'skipped', 'cancelled'] as const) {
        const job = makeJob({ type, status, attempt: 2, metrics: { rows: 3 }, finishedAt: at(base) });
        await store().insert(job);
        expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 1), owner, 2)).toBe('finished');
        expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 1), owner, 1)).toBe('finished');
        expect(await store().incrementMetrics(job.id, { rows: 1 }, at(base, 1), null, 2)).toBe('finished');
        expect(await store().get(job.id)).toEqual(job);
      }
    });

    it('sums exactly when 40 fenced callers increment concurrently, and writes none of 10 stale ones', async () => {
      const job = runningJob({ attempt: 3 });
      await store().insert(job);
      const owner = job.lease!.owner;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 5 === 0
            ? store().incrementMetrics(job.id, { rows: 1000 }, at(base, i), owner, 2)
            : store().incrementMetrics(job.id, { rows: 1 }, at(base, i), owner, 3),
        ),
      );
      expect(results.filter((result) => result === 'stale')).toHaveLength(10);
      const seen = results.filter((result) => result !== 'stale').map((result) => (result as Record<string, number>)['rows']);
      expect(seen.sort((a, b) => a! - b!)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect((await store().get(job.id))?.metrics).toEqual({ rows: 40 });
    });

    it("sums each metric over a parent's children", async () => {
      const type = uniqueName('metrics.children');
      const parent = makeJob({ type, status: 'running', attempt: 1, metrics: { leads: 1000 } });
      const otherParent = makeJob({ type });
      await store().insert(parent);
      await store().insert(otherParent);
      const children = [
        makeJob({ type, parentId: parent.id, metrics: { leads: 3, tokens: 10 } }),
        makeJob({ type, parentId: parent.id, status: 'completed', attempt: 1, finishedAt: at(base), metrics: { leads: 4 } }),
        makeJob({ type, parentId: parent.id, metrics: {} }),
        makeJob({ type, parentId: parent.id, status: 'running', attempt: 1, metrics: { tokens: 0.5 } }),
        makeJob({ type, parentId: otherParent.id, metrics: { leads: 999, other: 1 } }),
      ];
      for (const child of children) await store().insert(child);
      expect(await store().incrementMetrics(children[3]!.id, { leads: 2 }, at(base, 1))).toEqual({ tokens: 0.5, leads: 2 });
      expect(await store().sumMetrics({ parentId: parent.id })).toEqual({ leads: 9, tokens: 10.5 });
      expect(await store().sumMetrics({ parentId: parent.id, status: ['completed'] })).toEqual({ leads: 4 });
      expect(await store().sumMetrics({ parentId: makeJob().id })).toEqual({});
    });

    it('refuses an increment that would leave the range of finite numbers, and writes none of its deltas', async () => {
      const job = runningJob({ metrics: { big: 1e308, low: -1e308, rows: 1 } });
      await store().insert(job);
      const owner = job.lease!.owner;
      for (const [deltas, fence] of [
        [{ big: 1e308 }, []],
        [{ rows: 1, big: 1e308 }, []],
        [{ low: -1e308, rows: 5 }, [owner, 1]],
        [{ fresh: Number.MAX_VALUE, big: Number.MAX_VALUE }, [null, 1]],
      ] as const) {
        await expectJobtrailError(() => store().incrementMetrics(job.id, deltas, at(base, 1), ...(fence as [])), 'invalid_input');
      }
      expect(await store().get(job.id)).toEqual(job);
      // Up to the edge is fine, in both directions, and the values read back exactly.
      expect(await store().incrementMetrics(job.id, { big: 7e307, low: -7e307 }, at(base, 2))).toEqual({ big: 1.7e308, low: -1.7e308, rows: 1 });
      expect((await store().get(job.id))?.metrics).toEqual({ big: 1.7e308, low: -1.7e308, rows: 1 });
    });

    it('answers a sum over jobs beyond the range of finite numbers as ±Infinity, never an error', async () => {
      const parent = makeJob({ type: uniqueName('metrics.huge') });
      await store().insert(parent);
      for (let i = 0; i < 3; i++) {
        await store().insert(makeJob({ type: parent.type, parentId: parent.id, metrics: { up: 1.5e308, down: -1.5e308, small: 1 } }));
      }
      expect(await store().sumMetrics({ parentId: parent.id })).toEqual({ up: Infinity, down: -Infinity, small: 3 });
    });
  });
}
